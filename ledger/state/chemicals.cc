#include "ledger/state/chemicals.h"

#include <algorithm>
#include <set>

#include "ledger/log/entry.h"
#include "ledger/state/domain.h"
#include "ledger/state/state_codec.h"
#include "ledger/state/state_keys.h"

namespace vigil::chemicals {

using namespace domain;  // NOLINT: the helpers of this layer

namespace {

// Fields every movement may carry besides its own.
struct Movement {
  Substance substance;
  int64_t amount = 0;
};

// Reads the common movement fields; nullopt (with violations) if they are unusable.
std::optional<Movement> ReadMovement(ApplyContext& ctx) {
  const nlohmann::json& b = ctx.payload.body;
  for (const char* f : {"lot", "packaging", "purpose", "transport", "note"}) ctx.String(f, false);
  if (const nlohmann::json* docs = ctx.Array("documents", false); docs != nullptr) {
    for (const auto& d : *docs) {
      if (!d.is_object() || !d.contains("number") || !d["number"].is_string()) {
        ctx.Violate("bad_document",
                    "each document needs a \"number\" and the \"sha256\" of its scan");
        break;
      }
    }
    CheckHashes(ctx, docs, "documents");
  }
  std::optional<Substance> s = ReadSubstance(ctx, b);
  if (!s.has_value()) return std::nullopt;
  std::optional<int64_t> amount = ReadAmount(ctx, b, *s);
  if (!amount.has_value()) return std::nullopt;
  return Movement{std::move(*s), *amount};
}

// The party outside the ledger of a purchase or sale; returns its country ("" if domestic).
std::optional<std::string> ReadParty(ApplyContext& ctx) {
  const nlohmann::json* party = ctx.Object("party");
  if (party == nullptr) return std::nullopt;
  if (!party->contains("name") || !(*party)["name"].is_string()) {
    ctx.Violate("bad_party", "\"party\" needs the \"name\" of the other firm");
  }
  for (const char* f : {"enterprise_code", "licence_number", "invoice", "country", "address"}) {
    if (party->contains(f) && !(*party)[f].is_string()) {
      ctx.Violate("bad_party", std::string("party \"") + f + "\" must be a string");
    }
  }
  std::string country = party->value("country", "");
  if (!country.empty() && (country.size() != 2 || country[0] < 'A' || country[0] > 'Z' ||
                           country[1] < 'A' || country[1] > 'Z')) {
    ctx.Violate("bad_party", "party \"country\" must be a two-letter ISO code such as \"CN\"");
  }
  return country == "VN" ? "" : country;
}

// Records an acquisition (purchase or receipt) and raises the threshold and pattern alerts.
void RecordAcquisition(ApplyContext& ctx, const Movement& m, const std::string& supplier) {
  if (!ctx.violations.empty()) return;
  const std::string& buyer = ctx.payload.actor;
  const Settings settings = LoadSettings(ctx);
  const std::string amount_text = FormatQuantity(m.amount, m.substance.measure);
  if (std::optional<nlohmann::json> t = GetJson(ctx, statekey::ThresholdKey(m.substance.id))) {
    const int64_t single_max = t->value("single_max", int64_t{0});
    if (single_max > 0 && m.amount > single_max) {
      RaiseAlert(ctx, "threshold_single", buyer,
                 amount_text + " of " + m.substance.name_en + " in one transaction is above the " +
                     FormatQuantity(single_max, m.substance.measure) + " limit",
                 {{"substance", m.substance.id}, {"amount", m.amount}, {"limit", single_max}});
    }
    const int64_t window_days = t->value("window_days", int64_t{0});
    const int64_t window_max = t->value("window_max", int64_t{0});
    if (window_days > 0 && window_max > 0) {
      int64_t before = 0;
      std::set<std::string> suppliers = {supplier};
      ctx.Fail(ctx.state.ScanPrefix(
          statekey::AcqPrefix(buyer, m.substance.id),
          [&](std::string_view k, std::string_view v) {
            const nlohmann::json a = codec::DecodeJson(k, v).value_or(nlohmann::json::object());
            before += a.value("amount", int64_t{0});
            suppliers.insert(a.value("supplier", ""));
            return true;
          },
          statekey::AcqFrom(buyer, m.substance.id, ctx.payload.at_ms - window_days * kDayMs)));
      const int64_t total = before + m.amount;
      if (before <= window_max && total > window_max) {
        RaiseAlert(ctx, "threshold_window", buyer,
                   FormatQuantity(total, m.substance.measure) + " of " + m.substance.name_en +
                       " acquired within " + std::to_string(window_days) + " days from " +
                       std::to_string(suppliers.size()) + " supplier(s), above the " +
                       FormatQuantity(window_max, m.substance.measure) + " limit",
                   {{"substance", m.substance.id},
                    {"total", total},
                    {"limit", window_max},
                    {"window_days", window_days},
                    {"suppliers", suppliers.size()}});
      }
    }
  }
  const std::string stat_key = statekey::AcqStatKey(buyer, m.substance.id);
  nlohmann::json stat = GetJson(ctx, stat_key).value_or(nlohmann::json{{"count", 0}, {"total", 0}});
  const int64_t count = stat.value("count", int64_t{0});
  const int64_t total = stat.value("total", int64_t{0});
  if (count >= settings.unusual_min_history && total > 0 &&
      m.amount / settings.unusual_factor > total / count) {
    RaiseAlert(ctx, "unusual_size", buyer,
               amount_text + " of " + m.substance.name_en + " is more than " +
                   std::to_string(settings.unusual_factor) + " times this buyer's average of " +
                   FormatQuantity(total / count, m.substance.measure),
               {{"substance", m.substance.id}, {"amount", m.amount}, {"average", total / count}});
  }
  PutJson(ctx, stat_key, {{"count", count + 1}, {"total", total + m.amount}});
  const std::string key = statekey::AcqKey(buyer, m.substance.id, ctx.payload.at_ms, ctx.entry.seq);
  PutJson(ctx, key, {{"amount", m.amount}, {"supplier", supplier}});
  ctx.effect["acq"] = {{"key", key}, {"stat", stat_key}, {"amount", m.amount}};
}

}  // namespace

void ApplyPurchase(ApplyContext& ctx) {
  std::optional<std::string> country = ReadParty(ctx);
  std::optional<Movement> m = ReadMovement(ctx);
  if (!m.has_value() || !country.has_value()) return;
  if (CheckLicence(ctx, ctx.actor.record, {"precursor_trading", "precursor_use"}, m->substance,
                   ctx.payload.at_ms, "") &&
      !country->empty()) {
    CheckLicence(ctx, ctx.actor.record, {"import_export"}, m->substance, ctx.payload.at_ms, "");
  }
  ChangeStock(ctx, ctx.payload.actor, m->substance, m->amount);
  RecordAcquisition(ctx, *m,
                    "party:" + ctx.payload.body["party"].value(
                                   "enterprise_code", ctx.payload.body["party"].value("name", "")));
}

void ApplySale(ApplyContext& ctx) {
  std::optional<std::string> country = ReadParty(ctx);
  std::optional<Movement> m = ReadMovement(ctx);
  if (!m.has_value() || !country.has_value()) return;
  if (CheckLicence(ctx, ctx.actor.record, {"precursor_trading"}, m->substance, ctx.payload.at_ms,
                   "") &&
      !country->empty()) {
    CheckLicence(ctx, ctx.actor.record, {"import_export"}, m->substance, ctx.payload.at_ms, "");
  }
  ChangeStock(ctx, ctx.payload.actor, m->substance, -m->amount);
}

void ApplyDispatch(ApplyContext& ctx) {
  std::optional<std::string> to = ctx.String("counterparty");
  std::optional<std::string> tid = ctx.String("transfer_id");
  std::optional<Movement> m = ReadMovement(ctx);
  if (!m.has_value() || !to.has_value() || !tid.has_value()) return;
  CheckLicence(ctx, ctx.actor.record, {"precursor_trading"}, m->substance, ctx.payload.at_ms, "");
  if (*to == ctx.payload.actor)
    ctx.Violate("self_transfer", "a dispatch must go to another participant");
  if (std::optional<Participant> receiver = RequireParticipant(ctx, *to, "counterparty_unknown")) {
    if (receiver->revoked) {
      ctx.Violate("counterparty_revoked", "participant \"" + *to + "\" has been revoked");
    } else {
      CheckLicence(ctx, receiver->record, {"precursor_trading", "precursor_use"}, m->substance,
                   ctx.payload.at_ms, "the receiver");
    }
  }
  const std::string key = statekey::TransferKey(ctx.payload.actor, *tid);
  if (GetJson(ctx, key).has_value()) {
    ctx.Violate("transfer_exists", "transfer_id \"" + *tid + "\" was already used by this sender");
  }
  ChangeStock(ctx, ctx.payload.actor, m->substance, -m->amount);
  if (!ctx.violations.empty()) return;
  const int64_t due = ctx.payload.at_ms + LoadSettings(ctx).receipt_days * kDayMs;
  PutJson(ctx, key,
          {{"from", ctx.payload.actor},
           {"to", *to},
           {"transfer_id", *tid},
           {"substance", m->substance.id},
           {"amount", m->amount},
           {"dispatched_seq", ctx.entry.seq},
           {"dispatched_at", FormatTimestamp(ctx.payload.at_ms)},
           {"due", FormatTimestamp(due)},
           {"status", "open"}});
  ctx.Fail(ctx.state.Put(statekey::DueKey(due, ctx.payload.actor, *tid), ""));
  ctx.effect["transfer"] = key;
}

void ApplyReceipt(ApplyContext& ctx) {
  std::optional<std::string> from = ctx.String("counterparty");
  std::optional<std::string> tid = ctx.String("transfer_id");
  std::optional<Movement> m = ReadMovement(ctx);
  if (!m.has_value() || !from.has_value() || !tid.has_value()) return;
  const std::string key = statekey::TransferKey(*from, *tid);
  std::optional<nlohmann::json> t = GetJson(ctx, key);
  if (!t.has_value() || t->value("to", "") != ctx.payload.actor ||
      t->value("status", "") != "open") {
    ctx.Violate("no_open_dispatch", "there is no open dispatch \"" + *tid + "\" from \"" + *from +
                                        "\" to \"" + ctx.payload.actor + "\"");
    return;
  }
  if (t->value("substance", "") != m->substance.id) {
    ctx.Violate("receipt_substance_mismatch", "dispatch \"" + *tid + "\" was of " +
                                                  t->value("substance", "") + ", not " +
                                                  m->substance.id);
    return;
  }
  Result<int64_t> dispatched_at = ParseTimestamp(t->value("dispatched_at", ""));
  if (dispatched_at.ok() && ctx.payload.at_ms < *dispatched_at) {
    ctx.Violate("receipt_before_dispatch", "the receipt's time is before the dispatch (" +
                                               t->value("dispatched_at", "") + ")");
  }
  CheckLicence(ctx, ctx.actor.record, {"precursor_trading", "precursor_use"}, m->substance,
               ctx.payload.at_ms, "");
  ChangeStock(ctx, ctx.payload.actor, m->substance, m->amount);
  if (!ctx.violations.empty()) return;
  const int64_t sent = t->value("amount", int64_t{0});
  if (sent != m->amount) {
    RaiseAlert(ctx, "receipt_mismatch", ctx.payload.actor,
               "received " + FormatQuantity(m->amount, m->substance.measure) + " of " +
                   m->substance.name_en + " but " + FormatQuantity(sent, m->substance.measure) +
                   " were dispatched by \"" + *from + "\" (transfer " + *tid + ")",
               {{"substance", m->substance.id},
                {"dispatched", sent},
                {"received", m->amount},
                {"counterparty", *from},
                {"transfer_id", *tid}});
  }
  Result<int64_t> due = ParseTimestamp(t->value("due", ""));
  if (due.ok()) ctx.Fail(ctx.state.Delete(statekey::DueKey(*due, *from, *tid)));
  (*t)["status"] = "received";
  (*t)["received_seq"] = ctx.entry.seq;
  (*t)["received_amount"] = m->amount;
  (*t)["received_at"] = FormatTimestamp(ctx.payload.at_ms);
  PutJson(ctx, key, *t);
  RecordAcquisition(ctx, *m, "participant:" + *from);
  ctx.effect["transfer"] = key;
}

void ApplyUse(ApplyContext& ctx) {
  ctx.String("purpose");
  std::optional<Movement> m = ReadMovement(ctx);
  if (!m.has_value()) return;
  CheckLicence(ctx, ctx.actor.record, {"precursor_use"}, m->substance, ctx.payload.at_ms, "");
  ChangeStock(ctx, ctx.payload.actor, m->substance, -m->amount);
}

void ApplyDispose(ApplyContext& ctx) {
  ctx.String("method");
  bool witnessed = false;
  for (const KeyRecord& k : ctx.cosigners)
    witnessed = witnessed || k.public_key.Id() != ctx.entry.signer;
  if (!witnessed) {
    ctx.Violate("witness_required",
                "a disposal must be countersigned by a witness key other than the signer's "
                "(vigil submit --cosign WITNESS.key)");
  }
  std::optional<Movement> m = ReadMovement(ctx);
  if (!m.has_value()) return;
  ChangeStock(ctx, ctx.payload.actor, m->substance, -m->amount);
}

void ApplyLoss(ApplyContext& ctx) {
  std::optional<std::string> kind = ctx.String("kind");
  if (kind.has_value() && *kind != "lost" && *kind != "stolen") {
    ctx.Violate("bad_field", "\"kind\" must be \"lost\" or \"stolen\"");
  }
  if (kind == "stolen") {  // every theft on the ledger points at a police file
    const auto r = ctx.payload.body.find("police_report");
    if (r == ctx.payload.body.end() || !r->is_string() ||
        r->get_ref<const std::string&>().find_first_not_of(' ') == std::string::npos) {
      ctx.Violate("police_report_required",
                  "a theft needs the \"police_report\" reference of the report made to the police");
    }
  }
  std::optional<Movement> m = ReadMovement(ctx);
  if (!m.has_value()) return;
  ChangeStock(ctx, ctx.payload.actor, m->substance, -m->amount);
  if (!ctx.violations.empty()) return;
  RaiseAlert(ctx, "loss_reported", ctx.payload.actor,
             FormatQuantity(m->amount, m->substance.measure) + " of " + m->substance.name_en +
                 " reported " + kind.value_or("lost"),
             {{"substance", m->substance.id}, {"amount", m->amount}});
}

void ApplyStocktake(ApplyContext& ctx) {
  CheckHashes(ctx, ctx.Array("documents", false), "documents");
  std::optional<Substance> s = ReadSubstance(ctx, ctx.payload.body);
  if (!s.has_value()) return;
  // A count of zero is a valid count.
  std::optional<int64_t> a = ReadAmount(ctx, ctx.payload.body, *s, "", /*allow_zero=*/true);
  if (!a.has_value() || !ctx.violations.empty()) return;
  const int64_t counted = *a;
  const int64_t ledger = Stock(ctx, ctx.payload.actor, s->id);
  PutJson(ctx, statekey::CountKey(ctx.payload.actor, s->id),
          {{"seq", ctx.entry.seq}, {"counted", counted}, {"ledger", ledger}});
  if (counted != ledger) {
    RaiseAlert(ctx, "count_mismatch", ctx.payload.actor,
               "stocktake counted " + FormatQuantity(counted, s->measure) + " of " + s->name_en +
                   " but the ledger holds " + FormatQuantity(ledger, s->measure),
               {{"substance", s->id}, {"counted", counted}, {"ledger", ledger}});
  }
}

void SweepDeadlines(ApplyContext& ctx) {
  const int64_t now = std::max<int64_t>(ctx.entry.ts_ms, 0);
  Status damaged;
  std::vector<std::string> due_keys;  // the keys `due` points into
  ctx.Fail(ctx.state.ScanPrefix(statekey::kDuePrefix, [&](std::string_view k, std::string_view) {
    std::optional<statekey::DueKeyParts> d = statekey::ParseDueKey(k);
    if (!d.has_value()) {
      damaged = Status(Code::kCorruption, "damaged receipt-deadline key in the state");
      return false;
    }
    if (d->due_ms > now) return false;
    due_keys.emplace_back(k);
    return true;
  }));
  for (const std::string& k : due_keys) {
    const statekey::DueKeyParts d = *statekey::ParseDueKey(k);
    std::optional<nlohmann::json> t = GetJson(ctx, statekey::TransferKey(d.from, d.transfer_id));
    ctx.Fail(ctx.state.Delete(k));
    if (!t.has_value()) continue;
    const std::string to = t->value("to", "");
    RaiseAlert(ctx, "receipt_overdue", to,
               "dispatch " + t->value("transfer_id", "") + " from \"" + t->value("from", "") +
                   "\" was not received by " + t->value("due", ""),
               {{"substance", t->value("substance", "")},
                {"counterparty", t->value("from", "")},
                {"transfer_id", t->value("transfer_id", "")}});
    RaiseAlert(ctx, "receipt_overdue", t->value("from", ""),
               "dispatch " + t->value("transfer_id", "") + " to \"" + to + "\" has no receipt by " +
                   t->value("due", ""),
               {{"substance", t->value("substance", "")},
                {"counterparty", to},
                {"transfer_id", t->value("transfer_id", "")}});
  }
  std::vector<std::string> expiry_keys;
  ctx.Fail(ctx.state.ScanPrefix(statekey::kExpiryPrefix, [&](std::string_view k, std::string_view) {
    std::optional<statekey::ExpiryKeyParts> e = statekey::ParseExpiryKey(k);
    if (!e.has_value()) {
      damaged = Status(Code::kCorruption, "damaged licence-expiry key in the state");
      return false;
    }
    if (e->warn_ms > now) return false;
    expiry_keys.emplace_back(k);
    return true;
  }));
  for (const std::string& k : expiry_keys) {
    const statekey::ExpiryKeyParts e = *statekey::ParseExpiryKey(k);
    const std::string number(e.number);
    ctx.Fail(ctx.state.Delete(k));
    RaiseAlert(ctx, "licence_expiring", e.participant,
               "licence " + number + " expires within " +
                   std::to_string(LoadSettings(ctx).expiry_warning_days) + " days",
               {{"licence", number}});
  }
  ctx.Fail(damaged);
}

}  // namespace vigil::chemicals
