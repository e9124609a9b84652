#include "ledger/state/domain.h"

#include <cassert>

#include "ledger/log/entry.h"
#include "ledger/state/state_codec.h"
#include "ledger/state/state_keys.h"

namespace vigil::domain {

namespace {

constexpr std::string_view kLicenceKinds[] = {"precursor_trading", "precursor_use", "import_export",
                                              "karaoke",           "bar",           "dance_hall"};
constexpr std::string_view kVenueKinds[] = {"karaoke", "bar", "dance_hall"};
// The integer settings: name, field, allowed range.
struct IntSetting {
  std::string_view name;
  int64_t Settings::*field;
  int64_t min, max;
};
constexpr IntSetting kIntSettings[] = {
    {"receipt_days", &Settings::receipt_days, 1, 3660},
    {"unusual_factor", &Settings::unusual_factor, 1, 3660},
    {"unusual_min_history", &Settings::unusual_min_history, 1, 3660},
    {"expiry_warning_days", &Settings::expiry_warning_days, 1, 3660},
    {"repeat_violation_days", &Settings::repeat_violation_days, 1, 3660},
    {"reporting_days", &Settings::reporting_days, 1, 3660},
    {"late_limit_days", &Settings::late_limit_days, 1, 3660},
    {"utc_offset_minutes", &Settings::utc_offset_minutes, -720, 840},
};
constexpr std::string_view kWitnessRoles = "witness_roles";

const IntSetting* FindIntSetting(std::string_view name) {
  for (const IntSetting& s : kIntSettings) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

// The role bit set a witness_roles value names; nullopt unless it is a non-empty array of
// distinct role names.
std::optional<uint8_t> ParseRoleSet(const nlohmann::json& v) {
  if (!v.is_array() || v.empty()) return std::nullopt;
  uint8_t bits = 0;
  for (const auto& r : v) {
    std::optional<Role> role =
        r.is_string() ? ParseRole(r.get_ref<const std::string&>()) : std::nullopt;
    if (!role.has_value() || (bits & static_cast<uint8_t>(*role)) != 0) return std::nullopt;
    bits = static_cast<uint8_t>(bits | static_cast<uint8_t>(*role));
  }
  return bits;
}

// Sets `name` in `s` from its JSON value; false if the value is not allowed.
bool SetOne(Settings& s, std::string_view name, const nlohmann::json& v) {
  if (name == kWitnessRoles) {
    std::optional<uint8_t> bits = ParseRoleSet(v);
    if (bits.has_value()) s.witness_roles = *bits;
    return bits.has_value();
  }
  const IntSetting* spec = FindIntSetting(name);
  if (spec == nullptr || !v.is_number_integer()) return false;
  const int64_t n = v.get<int64_t>();
  if (n < spec->min || n > spec->max) return false;
  s.*(spec->field) = n;
  return true;
}

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

}  // namespace

nlohmann::json Settings::ToJson() const {
  nlohmann::json j = nlohmann::json::object();
  for (const IntSetting& s : kIntSettings) j[std::string(s.name)] = this->*(s.field);
  nlohmann::json roles = nlohmann::json::array();
  for (Role r : {Role::kAuthority, Role::kPolice, Role::kInspector, Role::kBusiness}) {
    if ((witness_roles & static_cast<uint8_t>(r)) != 0) roles.push_back(RoleName(r));
  }
  j[std::string(kWitnessRoles)] = roles;
  return j;
}

void CheckSettings(ApplyContext& ctx, const nlohmann::json& settings, const Settings& current) {
  Settings next = current;
  for (const auto& [name, value] : settings.items()) {
    const IntSetting* spec = FindIntSetting(name);
    if (name != kWitnessRoles && spec == nullptr) {
      ctx.Violate("unknown_setting", "\"" + name + "\" is not a setting; see docs/records.md");
    } else if (!SetOne(next, name, value)) {
      ctx.Violate("bad_setting",
                  spec == nullptr
                      ? "setting \"" + name + "\" is a list of role names such as [\"police\"]"
                      : "setting \"" + name + "\" must be a whole number from " +
                            std::to_string(spec->min) + " to " + std::to_string(spec->max));
    }
  }
  if (next.late_limit_days < next.reporting_days) {
    ctx.Violate("bad_setting", "late_limit_days (" + std::to_string(next.late_limit_days) +
                                   ") cannot be shorter than reporting_days (" +
                                   std::to_string(next.reporting_days) + ")");
  }
}

Settings LoadSettings(ApplyContext& ctx) {
  if (ctx.settings != nullptr) return *ctx.settings;
  Settings s;
  ctx.Fail(
      ctx.state.ScanPrefix(statekey::kSettingPrefix, [&](std::string_view k, std::string_view v) {
        std::optional<std::string_view> name = statekey::ParseSettingKey(k);
        // Stored values passed CheckSettings.
        if (name.has_value()) {
          SetOne(s, *name, nlohmann::json::parse(v, nullptr, false));
        }
        return true;
      }));
  if (ctx.failure.ok()) ctx.settings = std::make_shared<const Settings>(s);
  return s;
}

int64_t LocalDay(int64_t ms, const Settings& settings) {
  return FloorDiv(ms + settings.utc_offset_minutes * 60'000, kDayMs);
}

std::optional<int64_t> DateDay(std::string_view date) {
  Result<int64_t> ms = ParseDate(date);
  if (!ms.ok()) return std::nullopt;
  return FloorDiv(*ms, kDayMs);
}

std::string DayDate(int64_t day) { return FormatTimestamp(day * kDayMs).substr(0, 10); }

void CheckTime(ApplyContext& ctx) {
  const Settings settings = LoadSettings(ctx);
  const int64_t at = ctx.payload.at_ms;
  const int64_t lag = ctx.entry.ts_ms - at;
  std::optional<std::string> reason = ctx.String("late_reason", false);
  auto ago = [&] {  // for messages only: most records are on time
    return std::to_string(lag / kDayMs) + " days before the server's time (" +
           FormatTimestamp(ctx.entry.ts_ms) + ")";
  };
  if (lag > settings.late_limit_days * kDayMs) {
    ctx.Violate("too_late", "\"at\" (" + FormatTimestamp(at) + ") is " + ago() +
                                "; records older than " + std::to_string(settings.late_limit_days) +
                                " days cannot be filed: report the matter to the authority");
  } else if (lag > settings.reporting_days * kDayMs) {
    if (!reason.has_value()) {
      ctx.Violate("late_without_reason", "\"at\" (" + FormatTimestamp(at) + ") is " + ago() +
                                             ", beyond the " +
                                             std::to_string(settings.reporting_days) +
                                             "-day reporting period: say why in \"late_reason\"");
    } else {
      RaiseAlert(ctx, "late_entry", ctx.payload.actor,
                 ctx.payload.type + " dated " + FormatTimestamp(at) + " filed " +
                     std::to_string(lag / kDayMs) + " days later: " + reason->substr(0, 200),
                 {{"record_at", FormatTimestamp(at)}, {"days_late", lag / kDayMs}});
    }
  }
  if (auto r = ctx.actor.record().find("registered_at");
      r != ctx.actor.record().end() && r->is_string()) {
    Result<int64_t> registered = ParseTimestamp(r->get_ref<const std::string&>());
    if (registered.ok() && at < *registered) {
      ctx.Violate("before_registration", "\"at\" (" + FormatTimestamp(at) + ") is before \"" +
                                             ctx.payload.actor + "\" was registered (" +
                                             r->get<std::string>() + ")");
    }
  }
}

bool IsLicenceKind(std::string_view kind) {
  for (std::string_view k : kLicenceKinds) {
    if (k == kind) return true;
  }
  return false;
}

bool IsVenueKind(std::string_view kind) {
  for (std::string_view k : kVenueKinds) {
    if (k == kind) return true;
  }
  return false;
}

std::optional<nlohmann::json> GetJson(ApplyContext& ctx, const std::string& key) {
  Result<std::optional<std::string>> v = ctx.state.Get(key);
  if (ctx.Fail(v.status()) || !v->has_value()) return std::nullopt;
  std::optional<nlohmann::json> j = codec::DecodeJson(key, **v);
  if (!j.has_value()) {
    ctx.Fail(Status(Code::kCorruption, "damaged state record " + key));
    return std::nullopt;
  }
  return j;
}

void PutJson(ApplyContext& ctx, const std::string& key, const nlohmann::json& value) {
  ctx.Fail(ctx.state.Put(key, codec::EncodeJson(key, value)));
}

std::optional<Participant> RequireParticipant(ApplyContext& ctx, const std::string& id,
                                              std::string_view code) {
  Result<std::optional<Participant>> p = LoadParticipant(ctx.state, id);
  if (ctx.Fail(p.status())) return std::nullopt;
  if (!p->has_value()) {
    ctx.ViolateAbout(id, std::string(code), "participant \"" + id + "\" is not registered");
    return std::nullopt;
  }
  return **p;
}

std::optional<Substance> ReadSubstance(ApplyContext& ctx, const nlohmann::json& obj,
                                       std::string_view field) {
  auto it = obj.find(field);
  if (it == obj.end() || !it->is_string()) {
    ctx.Violate("missing_field", "the record needs a \"" + std::string(field) +
                                     "\" (a catalogue id, CAS number or name)");
    return std::nullopt;
  }
  Result<std::optional<Substance>> s = FindSubstance(ctx.state, it->get<std::string>());
  if (ctx.Fail(s.status())) return std::nullopt;
  if (!s->has_value()) {
    ctx.Violate("unknown_substance", "\"" + it->get<std::string>().substr(0, 80) +
                                         "\" is not in the catalogue of controlled substances");
    return std::nullopt;
  }
  return **s;
}

std::optional<int64_t> ReadAmount(ApplyContext& ctx, const nlohmann::json& obj,
                                  const Substance& substance, std::string_view where,
                                  bool allow_zero, int64_t* ppm_out) {
  if (ppm_out != nullptr) *ppm_out = 1'000'000;
  const std::string at = where.empty() ? "" : " (" + std::string(where) + ")";
  auto q = obj.find("quantity");
  auto u = obj.find("unit");
  if (q == obj.end() || !q->is_string() || u == obj.end() || !u->is_string()) {
    ctx.Violate("bad_quantity",
                "a quantity is a decimal string with a unit, e.g. \"quantity\": "
                "\"12.500\", \"unit\": \"kg\"" +
                    at);
    return std::nullopt;
  }
  Result<Quantity> qty = allow_zero ? ParseCount(q->get<std::string>(), u->get<std::string>())
                                    : ParseQuantity(q->get<std::string>(), u->get<std::string>());
  if (!qty.ok()) {
    ctx.Violate("bad_quantity", qty.status().message() + at);
    return std::nullopt;
  }
  if (qty->measure != substance.measure) {
    ctx.Violate("wrong_unit",
                substance.name_en + " is recorded by " +
                    (substance.measure == Measure::kMass ? "mass (kg, g, mg)" : "volume (L, mL)") +
                    ", not in " + u->get<std::string>() + at);
    return std::nullopt;
  }
  int64_t amount = qty->amount;
  if (auto c = obj.find("concentration"); c != obj.end()) {
    Result<int64_t> ppm =
        c->is_string() ? ParseConcentration(c->get<std::string>())
                       : Result<int64_t>(Status(Code::kInvalidArgument,
                                                "concentration must be a string such as \"37.5\""));
    if (!ppm.ok()) {
      ctx.Violate("bad_concentration", ppm.status().message() + at);
      return std::nullopt;
    }
    if (!substance.concentration.has_value()) {
      ctx.Violate("concentration_not_allowed",
                  substance.name_en +
                      " is listed as a pure substance: give its whole quantity, without a "
                      "\"concentration\"" +
                      at);
      return std::nullopt;
    }
    if (ppm_out != nullptr) *ppm_out = *ppm;
    amount = PureAmount(amount, *ppm);
    if (amount == 0 && !allow_zero) {
      ctx.Violate("bad_quantity", "the pure amount of this mixture rounds to zero" + at);
      return std::nullopt;
    }
  }
  // A salt named by its own CAS number (catalog.h SaltForm) counts as its base substance:
  // floor(amount x base_ppm / 10^6), exactly, as for a concentration.
  if (substance.form.has_value()) {
    amount = PureAmount(amount, substance.form->base_ppm);
    if (amount == 0 && !allow_zero) {
      ctx.Violate("bad_quantity", "the base amount of this salt rounds to zero" + at);
      return std::nullopt;
    }
  }
  return amount;
}

bool CheckLicence(ApplyContext& ctx, const nlohmann::json& record,
                  std::initializer_list<std::string_view> kinds, const Substance& substance,
                  std::string_view who) {
  const Settings settings = LoadSettings(ctx);
  const int64_t day = LocalDay(ctx.payload.at_ms, settings);
  const int64_t today = LocalDay(ctx.entry.ts_ms, settings);
  std::string kinds_text;
  for (std::string_view k : kinds)
    kinds_text += (kinds_text.empty() ? "" : " or ") + std::string(k);
  std::string closest;  // why the best candidate failed
  if (auto it = record.find("licences"); it != record.end() && it->is_array()) {
    for (const auto& l : *it) {
      const std::string kind = l.value("kind", "");
      bool kind_ok = false;
      for (std::string_view k : kinds) kind_ok = kind_ok || k == kind;
      if (!kind_ok) continue;
      const std::string number = l.value("number", "?");
      const std::vector<std::string> subs = l.value("substances", std::vector<std::string>{});
      if (std::find(subs.begin(), subs.end(), substance.id) == subs.end()) {
        closest = "licence " + number + " of \"" + record.value("participant", "?") +
                  "\" does not cover " + substance.name_en + " (" + substance.id + ")";
        continue;
      }
      std::optional<int64_t> issued = DateDay(l.value("issued", ""));
      std::optional<int64_t> expires = DateDay(l.value("expires", ""));
      if (!issued.has_value() || !expires.has_value()) continue;
      if (day < *issued) {
        closest = "licence " + number + " is valid only from " + l.value("issued", "");
        continue;
      }
      if (day > *expires) {
        closest = "licence " + number + " expired on " + l.value("expires", "");
        continue;
      }
      if (today > *expires + settings.reporting_days) {
        closest = "licence " + number + " expired on " + l.value("expires", "") +
                  "; records of its last days had to be filed by " +
                  DayDate(*expires + settings.reporting_days);
        continue;
      }
      if (l.value("suspended", false)) {
        closest = "licence " + number + " is suspended";
        continue;
      }
      return true;
    }
  }
  const std::string holder = record.value("participant", "?");
  if (closest.empty()) {
    closest = "\"" + holder + "\" holds no " + kinds_text + " licence covering " +
              substance.name_en + " (" + substance.id + ")";
  }
  ctx.ViolateAbout(
      holder, "licence_invalid",
      (who.empty() ? "" : std::string(who) + ": ") + closest + " (on " + DayDate(day) + ")");
  return false;
}

void AddCounts(ApplyContext& ctx, const std::string& key, std::initializer_list<int64_t> deltas) {
  assert(deltas.size() == 1 || deltas.size() == 2);
  Result<std::optional<std::string>> v = ctx.state.Get(key);
  if (ctx.Fail(v.status())) return;
  int64_t c[2] = {0, 0};
  const bool two = deltas.size() == 2;
  if (v->has_value() &&
      !(two ? codec::DecodeCounts(**v, {&c[0], &c[1]}) : codec::DecodeCounts(**v, {&c[0]}))) {
    ctx.Fail(Status(Code::kCorruption, "damaged count record " + key));
    return;
  }
  size_t i = 0;
  for (int64_t d : deltas) c[i++] += d;
  if (c[0] == 0 && c[1] == 0) {
    ctx.Fail(ctx.state.Delete(key));
  } else {
    ctx.Fail(
        ctx.state.Put(key, two ? codec::EncodeCounts({c[0], c[1]}) : codec::EncodeCounts({c[0]})));
  }
}

int64_t Stock(ApplyContext& ctx, std::string_view participant, std::string_view substance) {
  Result<std::optional<std::string>> v = ctx.state.Get(statekey::StockKey(participant, substance));
  if (ctx.Fail(v.status()) || !v->has_value()) return 0;
  return std::stoll(**v);
}

namespace {

// Adds to the stock-flow day bucket (in, out) of `participant`'s `substance` on `day`.
void AddFlow(ApplyContext& ctx, std::string_view participant, std::string_view substance,
             int64_t day, int64_t in, int64_t out) {
  AddCounts(ctx, statekey::FlowKey(participant, substance, day), {in, out});
}

// The least stock `participant` held of `substance` at the end of `day` or of any later day,
// by event time, given the stock `now`: what is held now, less what came in on later days,
// plus what went out on them, then day by day forward.
int64_t LeastHeldFrom(ApplyContext& ctx, std::string_view participant, std::string_view substance,
                      int64_t day, int64_t now) {
  std::vector<int64_t> net;  // in - out of each later day with movements, in day order
  int64_t after = 0;
  ctx.Fail(ctx.state.ScanPrefix(
      statekey::FlowPrefix(participant, substance),
      [&](std::string_view k, std::string_view v) {
        int64_t in = 0, out = 0;
        if (!codec::DecodeCounts(v, {&in, &out})) {
          ctx.Fail(Status(Code::kCorruption, "damaged stock-flow record " + std::string(k)));
          return false;
        }
        net.push_back(in - out);
        after += in - out;
        return true;
      },
      statekey::FlowKey(participant, substance, day + 1)));
  int64_t held = now - after;
  int64_t least = held;
  for (int64_t n : net) least = std::min(least, held += n);
  return least;
}

void PutStock(ApplyContext& ctx, std::string_view participant, std::string_view substance,
              int64_t stock) {
  ctx.Fail(ctx.state.Put(statekey::StockKey(participant, substance), std::to_string(stock)));
}

}  // namespace

void ChangeStock(ApplyContext& ctx, std::string_view participant, const Substance& substance,
                 int64_t delta) {
  const Settings settings = LoadSettings(ctx);
  const int64_t day = LocalDay(ctx.payload.at_ms, settings);
  const int64_t now = Stock(ctx, participant, substance.id);
  const int64_t next = now + delta;
  if (next < 0) {
    ctx.Violate("stock_negative",
                "stock of " + substance.name_en + " would fall below zero: the ledger holds " +
                    FormatQuantity(now, substance.measure) + " for \"" + std::string(participant) +
                    "\", this record takes " + FormatQuantity(-delta, substance.measure));
    return;
  }
  if (delta < 0) {
    // Goods cannot leave before they came: by event time, the stock at the end of the record's
    // day and of every later day must still cover it.
    const int64_t least = LeastHeldFrom(ctx, participant, substance.id, day, now);
    if (least + delta < 0) {
      ctx.Violate("stock_not_yet_held",
                  "from " + DayDate(day) + " on, the ledger held as little as " +
                      FormatQuantity(least, substance.measure) + " of " + substance.name_en +
                      " for \"" + std::string(participant) + "\" (by the dates of its records); " +
                      "this record takes " + FormatQuantity(-delta, substance.measure));
      return;
    }
  }
  if (!ctx.violations.empty()) return;  // never write state for a record being rejected
  PutStock(ctx, participant, substance.id, next);
  AddFlow(ctx, participant, substance.id, day, std::max<int64_t>(delta, 0),
          std::max<int64_t>(-delta, 0));
  // The stock after this entry goes into the participant's trail record (Apply, from ctx.effect).
  ctx.effect["stock"].push_back(
      {{"participant", participant}, {"substance", substance.id}, {"delta", delta}, {"day", day}});
}

void UndoStockChange(ApplyContext& ctx, const nlohmann::json& item) {
  const std::string participant = item.value("participant", "");
  const std::string substance = item.value("substance", "");
  const int64_t delta = item.value("delta", int64_t{0});
  const int64_t now = Stock(ctx, participant, substance);
  if (now - delta < 0) {
    Result<std::optional<Substance>> s = FindSubstance(ctx.state, substance);
    const Measure m = s.ok() && s->has_value() ? (*s)->measure : Measure::kMass;
    ctx.Violate("stock_negative", "voiding it would take " + FormatQuantity(delta, m) +
                                      " back from \"" + participant + "\", which holds only " +
                                      FormatQuantity(now, m));
    return;
  }
  if (!ctx.violations.empty()) return;
  PutStock(ctx, participant, substance, now - delta);
  AddFlow(ctx, participant, substance, item.value("day", int64_t{0}), -std::max<int64_t>(delta, 0),
          -std::max<int64_t>(-delta, 0));
  ctx.effect["stock"].push_back({{"participant", participant},
                                 {"substance", substance},
                                 {"delta", -delta},
                                 {"day", item.value("day", int64_t{0})}});
}

void RaiseAlert(ApplyContext& ctx, std::string_view kind, std::string_view participant,
                std::string message, nlohmann::json details) {
  const int n = ctx.alerts++;
  nlohmann::json alert = {{"kind", kind},
                          {"seq", ctx.entry.seq},
                          {"at", FormatTimestamp(ctx.entry.ts_ms)},
                          {"participant", participant},
                          {"message", std::move(message)}};
  Result<std::optional<Participant>> p = LoadParticipant(ctx.state, participant);
  if (ctx.Fail(p.status())) return;
  if (p->has_value() && (*p)->record().contains("jurisdiction")) {
    alert["jurisdiction"] = (*p)->record().at("jurisdiction");
  }
  for (auto& [k, v] : details.items()) alert[k] = v;
  PutJson(ctx, statekey::AlertKey(ctx.entry.seq, n), alert);
  ctx.Fail(ctx.state.Put(statekey::AlertByKey(participant, ctx.entry.seq, n), std::string(kind)));
}

void CheckNotBefore(ApplyContext& ctx, int64_t target_at_ms, const std::string& what) {
  if (ctx.payload.at_ms >= target_at_ms) return;
  ctx.Violate("before_target", "\"at\" (" + FormatTimestamp(ctx.payload.at_ms) +
                                   ") is before the \"at\" of " + what + " (" +
                                   FormatTimestamp(target_at_ms) +
                                   "); a record cannot predate what it answers");
}

void CheckHashes(ApplyContext& ctx, const nlohmann::json* hashes, std::string_view field) {
  if (hashes == nullptr) return;
  for (const auto& h : *hashes) {
    const std::string s = h.is_string()   ? h.get<std::string>()
                          : h.is_object() ? h.value("sha256", "")
                                          : "";
    bool ok = s.size() == 64 && s.find_first_not_of("0123456789abcdef") == std::string::npos;
    if (!ok) {
      ctx.Violate("bad_hash", "every entry of \"" + std::string(field) +
                                  "\" needs a SHA-256 as 64 lowercase hex digits");
      return;
    }
  }
}

std::optional<int64_t> ReadTime(ApplyContext& ctx, const nlohmann::json& obj,
                                std::string_view field, bool required) {
  auto it = obj.find(field);
  if (it == obj.end()) {
    if (required) ctx.Violate("missing_field", "the record needs a \"" + std::string(field) + "\"");
    return std::nullopt;
  }
  Result<int64_t> t = it->is_string()
                          ? ParseTimestamp(it->get<std::string>())
                          : Result<int64_t>(Status(Code::kInvalidArgument, "not a string"));
  if (!t.ok()) {
    ctx.Violate("bad_time", "\"" + std::string(field) +
                                "\" must be an RFC 3339 time such as "
                                "2026-11-28T09:30:00+07:00");
    return std::nullopt;
  }
  return *t;
}

}  // namespace vigil::domain
