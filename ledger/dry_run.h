// Dry runs (issue 16 item 6, docs/api.md "Dry runs"): what an append of a record would do
// against the ledger's current state, judged exactly as the writer judges it
// (RecordAdmission::Judge, the same Apply), without writing anything: no entry, no state, no
// sealed personal data, no slot.
//
// A DryRun reads one snapshot of the store (a read transaction, so it sees one committed log
// size and never blocks the writer) through an overlay that keeps what accepted records would
// have derived, so that the records of one DryRun are judged cumulatively: record k is judged
// as entry size+k on the state after the accepted records before it (a batch dry run). Each
// record is given the entry the writer would make of it: seq = the next hypothetical seq, ts =
// now (never before the last entry's), prev = the previous (hypothetical) leaf.
//
// Not thread-safe: one DryRun per request thread. Lifetime: `ledger` must outlive the DryRun;
// keep it short (it holds a read transaction, which pins the pages of that snapshot).
#ifndef VIGIL_LEDGER_DRY_RUN_H_
#define VIGIL_LEDGER_DRY_RUN_H_

#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "keys/result.h"
#include "ledger/layering.h"
#include "ledger/ledger.h"
#include "ledger/log/db.h"
#include "ledger/state/state_store.h"
#include "ledger/txn_state_store.h"

namespace vigil {

// What an append of one record would do.
struct DryRunVerdict {
  bool accepted = false;
  // An identical resend of entry `seq` (an append would answer 200 with the original receipt,
  // and write nothing). accepted is then true.
  bool duplicate = false;
  std::optional<uint64_t> seq;
  // Why it would be refused, as an append refusal shows them to its signer (access::SeenBy):
  // the broken rules, or one violation carrying the code of a refusal of the signer's standing
  // (key_revoked, actor_mismatch, participant_revoked, role_not_allowed), of an unknown record
  // type (unknown_type) or of a payload id used for another record (conflict).
  std::vector<Violation> violations;
  // The alerts it would raise that its signer's participant may read (access::MayReadAlert),
  // in the JSON stored and listed by GET /v1/alerts (ledger/queries.h), with "seq" and "at"
  // those of the hypothetical entry.
  nlohmann::json alerts = nlohmann::json::array();

  // {"dry_run":true,"accepted",["duplicate","seq"],"violations":[{"code","message"}],"alerts"}
  nlohmann::json ToJson() const;
};

class DryRun {
 public:
  // Begins a dry run on the committed state of `ledger` now. Errors: the store's (kIoError).
  static Result<std::unique_ptr<DryRun>> Begin(Ledger& ledger);
  DryRun(const DryRun&) = delete;
  DryRun& operator=(const DryRun&) = delete;

  // Judges `sub` (parsed and its signatures checked here, as Log::Prepare would) as the next
  // append. Returns the verdict; or, as an error, exactly the Status an append would refuse
  // `sub` with before any verdict on the record itself: a payload that does not parse,
  // personal side data that does not match its commitment, an entry over 65,535 bytes, an
  // unknown signing key (signer_unknown) or a bad signature (bad_signature) — the caller is
  // then not known to hold the actor's key, so it learns nothing of the state; and store
  // errors. An accepted record's effects stay in this DryRun's overlay for the next Judge.
  Result<DryRunVerdict> Judge(Submission& sub);

 private:
  DryRun(Ledger& ledger, db::Txn txn);

  Ledger& ledger_;
  db::Txn txn_;
  TxnStateStore base_;
  OverlayStateStore overlay_;
  uint64_t next_seq_ = 0;                         // the seq the next judged record would get
  Hash last_leaf_{};                              // the leaf before it
  int64_t last_ts_ = 0;                           // the ts of the entry before it
  std::map<uint64_t, std::string> hypothetical_;  // payloads of the accepted records, by seq
};

}  // namespace vigil

#endif  // VIGIL_LEDGER_DRY_RUN_H_
