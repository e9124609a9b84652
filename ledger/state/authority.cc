#include "ledger/state/authority.h"

#include "ledger/log/entry.h"
#include "ledger/state/catalog.h"
#include "ledger/state/chemicals.h"
#include "ledger/state/domain.h"
#include "ledger/state/payload.h"
#include "ledger/state/state_codec.h"
#include "ledger/state/state_keys.h"

namespace vigil::authority {

using namespace domain;  // NOLINT: the helpers of this layer

namespace {

// An earlier entry, as its state records it (codec::EntryInfo), for corrections, erasures and
// the entries a police note refers to.
struct Target {
  uint64_t seq;
  std::string type;
  std::string actor;
  bool personal;
  nlohmann::json effect;
  int64_t at_ms;
};

// Entry `seq` (below the current one); records "target_unknown" if there is none.
std::optional<Target> ReadEntry(ApplyContext& ctx, uint64_t seq) {
  if (seq >= ctx.entry.seq) {
    ctx.Violate("target_unknown", "entry " + std::to_string(seq) + " does not exist yet");
    return std::nullopt;
  }
  Result<std::optional<std::string>> v = ctx.state.Get(statekey::EntryKey(seq));
  if (ctx.Fail(v.status())) return std::nullopt;
  if (!v->has_value()) {
    ctx.Violate("target_unknown", "entry " + std::to_string(seq) + " is not known");
    return std::nullopt;
  }
  Result<codec::EntryInfo> info = codec::DecodeEntryInfo(**v);
  if (ctx.Fail(info.status())) return std::nullopt;
  const RecordType* type = FindRecordTypeByCode(info->type_code);
  return Target{seq,          type != nullptr ? std::string(type->type) : std::string(),
                info->actor,  info->personal,
                info->effect, info->at_ms};
}

// The entry named by "target_seq", which the record may not predate ("before_target").
std::optional<Target> ReadTarget(ApplyContext& ctx) {
  const nlohmann::json& b = ctx.payload.body;
  if (!b.contains("target_seq") || !b["target_seq"].is_number_unsigned()) {
    ctx.Violate("missing_field", "\"target_seq\" must be the entry number being corrected");
    return std::nullopt;
  }
  return ReadEntry(ctx, b["target_seq"].get<uint64_t>());
}

// Record types whose void by their own signer puts goods back on its books or takes back the
// explanation of goods that left them: the void raises a "self_void" alert to the police.
bool VoidIsVisible(std::string_view type) {
  return type == "chem.sale" || type == "chem.loss" || type == "chem.use" || type == "chem.dispose";
}

}  // namespace

void ApplyCatalogAdd(ApplyContext& ctx) {
  const nlohmann::json* s = ctx.Object("substance");
  if (s == nullptr) return;
  Substance sub;
  sub.id = s->value("id", "");
  sub.name_en = s->value("name_en", "");
  sub.name_vi = s->value("name_vi", "");
  sub.table = s->value("table", "");
  sub.unit = s->value("unit", "");
  if (sub.id.empty() || sub.id.size() > 64 || sub.id.find('/') != std::string::npos ||
      sub.name_en.empty() || sub.table.empty()) {
    ctx.Violate("bad_substance", "a substance needs \"id\" (no '/'), \"name_en\" and \"table\"");
  }
  if (sub.unit != "kg" && sub.unit != "L") {
    ctx.Violate("bad_substance",
                "the substance \"unit\" must be \"kg\" (solids) or \"L\" (liquids)");
  }
  sub.measure = sub.unit == "L" ? Measure::kVolume : Measure::kMass;
  if (s->contains("concentration")) {
    const nlohmann::json& c = (*s)["concentration"];
    sub.concentration =
        c.is_string() ? ParseConcentrationRange(c.get<std::string>()) : std::nullopt;
    if (!sub.concentration.has_value()) {
      ctx.Violate("bad_substance",
                  "\"concentration\" is the range it is traded at, in percent, e.g. \"30-40\"; "
                  "leave it out for a substance traded pure");
    }
  }
  if (s->contains("cas") && (*s)["cas"].is_array()) {
    for (const auto& c : (*s)["cas"]) {
      if (!c.is_string() || !ValidCas(c.get<std::string>())) {
        ctx.Violate("bad_cas", "CAS number " + (c.is_string() ? c.get<std::string>() : c.dump()) +
                                   " is malformed or its check digit is wrong");
      } else {
        sub.cas.push_back(c.get<std::string>());
      }
    }
  }
  sub.synonyms = s->value("synonyms", std::vector<std::string>{});
  const std::vector<std::string> idents = SubstanceIdents(sub);
  for (const std::string& ident : idents) {
    Result<std::optional<Substance>> existing = FindSubstance(ctx.state, ident);
    if (ctx.Fail(existing.status())) return;
    if (existing->has_value()) {
      ctx.Violate("substance_exists", "\"" + ident + "\" already names " + (*existing)->name_en +
                                          " (" + (*existing)->id + ")");
    }
  }
  if (!ctx.violations.empty()) return;
  PutJson(ctx, statekey::CatalogKey(sub.id), sub.ToJson());
  for (const std::string& ident : idents) {
    ctx.Fail(ctx.state.Put(statekey::CatalogIdentKey(CatalogIdent(ident)), sub.id));
  }
}

void ApplyThresholdSet(ApplyContext& ctx) {
  const nlohmann::json& b = ctx.payload.body;
  std::optional<Substance> s = ReadSubstance(ctx, b);
  if (!s.has_value()) return;
  nlohmann::json t = {{"substance", s->id}, {"set_seq", ctx.entry.seq}};
  for (const char* f : {"single_max", "window_max"}) {
    if (!b.contains(f)) continue;
    if (!b[f].is_object()) {
      ctx.Violate("bad_field", std::string("\"") + f + "\" is {\"quantity\", \"unit\"}");
    } else if (std::optional<int64_t> a = ReadAmount(ctx, b[f], *s, f)) {
      t[f] = *a;
    }
  }
  if (b.contains("window_days")) {
    if (!b["window_days"].is_number_unsigned() || b["window_days"].get<int64_t>() < 1 ||
        b["window_days"].get<int64_t>() > 3660) {
      ctx.Violate("bad_field", "\"window_days\" must be a whole number of days from 1 to 3660");
    } else {
      t["window_days"] = b["window_days"];
    }
  }
  if (t.contains("window_max") != t.contains("window_days")) {
    ctx.Violate("bad_field", "\"window_max\" and \"window_days\" go together");
  }
  if (!t.contains("single_max") && !t.contains("window_max")) {
    ctx.Violate("missing_field", "give \"single_max\" and/or \"window_max\" with \"window_days\"");
  }
  if (ctx.violations.empty()) PutJson(ctx, statekey::ThresholdKey(s->id), t);
}

void ApplySettingsSet(ApplyContext& ctx) {
  const nlohmann::json* s = ctx.Object("settings");
  if (s == nullptr) return;
  if (s->empty()) ctx.Violate("missing_field", "\"settings\" names at least one setting");
  CheckSettings(ctx, *s, LoadSettings(ctx));
  if (!ctx.violations.empty()) return;
  for (const auto& [name, value] : s->items()) PutJson(ctx, statekey::SettingKey(name), value);
  ctx.settings = nullptr;  // later reads in this entry see the new settings
}

void ApplyChecklistAdd(ApplyContext& ctx) {
  std::optional<std::string> list = ctx.String("list");
  const nlohmann::json* item = ctx.Object("item");
  if (!list || !item) return;
  if (*list != "venue" && *list != "stock") {
    ctx.Violate("bad_field", "\"list\" must be \"venue\" or \"stock\"");
    return;
  }
  const std::string code = item->value("code", "");
  if (code.empty() || code.size() > 16 || code.find('/') != std::string::npos ||
      !item->contains("item_en") || !item->contains("item_vi")) {
    ctx.Violate("bad_item", "a checklist item needs \"code\", \"item_en\" and \"item_vi\"");
    return;
  }
  Result<std::vector<ChecklistItem>> items =
      ChecklistItems(ctx.state, *list == "venue" ? Checklist::kVenue : Checklist::kStock);
  if (ctx.Fail(items.status())) return;
  for (const ChecklistItem& i : *items) {
    if (i.code == code) ctx.Violate("item_exists", "checklist item " + code + " already exists");
  }
  for (const auto& k : item->value("applies_to", std::vector<std::string>{})) {
    if (!IsVenueKind(k)) ctx.Violate("bad_item", "\"applies_to\" lists karaoke, bar or dance_hall");
  }
  if (item->contains("critical") && !(*item)["critical"].is_boolean()) {
    ctx.Violate("bad_item", "\"critical\" is true or false");
  }
  if (!ctx.violations.empty()) return;
  ChecklistItem c{code,
                  item->value("applies_to", std::vector<std::string>{}),
                  item->value("item_en", ""),
                  item->value("item_vi", ""),
                  item->value("basis", ""),
                  item->value("critical", false)};
  PutJson(ctx, statekey::ChecklistKey(*list, code), c.ToJson());
}

void ApplyCorrection(ApplyContext& ctx) {
  ctx.String("reason");
  std::optional<std::string> action = ctx.String("action");
  if (action && *action != "void") {
    ctx.Violate("bad_field",
                "\"action\" must be \"void\"; to amend, void the entry and submit the "
                "corrected record");
  }
  std::optional<Target> t = ReadTarget(ctx);
  if (!t.has_value()) return;
  // Nothing more is said of another's entry: not its signer, type, time or state.
  if (t->actor != ctx.payload.actor) {
    ctx.Violate("not_own_entry", "entry " + std::to_string(t->seq) + " is not a record of \"" +
                                     ctx.payload.actor + "\"; only its signer can correct it");
    return;
  }
  CheckNotBefore(ctx, t->at_ms, "entry " + std::to_string(t->seq));
  const RecordType* target_type = FindRecordType(t->type);
  if (target_type == nullptr || !target_type->correctable) {
    ctx.Violate("not_correctable",
                t->type + " records are changed by new records, not corrections");
  }
  if (GetJson(ctx, statekey::VoidedKey(t->seq)).has_value()) {
    ctx.Violate("already_voided", "entry " + std::to_string(t->seq) + " is already void");
  }
  if (!ctx.violations.empty()) return;
  const nlohmann::json& effect = t->effect;
  chemicals::UndoMovement(ctx, t->type, effect);
  if (effect.contains("venueviol")) {
    ctx.Fail(ctx.state.Delete(effect["venueviol"].get<std::string>()));
  }
  if (effect.contains("inspection")) {
    const std::string key = statekey::InspectionKey(effect["inspection"].get<std::string>());
    if (std::optional<nlohmann::json> insp = GetJson(ctx, key)) {
      (*insp)["status"] = "voided";
      PutJson(ctx, key, *insp);
    }
  }
  if (effect.contains("ack")) {
    const std::string key = effect["ack"].get<std::string>();
    std::optional<nlohmann::json> insp = GetJson(ctx, key);
    if (insp.has_value() && insp->value("status", "") != "voided") {
      (*insp)["status"] = "pending";  // the business may answer again
      insp->erase("ack_seq");
      PutJson(ctx, key, *insp);
    }
  }
  PutJson(ctx, statekey::VoidedKey(t->seq),
          {{"by_seq", ctx.entry.seq}, {"reason", ctx.payload.body.value("reason", "")}});
  if (!VoidIsVisible(t->type) || !ctx.violations.empty()) return;
  nlohmann::json amounts = nlohmann::json::array();
  std::string restored;
  for (const auto& d : effect.value("stock", nlohmann::json::array())) {
    Result<std::optional<Substance>> s = FindSubstance(ctx.state, d.value("substance", ""));
    if (ctx.Fail(s.status()) || !s->has_value()) return;
    const int64_t amount = -d.value("delta", int64_t{0});  // what the void puts back
    amounts.push_back({{"substance", (*s)->id}, {"amount", amount}});
    restored += (restored.empty() ? "" : ", ") + FormatQuantity(amount, (*s)->measure) + " of " +
                (*s)->name_en;
  }
  RaiseAlert(ctx, "self_void", ctx.payload.actor,
             ctx.payload.actor + " voided its own " + t->type + " (entry " +
                 std::to_string(t->seq) + ")" +
                 (restored.empty() ? "" : ": " + restored + " back on its books"),
             {{"target_seq", t->seq},
              {"target_type", t->type},
              {"amounts", amounts},
              {"reason", ctx.payload.body.value("reason", "")}});
}

void ApplyErasure(ApplyContext& ctx) {
  ctx.String("reason");
  std::optional<Target> t = ReadTarget(ctx);
  if (!t.has_value()) return;
  CheckNotBefore(ctx, t->at_ms, "entry " + std::to_string(t->seq));
  if (!t->personal) {
    ctx.Violate("no_personal_data",
                "entry " + std::to_string(t->seq) + " carries no personal data");
  }
  if (GetJson(ctx, statekey::ErasedKey(t->seq)).has_value()) {
    ctx.Violate("already_erased",
                "the personal data of entry " + std::to_string(t->seq) + " was already erased");
  }
  if (!ctx.violations.empty()) return;
  PutJson(ctx, statekey::ErasedKey(t->seq),
          {{"by_seq", ctx.entry.seq}, {"reason", ctx.payload.body.value("reason", "")}});
}

void ApplyPoliceNote(ApplyContext& ctx) {
  ctx.String("text");
  if (std::optional<std::string> subject = ctx.String("subject", false)) {
    RequireParticipant(ctx, *subject);
  }
  if (const nlohmann::json* refs = ctx.Array("refs", false)) {
    for (const auto& r : *refs) {
      if (!r.is_number_unsigned() || r.get<uint64_t>() >= ctx.entry.seq) {
        ctx.Violate("bad_field", "\"refs\" lists numbers of earlier entries");
        break;
      }
      if (std::optional<Target> t = ReadEntry(ctx, r.get<uint64_t>())) {
        CheckNotBefore(ctx, t->at_ms, "entry " + std::to_string(t->seq));
      }
    }
  }
}

}  // namespace vigil::authority
