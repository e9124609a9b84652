// The ledger's side of a mirror (a verified copy of another log; cli/mirror_command.cc follows
// the upstream over HTTP, docs/operator.md "Mirror and promotion"): the admission that writes
// the derived state of entries the upstream already admitted, and the replay a mirror resumes
// from its own store.
//
// A mirror holds no personal side data: it is secret, sealed under the primary's personal
// key, and not part of what checkpoints prove (Log::ReplicatedUntil marks the entries whose
// side data this store never had).
#ifndef VIGIL_LEDGER_MIRROR_H_
#define VIGIL_LEDGER_MIRROR_H_

#include <optional>
#include <string>

#include "keys/result.h"
#include "ledger/layering.h"
#include "ledger/log/admission.h"
#include "ledger/log/db.h"
#include "ledger/verify.h"

namespace vigil {

// The Admission of a mirror's Log (Log::OpenMirror): runs the same Apply the primary ran, on
// the store's derived state in the replication transaction, with the signatures the caller
// already checked (a RecordAttachment's `parsed` and `verified`, ledger/admission.h; without
// one it parses and verifies itself). A refusal is the upstream's fault and aborts the batch
// (Log::Replicate). Personal data is neither required nor stored. Writer thread only.
class MirrorAdmission : public Admission {
 public:
  void Attach(std::string_view origin) override { origin_ = origin; }
  void Prepare(const db::Txn& snapshot, Submission& sub) const override;
  Result<std::optional<uint64_t>> Admit(db::Txn& txn, const Submission& sub,
                                        const Entry& entry) override;

 private:
  std::string origin_;
};

// Sets `replay` to continue after the last entry of the store read through `txn`: the next
// seq, the last leaf hash and time, and the stored derived state (the state the replay of
// every stored entry made: `vigil verify` checks they are equal). Errors: store errors, and
// kCorruption for a last entry that does not decode.
Status RestoreReplay(const db::Txn& txn, EntryReplay& replay);

}  // namespace vigil

#endif  // VIGIL_LEDGER_MIRROR_H_
