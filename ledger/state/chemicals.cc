#include "ledger/state/chemicals.h"

#include <algorithm>
#include <set>
#include <vector>

#include "ledger/log/entry.h"
#include "ledger/state/domain.h"
#include "ledger/state/identity.h"
#include "ledger/state/registry.h"
#include "ledger/state/state_codec.h"
#include "ledger/state/state_keys.h"

namespace vigil::chemicals {

using namespace domain;  // NOLINT: the helpers of this layer

namespace {

// Fields every movement may carry besides its own.
struct Movement {
  Substance substance;
  int64_t amount = 0;                 // pure substance, base units
  int64_t concentration = 1'000'000;  // declared, ppm (10^6: none declared)
};

// Alerts when a declared concentration lies outside the range the catalogue says the
// substance is traded at (a mixture declared to shrink the amount that counts).
void CheckConcentrationRange(ApplyContext& ctx, const Movement& m) {
  if (m.concentration == 1'000'000 || !m.substance.concentration.has_value()) return;
  const Substance::Range& r = *m.substance.concentration;
  if (m.concentration >= r.min_ppm && m.concentration <= r.max_ppm) return;
  RaiseAlert(ctx, "concentration_mismatch", ctx.payload.actor,
             m.substance.name_en + " declared at " + std::to_string(m.concentration / 10'000) +
                 "." + std::to_string(m.concentration % 10'000 / 1'000) + " %, outside the " +
                 FormatConcentrationRange(r) +
                 " % it is traded at: the amount that counts is only " +
                 FormatQuantity(m.amount, m.substance.measure),
             {{"substance", m.substance.id},
              {"concentration_ppm", m.concentration},
              {"amount", m.amount},
              {"typical", FormatConcentrationRange(r)}});
}

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
  int64_t ppm = 0;
  std::optional<int64_t> amount = ReadAmount(ctx, b, *s, "", false, &ppm);
  if (!amount.has_value()) return std::nullopt;
  Movement m{std::move(*s), *amount, ppm};
  CheckConcentrationRange(ctx, m);
  return m;
}

// The party outside the ledger of a purchase or sale.
struct Party {
  std::string country;          // ISO code, "" if Vietnam
  std::string enterprise_code;  // "" if none was given
  std::string name;
  // Who it is in acquisition records and supplier marks: "party:<code or name>".
  std::string Id() const { return "party:" + (enterprise_code.empty() ? name : enterprise_code); }
};

std::optional<Party> ReadParty(ApplyContext& ctx) {
  const nlohmann::json* party = ctx.Object("party");
  if (party == nullptr) return std::nullopt;
  const size_t before = ctx.violations.size();
  if (!party->contains("name") || !(*party)["name"].is_string()) {
    ctx.Violate("bad_party", "\"party\" needs the \"name\" of the other firm");
  }
  for (const char* f : {"enterprise_code", "licence_number", "invoice", "country", "address"}) {
    if (party->contains(f) && !(*party)[f].is_string()) {
      ctx.Violate("bad_party", std::string("party \"") + f + "\" must be a string");
    }
  }
  // Required: left out, an import would pass for a domestic purchase.
  auto text = [&](const char* f) {
    auto it = party->find(f);
    return it != party->end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  const std::string country = text("country");
  if (country.size() != 2 || country[0] < 'A' || country[0] > 'Z' || country[1] < 'A' ||
      country[1] > 'Z') {
    ctx.Violate("bad_party",
                "party \"country\" is required: a two-letter ISO code such as "
                "\"VN\" or \"CN\"");
  }
  if (ctx.violations.size() != before) return std::nullopt;
  return Party{country == "VN" ? "" : country, text("enterprise_code"), text("name")};
}

// The window subject of a participant: its enterprise (the 10-digit tax code, branches
// folded into their parent) if it declared a tax code, else the participant itself.
std::string SubjectOf(const nlohmann::json& participant_record, std::string_view id) {
  const std::string tax = participant_record.value("tax_code", "");
  return tax.empty() ? "p:" + std::string(id) : "e:" + std::string(identity::EnterpriseOf(tax));
}

// The threshold set for a substance, if any.
struct Threshold {
  int64_t single_max = 0, window_days = 0, window_max = 0;
};
// The substance's threshold, decoded once per stored value (StateStore::GetDecoded): every
// acquisition of a thresholded substance reads it.
std::optional<Threshold> LoadThreshold(ApplyContext& ctx, const Substance& s) {
  const std::string key = statekey::ThresholdKey(s.id);
  if (std::shared_ptr<const void> kept = ctx.state.GetDecoded(key)) {
    return *std::static_pointer_cast<const Threshold>(kept);
  }
  std::optional<nlohmann::json> t = GetJson(ctx, key);
  if (!t.has_value()) return std::nullopt;
  const Threshold threshold{t->value("single_max", int64_t{0}), t->value("window_days", int64_t{0}),
                            t->value("window_max", int64_t{0})};
  ctx.state.KeepDecoded(key, std::make_shared<const Threshold>(threshold));
  return threshold;
}

// A rolling window above its limit: its total and last day.
struct WindowExcess {
  int64_t total = 0, end_day = 0, days = 0, limit = 0;
  // "<total> of <substance> <who> in the <days> days to <date>, above the <limit> limit (this
  // record: <amount>)".
  std::string Describe(const Movement& m, std::string_view who) const {
    return FormatQuantity(total, m.substance.measure) + " of " + m.substance.name_en + " " +
           std::string(who) + " in the " + std::to_string(days) + " days to " + DayDate(end_day) +
           ", above the " + FormatQuantity(limit, m.substance.measure) +
           " limit (this record: " + FormatQuantity(m.amount, m.substance.measure) + ")";
  }
  nlohmann::json Details(const Movement& m) const {
    return {{"substance", m.substance.id},
            {"amount", m.amount},
            {"total", total},
            {"limit", limit},
            {"window_days", days},
            {"window_end", DayDate(end_day)}};
  }
};

// Adds `amount` of substance `s` on the record's day to window subject `subject`'s day
// buckets; returns the heaviest rolling window of the threshold's days that contains that day
// if it now holds more than the limit, whatever order the records arrived in: every
// acquisition in a window above the limit is reported when it arrives, and the last one to
// arrive sees the whole window. Reads the subject's buckets of the days
// [day - window + 1, day + window - 1]: at most 2 x window keys, however long the history.
std::optional<WindowExcess> AddToWindow(ApplyContext& ctx, const std::string& subject,
                                        const Movement& m,
                                        const std::optional<Threshold>& threshold) {
  const Settings settings = LoadSettings(ctx);
  const int64_t day = LocalDay(ctx.payload.at_ms, settings);
  const std::string prefix = statekey::WindowPrefix(subject, m.substance.id);
  std::optional<WindowExcess> excess;
  if (threshold.has_value() && threshold->window_days > 0 && threshold->window_max > 0) {
    const int64_t w = threshold->window_days;
    std::vector<std::pair<int64_t, int64_t>> buckets;  // (day, amount), by day
    bool placed = false;
    ctx.Fail(ctx.state.ScanPrefix(
        prefix,
        [&](std::string_view k, std::string_view v) {
          std::optional<int64_t> d = statekey::ParseDayKey(k, prefix);
          int64_t amount = 0;
          if (!d.has_value() || !codec::DecodeCounts(v, {&amount})) {
            ctx.Fail(Status(Code::kCorruption, "damaged window record " + std::string(k)));
            return false;
          }
          if (*d > day + w - 1) return false;
          if (*d == day) {
            amount += m.amount;
            placed = true;
          } else if (*d > day && !placed) {
            buckets.emplace_back(day, m.amount);
            placed = true;
          }
          buckets.emplace_back(*d, amount);
          return true;
        },
        statekey::WindowKey(subject, m.substance.id, day - w + 1)));
    if (!placed) buckets.emplace_back(day, m.amount);
    // The heaviest window [end - w + 1, end] with end a bucket day in [day, day + w - 1].
    int64_t best = 0, best_end = day, sum = 0;
    size_t first = 0;
    for (const auto& [end, amount] : buckets) {
      sum += amount;
      while (buckets[first].first < end - w + 1) sum -= buckets[first++].second;
      if (end >= day && sum > best) {
        best = sum;
        best_end = end;
      }
    }
    if (best > threshold->window_max) {
      excess = WindowExcess{best, best_end, w, threshold->window_max};
    }
  }
  AddCounts(ctx, statekey::WindowKey(subject, m.substance.id, day), {m.amount});
  ctx.effect["window"] = {
      {"subject", subject}, {"substance", m.substance.id}, {"day", day}, {"amount", m.amount}};
  return excess;
}

// Takes a "window" effect back out of its bucket (a correction).
void UndoWindow(ApplyContext& ctx, const nlohmann::json& w) {
  AddCounts(ctx,
            statekey::WindowKey(w.value("subject", ""), w.value("substance", ""),
                                w.value("day", int64_t{0})),
            {-w.value("amount", int64_t{0})});
}

void CheckSingle(ApplyContext& ctx, const Movement& m, const std::optional<Threshold>& threshold,
                 const std::string& participant, const nlohmann::json& extra) {
  if (!threshold.has_value() || threshold->single_max <= 0 || m.amount <= threshold->single_max) {
    return;
  }
  nlohmann::json details = {
      {"substance", m.substance.id}, {"amount", m.amount}, {"limit", threshold->single_max}};
  for (const auto& [k, v] : extra.items()) details[k] = v;
  RaiseAlert(ctx, "threshold_single", participant,
             FormatQuantity(m.amount, m.substance.measure) + " of " + m.substance.name_en +
                 " in one transaction is above the " +
                 FormatQuantity(threshold->single_max, m.substance.measure) + " limit",
             std::move(details));
}

// Records an acquisition (purchase or receipt) from `supplier` ("party:..." or
// "participant:<id>") and raises the threshold and pattern alerts.
void RecordAcquisition(ApplyContext& ctx, const Movement& m, const std::string& supplier) {
  if (!ctx.violations.empty()) return;
  const std::string& buyer = ctx.payload.actor;
  const Settings settings = LoadSettings(ctx);
  const std::optional<Threshold> threshold = LoadThreshold(ctx, m.substance);
  CheckSingle(ctx, m, threshold, buyer, nlohmann::json::object());
  const std::string subject = SubjectOf(ctx.actor.record(), buyer);
  if (std::optional<WindowExcess> x = AddToWindow(ctx, subject, m, threshold)) {
    const std::string who =
        subject[0] == 'e' ? "enterprise " + subject.substr(2) : "\"" + buyer + "\"";
    RaiseAlert(ctx, "threshold_window", buyer, x->Describe(m, "acquired by " + who), x->Details(m));
  }
  const std::string stat_key = statekey::AcqStatKey(buyer, m.substance.id);
  nlohmann::json stat = GetJson(ctx, stat_key).value_or(nlohmann::json{{"count", 0}, {"total", 0}});
  const int64_t count = stat.value("count", int64_t{0});
  const int64_t total = stat.value("total", int64_t{0});
  if (count >= settings.unusual_min_history && total > 0 &&
      m.amount / settings.unusual_factor > total / count) {
    RaiseAlert(ctx, "unusual_size", buyer,
               FormatQuantity(m.amount, m.substance.measure) + " of " + m.substance.name_en +
                   " is more than " + std::to_string(settings.unusual_factor) +
                   " times this buyer's average of " +
                   FormatQuantity(total / count, m.substance.measure),
               {{"substance", m.substance.id}, {"amount", m.amount}, {"average", total / count}});
  }
  PutJson(ctx, stat_key, {{"count", count + 1}, {"total", total + m.amount}});
  const std::string conc_key = statekey::ConcKey(buyer, m.substance.id);
  Result<std::optional<std::string>> lowest = ctx.state.Get(conc_key);
  int64_t least = 0;
  if (!ctx.Fail(lowest.status()) &&
      (!lowest->has_value() ||
       (codec::DecodeCounts(**lowest, {&least}) && m.concentration < least))) {
    ctx.Fail(ctx.state.Put(conc_key, codec::EncodeCounts({m.concentration})));
  }
  // The supplier mark counts the acquisitions from that supplier (a correction takes one back).
  const std::string mark = statekey::SupplierKey(buyer, m.substance.id, supplier);
  AddCounts(ctx, mark, {1});
  ctx.effect["supplier"] = mark;
}

// Alerts when goods passed on (a sale or dispatch) are declared weaker than the participant
// ever acquired them: 100,000 L "at 0.5 %" out of 500 L bought pure.
void CheckPassedOnConcentration(ApplyContext& ctx, const Movement& m) {
  if (m.concentration == 1'000'000) return;
  Result<std::optional<std::string>> v =
      ctx.state.Get(statekey::ConcKey(ctx.payload.actor, m.substance.id));
  int64_t least = 1'000'000;
  if (ctx.Fail(v.status()) || (v->has_value() && !codec::DecodeCounts(**v, {&least}))) return;
  if (m.concentration >= least) return;
  RaiseAlert(ctx, "concentration_mismatch", ctx.payload.actor,
             m.substance.name_en + " passed on at a lower concentration than \"" +
                 ctx.payload.actor + "\" ever acquired it at: the amount that counts is only " +
                 FormatQuantity(m.amount, m.substance.measure),
             {{"substance", m.substance.id},
              {"concentration_ppm", m.concentration},
              {"acquired_ppm", least},
              {"amount", m.amount}});
}

// Whether `supplier` has supplied `substance` to the actor (a return to it is allowed under
// a use licence).
bool SuppliedBy(ApplyContext& ctx, const Substance& substance, const std::string& supplier) {
  Result<std::optional<std::string>> v =
      ctx.state.Get(statekey::SupplierKey(ctx.payload.actor, substance.id, supplier));
  return !ctx.Fail(v.status()) && v->has_value();
}

// The licence check of an outgoing transfer: a trading licence, or a use licence when the
// goods go back to a supplier of them.
void CheckOutgoingLicence(ApplyContext& ctx, const Substance& substance,
                          const std::string& receiver) {
  if (SuppliedBy(ctx, substance, receiver)) {
    CheckLicence(ctx, ctx.actor.record(), {"precursor_trading", "precursor_use"}, substance, "");
  } else {
    CheckLicence(ctx, ctx.actor.record(), {"precursor_trading"}, substance, "");
  }
}

}  // namespace

void ApplyPurchase(ApplyContext& ctx) {
  std::optional<Party> party = ReadParty(ctx);
  std::optional<Movement> m = ReadMovement(ctx);
  if (!m.has_value() || !party.has_value()) return;
  if (CheckLicence(ctx, ctx.actor.record(), {"precursor_trading", "precursor_use"}, m->substance,
                   "") &&
      !party->country.empty()) {
    CheckLicence(ctx, ctx.actor.record(), {"import_export"}, m->substance, "");
  }
  ChangeStock(ctx, ctx.payload.actor, m->substance, m->amount);
  RecordAcquisition(ctx, *m, party->Id());
}

void ApplySale(ApplyContext& ctx) {
  std::optional<Party> party = ReadParty(ctx);
  std::optional<Movement> m = ReadMovement(ctx);
  if (!m.has_value() || !party.has_value()) return;
  if (party->enterprise_code.empty() && !ctx.payload.body.contains("personal_commitment")) {
    ctx.Violate("buyer_unidentified",
                "an outside buyer needs its \"enterprise_code\", or, for a person, a "
                "\"personal_commitment\" to their identity in the personal data; a bare name "
                "identifies no one");
  }
  // A registered enterprise (the parent or any branch of it) is supplied by dispatch, with a
  // control slip and a receipt, never by a sale that leaves no trace on its side.
  Result<std::optional<std::string>> holder =
      registry::ParticipantOfEnterprise(ctx.state, party->enterprise_code);
  if (ctx.Fail(holder.status())) return;
  if (holder->has_value()) {
    ctx.ViolateAbout(**holder, "sale_to_participant",
                     "enterprise " + std::string(identity::EnterpriseOf(party->enterprise_code)) +
                         " is registered in the ledger as \"" + **holder +
                         "\": deliver to it with a chem.dispatch (a control slip)");
  }
  CheckOutgoingLicence(ctx, m->substance, party->Id());
  CheckPassedOnConcentration(ctx, *m);
  if (!party->country.empty()) {
    CheckLicence(ctx, ctx.actor.record(), {"import_export"}, m->substance, "");
  }
  ChangeStock(ctx, ctx.payload.actor, m->substance, -m->amount);
  if (!ctx.violations.empty() || party->enterprise_code.empty()) return;
  // Outside buyers are held to the same limits, summed by their enterprise.
  const std::optional<Threshold> threshold = LoadThreshold(ctx, m->substance);
  const std::string buyer(identity::EnterpriseOf(party->enterprise_code));
  CheckSingle(ctx, *m, threshold, ctx.payload.actor, {{"buyer", buyer}});
  if (std::optional<WindowExcess> x = AddToWindow(ctx, "o:" + buyer, *m, threshold)) {
    nlohmann::json details = x->Details(*m);
    details["buyer"] = buyer;
    const std::string who = "sold to outside enterprise " + buyer + " by the ledger's participants";
    RaiseAlert(ctx, "outside_buyer_window", ctx.payload.actor, x->Describe(*m, who),
               std::move(details));
  }
}

void ApplyDispatch(ApplyContext& ctx) {
  std::optional<std::string> to = ctx.String("counterparty");
  std::optional<std::string> tid = ctx.String("transfer_id");
  std::optional<Movement> m = ReadMovement(ctx);
  if (!m.has_value() || !to.has_value() || !tid.has_value()) return;
  CheckOutgoingLicence(ctx, m->substance, "participant:" + *to);
  CheckPassedOnConcentration(ctx, *m);
  if (*to == ctx.payload.actor)
    ctx.Violate("self_transfer", "a dispatch must go to another participant");
  if (std::optional<Participant> receiver = RequireParticipant(ctx, *to, "counterparty_unknown")) {
    if (receiver->revoked) {
      ctx.ViolateAbout(*to, "counterparty_revoked", "participant \"" + *to + "\" has been revoked");
    } else {
      CheckLicence(ctx, receiver->record(), {"precursor_trading", "precursor_use"}, m->substance,
                   "the receiver");
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
  const int64_t sent = t->value("amount", int64_t{0});
  if (m->amount > sent) {
    ctx.Violate("receipt_exceeds_dispatch",
                "received " + FormatQuantity(m->amount, m->substance.measure) + " but dispatch \"" +
                    *tid + "\" sent only " + FormatQuantity(sent, m->substance.measure) +
                    ": a receipt cannot create stock; record any surplus as its own purchase");
  }
  CheckLicence(ctx, ctx.actor.record(), {"precursor_trading", "precursor_use"}, m->substance, "");
  ChangeStock(ctx, ctx.payload.actor, m->substance, m->amount);
  if (!ctx.violations.empty()) return;
  if (m->amount < sent) {
    // The difference stays in transit until a chem.loss naming the transfer (or a correction)
    // accounts for it; both sides hear of it, and so do the police.
    const std::string missing = FormatQuantity(sent - m->amount, m->substance.measure);
    const nlohmann::json details = {{"substance", m->substance.id},
                                    {"dispatched", sent},
                                    {"received", m->amount},
                                    {"in_transit", sent - m->amount},
                                    {"transfer_id", *tid}};
    nlohmann::json to_receiver = details, to_sender = details;
    to_receiver["counterparty"] = *from;
    to_sender["counterparty"] = ctx.payload.actor;
    RaiseAlert(ctx, "receipt_short", ctx.payload.actor,
               "received " + FormatQuantity(m->amount, m->substance.measure) + " of " +
                   m->substance.name_en + " of the " + FormatQuantity(sent, m->substance.measure) +
                   " dispatched by \"" + *from + "\" (transfer " + *tid + "): " + missing +
                   " unaccounted for",
               std::move(to_receiver));
    RaiseAlert(ctx, "receipt_short", *from,
               "\"" + ctx.payload.actor + "\" received only " +
                   FormatQuantity(m->amount, m->substance.measure) + " of the " +
                   FormatQuantity(sent, m->substance.measure) + " of " + m->substance.name_en +
                   " dispatched (transfer " + *tid + "): " + missing + " unaccounted for",
               std::move(to_sender));
    (*t)["in_transit"] = sent - m->amount;
  }
  Result<int64_t> due = ParseTimestamp(t->value("due", ""));
  if (due.ok()) ctx.Fail(ctx.state.Delete(statekey::DueKey(*due, *from, *tid)));
  (*t)["status"] = m->amount < sent ? "short" : "received";
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
  CheckLicence(ctx, ctx.actor.record(), {"precursor_use"}, m->substance, "");
  ChangeStock(ctx, ctx.payload.actor, m->substance, -m->amount);
}

void ApplyDispose(ApplyContext& ctx) {
  ctx.String("method");
  std::optional<std::string> witness = ctx.String("witness");
  // The witness is another participant, active, of a role allowed to witness destruction,
  // and the one whose key cosigned: never a second key of the same business.
  const KeyRecord* cosigned = nullptr;
  bool other_key = false;
  for (const KeyRecord& k : ctx.cosigners) {
    other_key = other_key || k.public_key.Id() != ctx.entry.signer;
    if (witness.has_value() && k.participant == *witness) cosigned = &k;
  }
  if (!other_key) {
    ctx.Violate("witness_required",
                "a disposal must be countersigned by its witness (vigil submit --cosign "
                "WITNESS.key)");
  } else if (witness.has_value() && cosigned == nullptr) {
    ctx.ViolateAbout(*witness, "witness_mismatch",
                     "\"witness\" names \"" + *witness +
                         "\", but no key of that participant cosigned the record");
  }
  if (witness.has_value() && cosigned != nullptr) {
    const uint8_t allowed = LoadSettings(ctx).witness_roles;
    if (*witness == ctx.payload.actor) {
      ctx.Violate("witness_not_independent",
                  "the witness must be another participant, not the business itself");
    } else if (std::optional<Participant> w = RequireParticipant(ctx, *witness)) {
      if (w->revoked) {
        ctx.ViolateAbout(*witness, "witness_revoked",
                         "witness \"" + *witness + "\" has been revoked");
      } else if ((allowed & static_cast<uint8_t>(w->role)) == 0) {
        ctx.ViolateAbout(*witness, "witness_role",
                         "a participant with role " + std::string(RoleName(w->role)) +
                             " may not witness a destruction (setting witness_roles)");
      }
    }
  }
  std::optional<Movement> m = ReadMovement(ctx);
  if (!m.has_value()) return;
  ChangeStock(ctx, ctx.payload.actor, m->substance, -m->amount);
}

namespace {

// A loss of goods in transit: the part of a short receipt that a chem.loss naming its
// transfer accounts for. Either side may report it.
void LoseInTransit(ApplyContext& ctx, const Movement& m, const std::string& tid) {
  std::optional<std::string> counterparty = ctx.String("counterparty", false);
  const std::string key = statekey::TransferKey(counterparty.value_or(ctx.payload.actor), tid);
  std::optional<nlohmann::json> t = GetJson(ctx, key);
  if (!t.has_value() || t->value("status", "") != "short" ||
      (t->value("from", "") != ctx.payload.actor && t->value("to", "") != ctx.payload.actor)) {
    ctx.Violate("no_goods_in_transit",
                "transfer \"" + tid + "\"" +
                    (counterparty.has_value() ? " from \"" + *counterparty + "\"" : "") +
                    " has no shortfall of yours in transit (name the sender as "
                    "\"counterparty\" when you are the receiver)");
    return;
  }
  const int64_t in_transit = t->value("in_transit", int64_t{0});
  if (t->value("substance", "") != m.substance.id || m.amount > in_transit) {
    ctx.Violate("no_goods_in_transit",
                "transfer \"" + tid + "\" has " + FormatQuantity(in_transit, m.substance.measure) +
                    " of " + t->value("substance", "") + " unaccounted for, not " +
                    FormatQuantity(m.amount, m.substance.measure) + " of " + m.substance.id);
    return;
  }
  if (!ctx.violations.empty()) return;
  (*t)["in_transit"] = in_transit - m.amount;
  PutJson(ctx, key, *t);
  ctx.effect["transit"] = {{"key", key}, {"amount", m.amount}};
}

}  // namespace

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
  std::optional<std::string> tid = ctx.String("transfer_id", false);
  std::optional<Movement> m = ReadMovement(ctx);
  if (!m.has_value()) return;
  if (tid.has_value()) {
    LoseInTransit(ctx, *m, *tid);
  } else {
    ChangeStock(ctx, ctx.payload.actor, m->substance, -m->amount);
  }
  if (!ctx.violations.empty()) return;
  RaiseAlert(ctx, "loss_reported", ctx.payload.actor,
             FormatQuantity(m->amount, m->substance.measure) + " of " + m->substance.name_en +
                 " reported " + kind.value_or("lost") +
                 (tid.has_value() ? " in transit (transfer " + *tid + ")" : ""),
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

void UndoMovement(ApplyContext& ctx, std::string_view type, const nlohmann::json& effect) {
  for (const auto& d : effect.value("stock", nlohmann::json::array())) UndoStockChange(ctx, d);
  if (effect.contains("window")) {
    UndoWindow(ctx, effect["window"]);
    if (type == "chem.purchase" || type == "chem.receipt") {
      const nlohmann::json& w = effect["window"];
      const std::string stat_key =
          statekey::AcqStatKey(ctx.payload.actor, w.value("substance", ""));
      if (std::optional<nlohmann::json> stat = GetJson(ctx, stat_key)) {
        (*stat)["count"] = stat->value("count", int64_t{1}) - 1;
        (*stat)["total"] = stat->value("total", int64_t{0}) - w.value("amount", int64_t{0});
        PutJson(ctx, stat_key, *stat);
      }
    }
  }
  if (effect.contains("supplier")) AddCounts(ctx, effect["supplier"].get<std::string>(), {-1});
  if (effect.contains("transit")) {
    const nlohmann::json& lost = effect["transit"];
    const std::string key = lost.value("key", "");
    if (std::optional<nlohmann::json> t = GetJson(ctx, key)) {
      (*t)["in_transit"] = t->value("in_transit", int64_t{0}) + lost.value("amount", int64_t{0});
      PutJson(ctx, key, *t);
    }
  }
  if (!effect.contains("transfer")) return;
  const std::string key = effect["transfer"].get<std::string>();
  std::optional<nlohmann::json> tr = GetJson(ctx, key);
  if (!tr.has_value()) return;
  if (type == "chem.dispatch") {
    if (tr->value("status", "") != "open") {
      ctx.Violate("transfer_received",
                  "the dispatch was already received; its receiver must void the receipt first");
      return;
    }
    Result<int64_t> due = ParseTimestamp(tr->value("due", ""));
    if (due.ok()) {
      ctx.Fail(ctx.state.Delete(
          statekey::DueKey(*due, tr->value("from", ""), tr->value("transfer_id", ""))));
    }
    (*tr)["status"] = "voided";
  } else if (type == "chem.receipt") {
    const int64_t sent = tr->value("amount", int64_t{0});
    const int64_t received = tr->value("received_amount", sent);
    if (tr->value("in_transit", sent - received) != sent - received) {
      ctx.Violate("transfer_loss_reported",
                  "a loss in transit was reported against this receipt's shortfall; void that "
                  "chem.loss first");
      return;
    }
    tr->erase("in_transit");
    (*tr)["status"] = "open";  // the dispatch waits for a (corrected) receipt again
    for (const char* f : {"received_seq", "received_amount", "received_at"}) tr->erase(f);
    Result<int64_t> due = ParseTimestamp(tr->value("due", ""));
    if (due.ok()) {  // if the deadline has passed, the next entry raises receipt_overdue
      ctx.Fail(ctx.state.Put(
          statekey::DueKey(*due, tr->value("from", ""), tr->value("transfer_id", "")), ""));
    }
  }
  PutJson(ctx, key, *tr);
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
