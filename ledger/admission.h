// How the log admits records (the log's Admission, ledger/log/admission.h, for the state
// machine): parse the payload and check its signatures on the submitter's thread; then, in the
// batch transaction, judge it (Judge: check the personal side data against the payload's
// commitment, answer an identical resend with the original entry, run Apply) and keep the side
// data sealed. A dry run (ledger/dry_run.h) runs the same Judge over an overlay and seals nothing.
#ifndef VIGIL_LEDGER_ADMISSION_H_
#define VIGIL_LEDGER_ADMISSION_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "keys/result.h"
#include "ledger/layering.h"
#include "ledger/log/admission.h"
#include "ledger/personal.h"
#include "ledger/state/payload.h"
#include "ledger/state/state.h"

namespace vigil {

// What a record's Submission carries beside the entry (Submission::attachment).
class RecordAttachment : public Attachment {
 public:
  // Personal side data (ledger/personal.h): the JSON object's bytes and the base64 salt, or
  // both empty. Required exactly when the payload has a personal_commitment.
  std::string personal;
  std::string personal_salt;
  // Filled by RecordAdmission::Prepare: the parsed payload and the signatures that verified
  // with the keys registered then. Admit re-checks every rule either way.
  std::optional<Result<Payload>> parsed;
  VerifiedSignatures verified;
};

// The record attachment of `sub`, created empty if it has none.
RecordAttachment& AttachmentOf(Submission& sub);
// The record attachment of `sub`, or nullptr.
const RecordAttachment* FindAttachment(const Submission& sub);
// The payload of `sub` as RecordAdmission::Prepare parsed it, or, when it was not prepared,
// parsed now into `*scratch` (which must remain live while the returned reference is used).
const Result<Payload>& PreparedPayload(const Submission& sub,
                                       std::optional<Result<Payload>>* scratch);

// The payload bytes of entry `seq` (stored, or hypothetical in a dry run); kCorruption when
// there is no such entry, store errors otherwise.
using PayloadAt = std::function<Result<std::string>(uint64_t seq)>;

// The personal side data of a submission (`attachment`, may be null) checked against the
// payload's personal_commitment: both or neither, and the commitment opens
// (CheckPersonalCommitment). Returns the commitment, or "" when the record carries none.
// kInvalidArgument naming what is wrong. Seals nothing.
Result<std::string> CheckPersonalSide(const Payload& payload, const RecordAttachment* attachment);

class RecordAdmission : public Admission {
 public:
  RecordAdmission() = default;
  // Gives the vault that seals personal side data; until then a record with personal data is
  // refused (kFailedPrecondition). `*vault` must remain live while this admission is in use.
  // Call before the first Admit, not concurrently with one.
  void SetVault(PersonalVault* vault) { vault_ = vault; }

  // Admits records signed for the log `origin` (keys/key.h SignContext::kEntry).
  void Attach(std::string_view origin) override { origin_ = origin; }

  void Prepare(const db::Txn& snapshot, Submission& sub) const override;
  // Errors: those of Apply (state.h), kInvalidArgument for a payload that does not parse or
  // side data that does not match its commitment, kIoError if the slot file cannot be written.
  // An erasure replaces the target's sealed record by a tombstone; its slot is destroyed in
  // AfterBatch, once the erasure is durable.
  Result<std::optional<uint64_t>> Admit(db::Txn& txn, const Submission& sub,
                                        const Entry& entry) override;
  // Admit's verdict without its side effects outside `state`: the personal side data against
  // the commitment (CheckPersonalSide), then an identical resend signed by a key of the actor
  // (ok, the original's seq; nothing written), then Apply of `payload` (parsed from
  // sub.payload) as `entry` (ok, nullopt: `state` holds what it derived). A refusal is as its
  // signer may see it (access::SeenBy). `payload_at` reads the payloads of the entries `state`
  // knows. Seals no personal data. Thread-safe (const): a dry run calls it on request threads.
  Result<std::optional<uint64_t>> Judge(StateStore& state, const PayloadAt& payload_at,
                                        const Submission& sub, const Payload& payload,
                                        const Entry& entry) const;
  // fsyncs the slot file if the batch sealed personal data (kIoError otherwise);
  // kFailedPrecondition after a failure of AfterBatch.
  Status BeforeCommit() override;
  // After a commit, overwrites the slots of the records the batch erased and fsyncs them. If
  // that fails the error is logged and every later batch is refused (kFailedPrecondition, from
  // BeforeCommit) until a restart, whose Ledger::Open destroys them.
  void AfterBatch(bool committed) override;

 private:
  PersonalVault* vault_ = nullptr;
  std::string origin_;  // set by Attach before any Prepare: read-only afterwards
  // Writer-thread only, for the batch in progress.
  bool sealed_in_batch_ = false;
  std::vector<uint64_t> erased_slots_;
  Status slot_failure_;  // sticky: set when destroying erased slots failed
};

}  // namespace vigil

#endif  // VIGIL_LEDGER_ADMISSION_H_
