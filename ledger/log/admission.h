// The one interface between the log and whatever judges its entries (DESIGN §2; the CT log's
// split of TreeSigner, which sequences, from the submission handler, which judges).
//
// The log sequences, hashes, stores and checkpoints opaque entries: it never looks inside a
// payload. An Admission decides, inside the batch's write transaction, whether each submission
// may become an entry, and writes whatever it derives from it (state, side tables) in that same
// transaction, so derived state commits with its entry or not at all (DESIGN §4.5).
#ifndef VIGIL_LEDGER_LOG_ADMISSION_H_
#define VIGIL_LEDGER_LOG_ADMISSION_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "keys/result.h"
#include "ledger/log/db.h"
#include "ledger/log/entry.h"

namespace vigil {

// What an Admission keeps with a submission between Prepare and Admit, or what travels beside
// the entry without being part of it. The log only carries it.
class Attachment {
 public:
  virtual ~Attachment() = default;
};

// One record offered to the log: the fields it will store in the entry, plus the attachment.
struct Submission {
  std::string signer;   // key id
  std::string payload;  // the payload bytes exactly as signed
  std::string sig;      // 64 raw bytes
  std::vector<Cosignature> cosigners;
  // Opaque to the log; belongs to the Admission (ledger/admission.h says what it holds).
  std::shared_ptr<Attachment> attachment;
};

class Admission {
 public:
  virtual ~Admission() = default;

  // Called once by Log::Open, before any Prepare or Admit, with the origin of the log this
  // admission judges for (what signatures over its entries are bound to).
  virtual void Attach(std::string_view origin) { (void)origin; }

  // Work that needs no order, done on the submitter's thread before the writer takes `sub`
  // (parsing, Ed25519 checks), so it runs on every core. `snapshot` is a read transaction of
  // the store as it was then; Admit must re-check anything that may have changed since.
  // Called from many threads at once: must be thread-safe.
  virtual void Prepare(const db::Txn& snapshot, Submission& sub) const = 0;

  // Judges `sub`, which the log would append as `entry` (seq, ts and prev already set), in the
  // batch's write transaction `txn`, in batch order. Called by the writer thread only.
  //   ok, nullopt: admitted; the admission wrote what it derives into `txn`.
  //   ok, seq:     an idempotent resend of the stored entry `seq`; nothing written.
  //   an error:    refused; nothing of `sub` may have been written. kIoError,
  //                kResourceExhausted, kCorruption, kInternal and kFailedPrecondition abort
  //                the whole batch instead (the store, not the submission, is at fault).
  virtual Result<std::optional<uint64_t>> Admit(db::Txn& txn, const Submission& sub,
                                                const Entry& entry) = 0;

  // Called by the writer thread after the last Admit of a batch, just before its transaction
  // commits: makes durable whatever the admission wrote outside the store for this batch, so
  // that nothing the commit makes durable can name something lost in a crash. An error aborts
  // the batch (it is batch-fatal).
  virtual Status BeforeCommit() { return Status::Ok(); }
  // Called by the writer thread once a batch's transaction has ended: `committed` says whether
  // it is durable (false: aborted, also before the batch is replayed in a bigger map). Work that
  // must follow the commit (destroying what the batch made obsolete) goes here; it cannot fail
  // the batch any more.
  virtual void AfterBatch(bool committed) { (void)committed; }
};

// True for the codes of Admit (and of the store) that abort a whole batch.
bool IsBatchFatal(const Status& s);

}  // namespace vigil

#endif  // VIGIL_LEDGER_LOG_ADMISSION_H_
