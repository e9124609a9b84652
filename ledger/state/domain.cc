#include "ledger/state/domain.h"

#include "ledger/log/entry.h"
#include "ledger/state/state_codec.h"
#include "ledger/state/state_keys.h"

namespace vigil::domain {

namespace {

constexpr std::string_view kLicenceKinds[] = {"precursor_trading", "precursor_use", "import_export",
                                              "karaoke",           "bar",           "dance_hall"};
constexpr std::string_view kVenueKinds[] = {"karaoke", "bar", "dance_hall"};
constexpr std::string_view kSettingNames[] = {"receipt_days", "unusual_factor",
                                              "unusual_min_history", "expiry_warning_days",
                                              "repeat_violation_days"};

std::string DateOf(int64_t ms) { return FormatTimestamp(ms).substr(0, 10); }

}  // namespace

nlohmann::json Settings::ToJson() const {
  return {{"receipt_days", receipt_days},
          {"unusual_factor", unusual_factor},
          {"unusual_min_history", unusual_min_history},
          {"expiry_warning_days", expiry_warning_days},
          {"repeat_violation_days", repeat_violation_days}};
}

bool IsSettingName(std::string_view name) {
  for (std::string_view n : kSettingNames) {
    if (n == name) return true;
  }
  return false;
}

Settings LoadSettings(ApplyContext& ctx) {
  Settings s;
  auto read = [&ctx](const char* name, int64_t& field) {
    std::optional<nlohmann::json> v = GetJson(ctx, statekey::SettingKey(name));
    if (v.has_value() && v->is_number_integer()) field = v->get<int64_t>();
  };
  read("receipt_days", s.receipt_days);
  read("unusual_factor", s.unusual_factor);
  read("unusual_min_history", s.unusual_min_history);
  read("expiry_warning_days", s.expiry_warning_days);
  read("repeat_violation_days", s.repeat_violation_days);
  return s;
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
    ctx.Violate(std::string(code), "participant \"" + id + "\" is not registered");
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
                                  bool allow_zero) {
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
    amount = PureAmount(amount, *ppm);
    if (amount == 0 && !allow_zero) {
      ctx.Violate("bad_quantity", "the pure amount of this mixture rounds to zero" + at);
      return std::nullopt;
    }
  }
  return amount;
}

bool CheckLicence(ApplyContext& ctx, const nlohmann::json& record,
                  std::initializer_list<std::string_view> kinds, const Substance& substance,
                  int64_t at_ms, std::string_view who) {
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
      Result<int64_t> issued = ParseDate(l.value("issued", ""));
      Result<int64_t> expires = ParseDate(l.value("expires", ""));
      if (!issued.ok() || !expires.ok()) continue;
      if (at_ms < *issued) {
        closest = "licence " + number + " is valid only from " + l.value("issued", "");
        continue;
      }
      if (at_ms >= *expires + kDayMs) {
        closest = "licence " + number + " expired on " + l.value("expires", "");
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
  ctx.Violate("licence_invalid", (who.empty() ? "" : std::string(who) + ": ") + closest + " (on " +
                                     DateOf(at_ms) + ")");
  return false;
}

int64_t Stock(ApplyContext& ctx, std::string_view participant, std::string_view substance) {
  Result<std::optional<std::string>> v = ctx.state.Get(statekey::StockKey(participant, substance));
  if (ctx.Fail(v.status()) || !v->has_value()) return 0;
  return std::stoll(**v);
}

void ChangeStock(ApplyContext& ctx, std::string_view participant, const Substance& substance,
                 int64_t delta) {
  const int64_t now = Stock(ctx, participant, substance.id);
  const int64_t next = now + delta;
  if (next < 0) {
    ctx.Violate("stock_negative",
                "stock of " + substance.name_en + " would fall below zero: the ledger holds " +
                    FormatQuantity(now, substance.measure) + " for \"" + std::string(participant) +
                    "\", this record takes " + FormatQuantity(-delta, substance.measure));
    return;
  }
  if (!ctx.violations.empty()) return;  // never write state for a record being rejected
  ctx.Fail(ctx.state.Put(statekey::StockKey(participant, substance.id), std::to_string(next)));
  // The stock after this entry goes into the participant's trail record (Apply, from ctx.effect).
  ctx.effect["stock"].push_back(
      {{"participant", participant}, {"substance", substance.id}, {"delta", delta}});
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
  if (p->has_value() && (*p)->record.contains("jurisdiction")) {
    alert["jurisdiction"] = (*p)->record["jurisdiction"];
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
