#include "ledger/dry_run.h"

#include <algorithm>
#include <utility>

#include "keys/coding.h"
#include "ledger/access.h"
#include "ledger/admission.h"
#include "ledger/log/merkle.h"
#include "ledger/state/state_keys.h"

namespace vigil {

namespace {

// The codes of an Apply refusal (kPermissionDenied) given before the signature is known to be
// the signer's: the caller is not known to hold any key, so it gets the append's refusal and
// learns nothing of the record's standing.
bool Unauthenticated(const Status& s) {
  if (s.code() != Code::kPermissionDenied) return false;
  for (const Violation& v : s.details()) {
    if (v.code == "signer_unknown" || v.code == "bad_signature") return true;
  }
  return s.details().empty();
}

// The alerts entry `seq` raised in `state` that participant `reader` of `role` may read.
Result<nlohmann::json> AlertsOf(const StateStore& state, uint64_t seq, Role role,
                                std::string_view reader) {
  std::string prefix = statekey::AlertKey(seq, 0);
  prefix.resize(prefix.rfind('/') + 1);  // "alert/<seq>/"
  nlohmann::json out = nlohmann::json::array();
  Status s = state.ScanPrefix(prefix, [&](std::string_view, std::string_view v) {
    nlohmann::json a = nlohmann::json::parse(v, nullptr, false);
    if (!a.is_object()) return true;  // never written so by RaiseAlert
    if (access::MayReadAlert(role, reader, a.value("kind", ""), a.value("participant", ""))) {
      out.push_back(std::move(a));
    }
    return true;
  });
  if (!s.ok()) return s;
  return out;
}

}  // namespace

nlohmann::json DryRunVerdict::ToJson() const {
  nlohmann::json j = {{"dry_run", true}, {"accepted", accepted}};
  if (duplicate) {
    j["duplicate"] = true;
    if (seq.has_value()) j["seq"] = *seq;
  }
  nlohmann::json list = nlohmann::json::array();
  for (const Violation& v : violations) list.push_back({{"code", v.code}, {"message", v.message}});
  j["violations"] = std::move(list);
  j["alerts"] = alerts;
  return j;
}

DryRun::DryRun(Ledger& ledger, db::Txn txn)
    : ledger_(ledger), txn_(std::move(txn)), base_(std::as_const(txn_)), overlay_(base_) {}

Result<std::unique_ptr<DryRun>> DryRun::Begin(Ledger& ledger) {
  Result<db::Txn> txn = ledger.log().BeginRead();
  if (!txn.ok()) return txn.status();
  std::unique_ptr<DryRun> run(new DryRun(ledger, std::move(*txn)));
  Result<std::optional<std::pair<std::string, std::string>>> last =
      run->txn_.Last(db::Table::kEntries);
  if (!last.ok()) return last.status();
  if (last->has_value()) {
    Result<Entry> e = DecodeEntry((*last)->second);
    if (!e.ok()) return e.status();
    run->next_seq_ = DecodeBigEndian64((*last)->first) + 1;
    run->last_leaf_ = merkle::HashLeaf((*last)->second);
    run->last_ts_ = e->ts_ms;
  }
  return run;
}

Result<DryRunVerdict> DryRun::Judge(Submission& sub) {
  const RecordAdmission& admission = ledger_.admission();
  admission.Prepare(txn_, sub);  // parses and checks the signatures against this snapshot
  const RecordAttachment& a = AttachmentOf(sub);
  const Result<Payload>& payload = *a.parsed;
  if (!payload.ok()) return payload.status();

  // The entry the writer would make (Log::Place), and its size limit there.
  std::string bytes;
  Result<Entry> entry = Log::EntryFor(sub, next_seq_, last_leaf_, last_ts_, NowMs(), &bytes);
  if (!entry.ok()) return entry.status();
  const Entry& e = *entry;

  auto payload_at = [this](uint64_t seq) -> Result<std::string> {
    if (auto it = hypothetical_.find(seq); it != hypothetical_.end()) return it->second;
    Result<std::optional<std::string>> stored =
        txn_.Get(db::Table::kEntries, EncodeBigEndian64(seq));
    if (!stored.ok()) return stored.status();
    if (!stored->has_value()) {
      return Status(Code::kCorruption,
                    "the state names entry " + std::to_string(seq) + ", which is not stored");
    }
    Result<Entry> stored_entry = DecodeEntry(**stored);
    if (!stored_entry.ok()) return stored_entry.status();
    return std::move(stored_entry->payload);
  };
  Result<std::optional<uint64_t>> judged = admission.Judge(overlay_, payload_at, sub, *payload, e);

  DryRunVerdict v;
  if (judged.ok() && judged->has_value()) {
    v.accepted = true;
    v.duplicate = true;
    v.seq = **judged;
    return v;
  }
  if (judged.ok()) {
    v.accepted = true;
    // The reader of the alerts: the actor, now registered in the overlay (also when the record
    // registers it: the genesis).
    Result<std::optional<Participant>> actor = LoadParticipant(overlay_, payload->actor);
    if (!actor.ok()) return actor.status();
    const Role role = actor->has_value() ? (*actor)->role : Role::kAuthority;
    Result<nlohmann::json> alerts = AlertsOf(overlay_, e.seq, role, payload->actor);
    if (!alerts.ok()) return alerts.status();
    v.alerts = std::move(*alerts);
    hypothetical_.emplace(e.seq, sub.payload);
    ++next_seq_;
    last_leaf_ = merkle::HashLeaf(bytes);
    last_ts_ = e.ts_ms;
    return v;
  }
  const Status& refusal = judged.status();
  switch (refusal.code()) {
    case Code::kRuleViolation:  // already as the signer may see it (Judge)
      v.violations = refusal.details();
      return v;
    case Code::kPermissionDenied:  // the signer's standing, once its signature is good
      if (Unauthenticated(refusal)) return refusal;
      v.violations = refusal.details();
      return v;
    case Code::kConflict:  // the actor's payload id, used for another record
      v.violations.emplace_back("conflict", refusal.message());
      return v;
    case Code::kInvalidArgument:  // unknown_type is a verdict; a malformed record is not
      if (refusal.details().empty()) return refusal;
      v.violations = refusal.details();
      return v;
    default:
      return refusal;
  }
}

}  // namespace vigil
