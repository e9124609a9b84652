#include "ledger/state/inspections.h"

#include <algorithm>
#include <set>

#include "ledger/log/entry.h"
#include "ledger/state/catalog.h"
#include "ledger/state/domain.h"
#include "ledger/state/state_keys.h"

namespace vigil::inspections {

using namespace domain;  // NOLINT: the helpers of this layer

namespace {

// Fields both kinds of inspection carry.
struct Common {
  Participant business;
  int64_t started = 0;
  std::vector<std::string> critical_failed;  // failed items marked critical, by code
};

// Reads and checks what both inspection kinds share. `venue_kind` filters the checklist items
// that apply ("" for stock inspections).
std::optional<Common> ReadCommon(ApplyContext& ctx, Checklist list, const std::string& venue_kind,
                                 std::optional<Participant> business) {
  const nlohmann::json& b = ctx.payload.body;
  std::optional<int64_t> started = ReadTime(ctx, b, "started_at");
  std::optional<int64_t> ended = ReadTime(ctx, b, "ended_at");
  if (started && ended && *ended < *started) {
    ctx.Violate("bad_time", "\"ended_at\" is before \"started_at\"");
  }
  if (started && *started > ctx.payload.at_ms) {
    ctx.Violate("bad_time", "the inspection cannot start after the record's \"at\"");
  }
  if (ended && *ended > ctx.payload.at_ms) {  // the record is made once the visit is over
    ctx.Violate("bad_time", "the inspection cannot end after the record's \"at\"");
  }
  // The team: registered inspectors or police, including the signer.
  if (const nlohmann::json* team = ctx.Array("team")) {
    bool has_actor = false;
    for (const auto& m : *team) {
      if (!m.is_string()) {
        ctx.Violate("bad_team", "\"team\" lists participant ids of inspectors and police");
        break;
      }
      has_actor = has_actor || m.get<std::string>() == ctx.payload.actor;
      std::optional<Participant> p = RequireParticipant(ctx, m.get<std::string>(), "team_unknown");
      if (p && p->role != Role::kInspector && p->role != Role::kPolice) {
        ctx.Violate("bad_team",
                    "team member \"" + p->id + "\" is not an inspector or police officer");
      }
    }
    if (!has_actor) ctx.Violate("bad_team", "the signer must be in the \"team\"");
  }
  // The checklist: every item that applies answered pass / fail / na, nothing else.
  Result<std::vector<ChecklistItem>> items = ChecklistItems(ctx.state, list);
  if (ctx.Fail(items.status())) return std::nullopt;
  std::set<std::string> applicable, critical;
  for (const ChecklistItem& item : *items) {
    if (venue_kind.empty() || item.applies_to.empty() ||
        std::find(item.applies_to.begin(), item.applies_to.end(), venue_kind) !=
            item.applies_to.end()) {
      applicable.insert(item.code);
      if (item.critical) critical.insert(item.code);
    }
  }
  std::set<std::string> failed;
  if (const nlohmann::json* checklist = ctx.Object("checklist")) {
    for (const auto& [code, result] : checklist->items()) {
      if (!applicable.count(code)) {
        ctx.Violate("checklist_item_unknown",
                    "checklist item \"" + code + "\" does not apply here");
      } else if (!result.is_string() || (result != "pass" && result != "fail" && result != "na")) {
        ctx.Violate("bad_checklist",
                    "checklist item " + code + " must be \"pass\", \"fail\" or \"na\"");
      } else if (result == "fail") {
        failed.insert(code);
      }
    }
    for (const std::string& code : applicable) {
      if (!checklist->contains(code)) {
        ctx.Violate("checklist_incomplete", "checklist item " + code + " has no result");
      }
    }
  }
  // Violations name a failed checklist item (or "other") and describe it.
  if (const nlohmann::json* violations = ctx.Array("violations", false)) {
    for (const auto& v : *violations) {
      const std::string code = v.is_object() ? v.value("code", "") : "";
      if (code.empty() || !v.contains("description") || !v["description"].is_string()) {
        ctx.Violate("bad_violation", "each violation needs a \"code\" and a \"description\"");
      } else if (code != "other" && !failed.count(code)) {
        ctx.Violate("bad_violation", "violation " + code + " is not a failed checklist item");
      }
    }
  }
  if (const nlohmann::json* sanctions = ctx.Array("sanctions", false)) {
    for (const auto& s : *sanctions) {
      if (!s.is_string())
        ctx.Violate("bad_field", "\"sanctions\" lists proposed sanctions as text");
    }
  }
  CheckHashes(ctx, ctx.Array("evidence", false), "evidence");
  if (!business.has_value() || !started.has_value()) return std::nullopt;
  std::vector<std::string> critical_failed;
  std::set_intersection(failed.begin(), failed.end(), critical.begin(), critical.end(),
                        std::back_inserter(critical_failed));
  return Common{std::move(*business), *started, std::move(critical_failed)};
}

std::optional<Participant> ReadBusiness(ApplyContext& ctx) {
  std::optional<std::string> id = ctx.String("business");
  if (!id.has_value()) return std::nullopt;
  std::optional<Participant> p = RequireParticipant(ctx, *id, "business_unknown");
  if (p && p->role != Role::kBusiness) {
    ctx.Violate("business_unknown", "\"" + *id + "\" is not a business");
    return std::nullopt;
  }
  return p;
}

void StoreInspection(ApplyContext& ctx, const Common& c, nlohmann::json extra) {
  nlohmann::json rec = {{"seq", ctx.entry.seq},
                        {"type", ctx.payload.type},
                        {"inspector", ctx.payload.actor},
                        {"business", c.business.id},
                        {"at", FormatTimestamp(ctx.payload.at_ms)},
                        {"status", "pending"}};
  if (!c.critical_failed.empty()) rec["critical_failed"] = c.critical_failed;
  for (auto& [k, v] : extra.items()) rec[k] = v;
  PutJson(ctx, statekey::InspectionKey(ctx.entry.seq), rec);
  ctx.Fail(ctx.state.Put(statekey::InspByKey(ctx.payload.actor, ctx.entry.seq), ""));
  ctx.effect["inspection"] = statekey::SeqDigits(ctx.entry.seq);  // statekey::InspectionKey's part
  // A failed critical item alerts whether or not the inspectors listed it as a violation.
  if (!c.critical_failed.empty()) {
    std::string codes;
    for (const std::string& code : c.critical_failed) codes += (codes.empty() ? "" : ", ") + code;
    RaiseAlert(ctx, "critical_item", c.business.id,
               "critical checklist item(s) " + codes + " failed at the " + ctx.payload.type +
                   " signed by " + ctx.payload.actor,
               {{"items", c.critical_failed}, {"inspection_seq", ctx.entry.seq}});
  }
}

}  // namespace

void ApplyVenueInspection(ApplyContext& ctx) {
  const nlohmann::json& b = ctx.payload.body;
  std::optional<Participant> business = ReadBusiness(ctx);
  std::optional<std::string> venue_id = ctx.String("venue");
  std::string venue_kind;
  if (business && venue_id) {
    for (const auto& v : business->record().value("venues", nlohmann::json::array())) {
      if (v.value("id", "") == *venue_id) venue_kind = v.value("kind", "");
    }
    if (venue_kind.empty()) {
      ctx.Violate("venue_unknown",
                  "\"" + business->id + "\" has no registered venue \"" + *venue_id + "\"");
    }
  }
  std::optional<std::string> kind = ctx.String("kind");
  if (kind && *kind != "periodic" && *kind != "surprise") {
    ctx.Violate("bad_field", "\"kind\" must be \"periodic\" or \"surprise\"");
  }
  if (kind == "surprise" && !ctx.String("approval_ref", false).has_value()) {
    ctx.Violate("approval_required",
                "a surprise inspection needs the \"approval_ref\" of its order");
  }
  int64_t tested = 0, positive = 0;
  if (const nlohmann::json* d = ctx.Object("drug_tests", false)) {
    auto t = d->find("tested"), p = d->find("positive");
    if (t == d->end() || p == d->end() || !t->is_number_unsigned() || !p->is_number_unsigned() ||
        p->get<int64_t>() > t->get<int64_t>()) {
      ctx.Violate("bad_drug_tests",
                  "\"drug_tests\" needs whole numbers \"tested\" and \"positive\", "
                  "positive not above tested");
    } else {
      tested = t->get<int64_t>();
      positive = p->get<int64_t>();
    }
  }
  std::optional<Common> c = ReadCommon(ctx, Checklist::kVenue, venue_kind, business);
  if (!c.has_value() || !ctx.violations.empty()) return;
  const size_t n_violations = b.value("violations", nlohmann::json::array()).size();
  StoreInspection(ctx, *c,
                  {{"venue", *venue_id},
                   {"kind", *kind},
                   {"violations", n_violations},
                   {"drug_tests", {{"tested", tested}, {"positive", positive}}}});
  const std::string& business_id = c->business.id;
  ctx.Fail(ctx.state.Put(statekey::InspVenueKey(business_id, *venue_id, ctx.entry.seq), ""));
  if (n_violations == 0 && positive == 0) return;
  RaiseAlert(ctx, "venue_violation", c->business.id,
             "inspection of venue " + *venue_id + " found " + std::to_string(n_violations) +
                 " violation(s) and " + std::to_string(positive) + " positive drug test(s)",
             {{"venue", *venue_id}, {"violations", n_violations}, {"positive", positive}});
  // Repeat violations at the same venue within the window (by inspection time).
  const int64_t window = LoadSettings(ctx).repeat_violation_days * kDayMs;
  int earlier = 0;
  ctx.Fail(ctx.state.ScanPrefix(
      statekey::VenueViolPrefix(business_id, *venue_id),
      [&](std::string_view k, std::string_view) {
        std::optional<statekey::VenueViolKeyParts> v = statekey::ParseVenueViolKey(k);
        if (!v.has_value()) {
          ctx.Fail(Status(Code::kCorruption, "damaged venue-violation key in the state"));
          return false;
        }
        earlier += v->at_ms <= std::max<int64_t>(c->started, 0) ? 1 : 0;
        return true;
      },
      statekey::VenueViolFrom(business_id, *venue_id, c->started - window)));
  if (earlier > 0) {
    RaiseAlert(ctx, "repeat_violation", c->business.id,
               "venue " + *venue_id + " has " + std::to_string(earlier + 1) +
                   " inspections with violations within " + std::to_string(window / kDayMs) +
                   " days",
               {{"venue", *venue_id}, {"count", earlier + 1}});
  }
  const std::string viol_key =
      statekey::VenueViolKey(business_id, *venue_id, c->started, ctx.entry.seq);
  ctx.Fail(ctx.state.Put(viol_key, ""));
  ctx.effect["venueviol"] = viol_key;
}

void ApplyStockInspection(ApplyContext& ctx) {
  std::optional<Participant> business = ReadBusiness(ctx);
  struct Count {
    Substance substance;
    int64_t counted;
  };
  std::vector<Count> counts;
  if (const nlohmann::json* cs = ctx.Array("counts", false)) {
    for (const auto& c : *cs) {
      if (!c.is_object()) {
        ctx.Violate("bad_count", "each count is {\"substance\", \"quantity\", \"unit\"}");
        continue;
      }
      std::optional<Substance> s = ReadSubstance(ctx, c);
      if (!s) continue;
      if (std::optional<int64_t> a =
              ReadAmount(ctx, c, *s, "count of " + s->id, /*allow_zero=*/true)) {
        counts.push_back({*s, *a});
      }
    }
  }
  std::optional<Common> c = ReadCommon(ctx, Checklist::kStock, "", business);
  if (!c.has_value() || !ctx.violations.empty()) return;
  nlohmann::json stored = nlohmann::json::array();
  for (const Count& k : counts) {
    const int64_t ledger = Stock(ctx, c->business.id, k.substance.id);
    stored.push_back({{"substance", k.substance.id}, {"counted", k.counted}, {"ledger", ledger}});
    PutJson(ctx, statekey::CountKey(c->business.id, k.substance.id),
            {{"seq", ctx.entry.seq}, {"counted", k.counted}, {"ledger", ledger}});
    if (k.counted != ledger) {
      RaiseAlert(ctx, "count_mismatch", c->business.id,
                 "inspectors counted " + FormatQuantity(k.counted, k.substance.measure) + " of " +
                     k.substance.name_en + " but the ledger holds " +
                     FormatQuantity(ledger, k.substance.measure),
                 {{"substance", k.substance.id}, {"counted", k.counted}, {"ledger", ledger}});
    }
  }
  const size_t n_violations = ctx.payload.body.value("violations", nlohmann::json::array()).size();
  StoreInspection(ctx, *c, {{"counts", stored}, {"violations", n_violations}});
}

void ApplyAck(ApplyContext& ctx) {
  const nlohmann::json& b = ctx.payload.body;
  std::optional<std::string> decision = ctx.String("decision");
  if (decision && *decision != "countersign" && *decision != "object") {
    ctx.Violate("bad_field", "\"decision\" must be \"countersign\" or \"object\"");
  }
  if (decision == "object" && !ctx.String("reason", false).has_value()) {
    ctx.Violate("reason_required", "an objection needs a \"reason\"");
  }
  if (!b.contains("inspection_seq") || !b["inspection_seq"].is_number_unsigned()) {
    ctx.Violate("missing_field", "\"inspection_seq\" must be the entry number of the inspection");
    return;
  }
  const std::string key = statekey::InspectionKey(b["inspection_seq"].get<uint64_t>());
  std::optional<nlohmann::json> insp = GetJson(ctx, key);
  // Whether the entry is an inspection at all, and of whom, is not the answerer's to learn.
  if (!insp.has_value() || insp->value("business", "") != ctx.payload.actor) {
    ctx.Violate("not_inspected", "entry " + std::to_string(b["inspection_seq"].get<uint64_t>()) +
                                     " is not an inspection of \"" + ctx.payload.actor +
                                     "\"; only the inspected business can answer it");
    return;
  }
  if (insp->value("status", "") != "pending") {
    ctx.Violate("already_answered", "this inspection was already " + insp->value("status", ""));
  }
  // An answer cannot predate the inspection record it answers (and so the visit, which ended
  // by the record's "at").
  if (Result<int64_t> t = ParseTimestamp(insp->value("at", "")); t.ok()) {
    CheckNotBefore(ctx, *t, "inspection " + std::to_string(b["inspection_seq"].get<uint64_t>()));
  }
  if (!ctx.violations.empty()) return;
  (*insp)["status"] = *decision == "countersign" ? "countersigned" : "objected";
  (*insp)["ack_seq"] = ctx.entry.seq;
  PutJson(ctx, key, *insp);
  ctx.effect["ack"] = key;
}

}  // namespace vigil::inspections
