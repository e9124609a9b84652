// Offline verification of a whole store (DESIGN §7): every entry's bytes, position and hash
// chain link, every signature, every rule (by replaying the state machine from entry 0), every
// stored tree hash, every checkpoint's signature and root, and the stored derived state against
// the replay. Reads the store only; never needs a secret key.
#ifndef VIGIL_LEDGER_VERIFY_H_
#define VIGIL_LEDGER_VERIFY_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "keys/note.h"
#include "keys/result.h"
#include "ledger/checkpoint.h"

namespace vigil {

struct VerifyOptions {
  // The log's verifier key from a trusted source. Without it the key recorded in the store is
  // used, which proves internal consistency but not who signed.
  std::optional<NoteVerifier> log_key;
  // A checkpoint note saved earlier (e.g. by a monitor): the log must extend it. A smaller
  // log is a rollback, a different root at its size a fork.
  std::optional<std::string> saved_checkpoint;
  bool all_errors = false;  // keep going after the first damaged entry
  // Called now and then with (entries done, total); for progress bars.
  std::function<void(uint64_t, uint64_t)> progress;
};

struct VerifyProblem {
  std::optional<uint64_t> seq;  // the entry concerned, when there is one
  std::string what;             // what is wrong, in words
};

struct VerifyReport {
  uint64_t size = 0;                  // entries checked
  std::optional<Checkpoint> latest;   // the newest valid checkpoint
  uint64_t checkpoints = 0;           // checkpoints checked
  uint64_t state_records = 0;         // derived-state records compared
  std::vector<VerifyProblem> problems;
  bool ok() const { return problems.empty(); }
};

// Verifies the store under data directory `dir` (<dir>/store). Integrity failures are in the
// report (ok() false); the Status is an error only when the store cannot be read at all
// (kNotFound, kIoError).
Result<VerifyReport> VerifyStore(const std::string& dir, const VerifyOptions& options);

}  // namespace vigil

#endif  // VIGIL_LEDGER_VERIFY_H_
