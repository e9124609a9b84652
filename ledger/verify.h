// Offline verification of a whole store (DESIGN §7): every entry's bytes, position and hash
// chain link, every signature, every rule (by replaying the state machine from entry 0), every
// stored tree hash, every checkpoint's signature and root, and the stored derived state against
// the replay, and the personal side data (verify_personal.h). Reads the store only; needs no
// secret key, but given the personal key it also opens and re-checks every personal record.
#ifndef VIGIL_LEDGER_VERIFY_H_
#define VIGIL_LEDGER_VERIFY_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "keys/note.h"
#include "keys/result.h"
#include "ledger/layering.h"
#include "ledger/log/checkpoint.h"
#include "ledger/log/entry.h"
#include "ledger/state/payload.h"
#include "ledger/state/state.h"
#include "ledger/state/state_store.h"

namespace vigil {

struct VerifyOptions {
  // The log's verifier key from a trusted source. Without it the key recorded in the store is
  // used, which proves internal consistency but not who signed.
  std::optional<NoteVerifier> log_key;
  // A checkpoint note saved earlier (e.g. by a monitor): the log must extend it. A smaller
  // log is a rollback, a different root at its size a fork.
  std::optional<std::string> saved_checkpoint;
  // A keys directory holding personal.key and personal.slots (opened read-only): every sealed
  // personal record is then opened for its own entry and its commitment re-checked from the
  // sealed salt and data, and every erased record's key must be destroyed. Without it only the
  // personal table's shape is checked (verify_personal.h).
  std::optional<std::string> personal_keys;
  bool all_errors = false;  // keep going after the first damaged entry
  // Threads for the order-independent work (leaf hashes, decoding, parsing, Ed25519 checks of
  // entries and checkpoints); 0 means one per core. The order-dependent checks (chain, state
  // replay) run on one more thread, overlapped with the next chunk's parallel work. The report
  // is the same for every value.
  int threads = 0;
  // Entries per chunk of that work (tests make it small to cross many chunk boundaries).
  size_t chunk_entries = 4096;
  // Called now and then with (entries done, total); for progress bars.
  std::function<void(uint64_t, uint64_t)> progress;
};

struct VerifyProblem {
  std::optional<uint64_t> seq;  // the entry concerned, when there is one
  std::string what;             // what is wrong, in words
};

struct VerifyReport {
  uint64_t size = 0;                 // entries checked
  std::optional<Checkpoint> latest;  // the newest valid checkpoint
  uint64_t checkpoints = 0;          // checkpoints checked
  uint64_t state_records = 0;        // derived-state records compared
  uint64_t personal_sealed = 0;      // sealed personal records checked
  uint64_t personal_erased = 0;      // erased ones (tombstones)
  uint64_t personal_opened = 0;      // sealed ones opened and re-checked (with personal_keys)
  std::vector<VerifyProblem> problems;
  bool ok() const { return problems.empty(); }
};

// The per-entry checks of verification, in log order: canonical bytes, leaf hash, hash chain,
// time order, payload-id reuse, signatures and every rule (by replaying the state machine into
// memory). Prepare does the order-independent work of a chunk of entries on `threads` threads
// (hashing, decoding, parsing, and Ed25519 checks against every key the log has declared so
// far); Replay then runs the order-dependent checks on the calling thread, passing the
// pre-checked signatures to Apply (which still decides which key counts and whether it is
// revoked). Prepare and Replay touch disjoint members: Replay of chunk k may run on one thread
// while chunk k+1 is prepared on others. Chunks must be prepared and replayed in log order.
// VerifyStore uses it over a store; the monitor (`vigil verify --server`) over the entries it
// downloads, saving the replay between runs (Restore).
class EntryReplay {
 public:
  struct Item {
    uint64_t seq = 0;
    std::string bytes;
    std::optional<Hash> stored_leaf;  // the leaf hash stored at append time, when known
  };
  struct Prepared {
    Hash leaf{};
    std::optional<Result<Entry>> entry;
    std::optional<Result<Payload>> payload;
    VerifiedSignatures verified;
  };
  struct Chunk {
    std::vector<Item> items;
    std::vector<Prepared> prepared;  // filled by Prepare
  };
  // Called with each entry's leaf hash in order, before its other checks; an error stops
  // verification with a problem naming the entry.
  using LeafFn = std::function<Status(uint64_t seq, const Hash& leaf)>;

  // Checks signatures made for the log `origin` (its checkpoints' first line).
  explicit EntryReplay(std::string origin, int threads = 0);

  void Prepare(Chunk& chunk);
  // Checks the entries of a prepared chunk in order, appending problems. Returns false when
  // verification must stop (a problem and not `all_errors`, or a problem after which later
  // entries cannot be judged).
  bool Replay(const Chunk& chunk, bool all_errors, std::vector<VerifyProblem>& problems,
              const LeafFn& on_leaf = nullptr);

  // Where the replay stands: the next entry expected, the previous entry's leaf hash, the
  // latest time seen, and the replayed state.
  uint64_t next_seq() const { return next_seq_; }
  const Hash& prev() const { return prev_; }
  int64_t last_ts() const { return last_ts_; }
  const MemoryStateStore& state() const { return state_; }
  // Continues a replay saved earlier (the monitor's state file). Keys declared by entries
  // before `next_seq` are recovered from `state` so their signatures can be pre-checked.
  Status Restore(uint64_t next_seq, const Hash& prev, int64_t last_ts, MemoryStateStore state);

  int threads() const { return threads_; }

 private:
  const std::string origin_;
  int threads_;
  // Written by Prepare only: key id -> every public key with that id any entry has declared.
  std::unordered_map<std::string, std::vector<PublicKey>> declared_;
  // Written by Replay only.
  uint64_t next_seq_ = 0;
  Hash prev_{};
  int64_t last_ts_ = 0;
  MemoryStateStore state_;
};

// Runs fn(i) for i in [0, n) on `threads` threads (the caller's included).
void ParallelFor(size_t n, int threads, const std::function<void(size_t)>& fn);

// Verifies the store under data directory `dir` (<dir>/store). Integrity failures are in the
// report (ok() false); the Status is an error only when the store cannot be read at all
// (kNotFound, kIoError), or options.personal_keys cannot be opened (PersonalVault::Open).
Result<VerifyReport> VerifyStore(const std::string& dir, const VerifyOptions& options);

}  // namespace vigil

#endif  // VIGIL_LEDGER_VERIFY_H_
