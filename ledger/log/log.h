// The transparency log: entries, their hash chain and Merkle tree, checkpoints, tiles and
// receipts over one LMDB store. Entries are opaque here: an Admission (ledger/log/admission.h)
// judges each submission inside the batch transaction and keeps whatever it derives in the
// same store; the log knows nothing of what a payload means.
//
// Layout of a data directory (the log's part; the layer above adds its own keys):
//   <dir>/keys/log.key        the log's checkpoint-signing key (secret, mode 0600)
//   <dir>/keys/log.pub        its public key
//   <dir>/store/data.mdb      the LMDB store (ledger/log/db.h)
//   <dir>/store/writer.lock   held (flock) by the one process that may append
//   <dir>/checkpoint.last     the last checkpoint this log signed, outside the store, in two
//   <dir>/checkpoint.last.1   slots written alternately (docs/formats.md "The last-checkpoint
//                             file"): written durably after every commit that signed one,
//                             before any receipt of the batch exists; checked at Open, so a
//                             store restored from an older backup cannot sign a fork of what
//                             was published
//
// Thread safety: reads are thread-safe and never block appends. AppendBatch/Place must be
// called by one thread at a time (the Writer's); it is the only writer of the log's tables.
#ifndef VIGIL_LEDGER_LOG_LOG_H_
#define VIGIL_LEDGER_LOG_LOG_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "keys/file.h"
#include "keys/key.h"
#include "keys/note.h"
#include "keys/result.h"
#include "ledger/log/admission.h"
#include "ledger/log/db.h"
#include "ledger/log/entry.h"
#include "ledger/log/receipt.h"
#include "ledger/log/tile.h"

namespace vigil {

// Where one accepted submission landed.
struct Placed {
  uint64_t seq = 0;
  bool duplicate = false;  // true: an idempotent resend; seq is the original's
  // For an entry this batch wrote: all its receipt needs but the inclusion proof, so that the
  // submitter's thread does not read them back from the store (Log::ReceiptFor(Placed)).
  struct Written {
    int64_t ts_ms = 0;
    Hash leaf{};
    std::string entry;       // the entry bytes
    uint64_t tree_size = 0;  // size of the batch's checkpoint
    std::string checkpoint;  // the batch's signed checkpoint note
  };
  std::optional<Written> written;
};

// The outcome of one accepted submission.
struct Appended {
  Receipt receipt;
  bool duplicate = false;  // true: an idempotent resend; the receipt is the original one
};

// Facts about a log that never change after Init.
struct LogInfo {
  std::string origin;
  PublicKey public_key;      // verifies checkpoints
  std::string verifier_key;  // C2SP verifier key string
  NoteVerifier verifier() const;
};

class Log {
 public:
  // Creates an empty log in `dir`: the log key pair and the store with its origin, public key
  // and format. Refuses (kConflict) if `dir` already holds a log; kInvalidArgument for an
  // origin with spaces, '+' or newlines (it is the checkpoint's first line and key name).
  static Result<LogInfo> Create(const std::string& dir, const std::string& origin);

  // Opens an existing log to append to it (loads keys/log.key) and takes the store's writer
  // lock, so two processes can never append to one log. `*admission` judges every submission
  // and must remain live while the Log is in use. Errors: kNotFound (no log),
  // kPermissionDenied (key file too open), kCorruption (key does not match the store),
  // kFailedPrecondition (another process holds the writer lock, or another store format).
  // Then checks the store against <dir>/checkpoint.last (CheckpointFilePath): a store behind
  // the last checkpoint it signed (fewer entries, or another tree at that size) opens with
  // signing held (HoldSigning, RollbackHeld) and a message naming the sizes and the recovery;
  // a missing file over a store with entries is written from the store (a store from before
  // the file existed, or a restore into a fresh directory).
  static Result<std::unique_ptr<Log>> Open(const std::string& dir, Admission* admission);
  // Ok if `dir` holds a log's store; kNotFound (saying how to create one) otherwise.
  static Status CheckExists(const std::string& dir);
  ~Log();
  Log(const Log&) = delete;
  Log& operator=(const Log&) = delete;

  // Reads the static facts of a store without any secret key (verification, backup).
  static Result<LogInfo> ReadInfo(const db::Txn& txn);
  // Takes the writer lock of the log in `dir` (<dir>/store/writer.lock) for as long as the
  // FileLock lives: the one protocol by which serve, demo --offline and restore exclude each
  // other. kFailedPrecondition if another process holds it.
  static Result<FileLock> LockWriter(const std::string& dir);

  const LogInfo& info() const { return info_; }
  // False once a commit failed: the store refuses writes until restart (db.h).
  bool writable() const { return !env_->failed(); }

  // Holds signing: from now on Place refuses every submission (kFailedPrecondition, with `why`)
  // and no new checkpoint is signed, until the process restarts. For a store found behind a
  // checkpoint already published (a restore from an old backup, a witness holding a larger
  // tree): signing on from there would fork the log. The first reason given is kept.
  // Thread-safe.
  void HoldSigning(std::string why);
  // Why signing is held, or nullopt. Thread-safe.
  std::optional<std::string> SigningHeld() const;

  // The entry Place makes of `sub` as entry `seq` after the leaf `prev`, stamped
  // max(now_ms, last_ts_ms) (a log's time never goes back), and its encoding in `*encoded`.
  // kInvalidArgument when the encoding is over Entry::kMaxSize. Also used by dry runs
  // (ledger/dry_run.h), so a record is judged on exactly the entry an append would make.
  static Result<Entry> EntryFor(const Submission& sub, uint64_t seq, const Hash& prev,
                                int64_t last_ts_ms, int64_t now_ms, std::string* encoded);

  // ---- the last-checkpoint file (no fork after a restore) ----

  // <dir>/checkpoint.last: the first of the file's two slots (formats.md §9.6), each a signed
  // checkpoint note, verbatim; the newest that verifies is the last checkpoint the log signed.
  static std::string CheckpointFilePath(const std::string& dir);
  // Both slots: <dir>/checkpoint.last and <dir>/checkpoint.last.1.
  static std::array<std::string, 2> CheckpointFilePaths(const std::string& dir);
  // The last checkpoint the log in `dir` signed, as kept in its slots: the note of the larger
  // size among those that verify with `log`; if neither verifies, the bytes of the first slot
  // that exists (for the caller to report); kNotFound if neither exists; kIoError if a slot
  // cannot be read.
  static Result<std::string> ReadCheckpointFile(const std::string& dir, const NoteVerifier& log);
  // True when Open held signing because the store is behind <dir>/checkpoint.last (or the
  // file does not verify). Thread-safe.
  bool RollbackHeld() const { return rollback_held_.load(); }
  // The forced override (`vigil accept-rollback`, docs/operator.md): appends `record` — which
  // must state the checkpoint it abandons and why; the caller writes it — although signing is
  // held for a rollback, then (as every append does) replaces <dir>/checkpoint.last with the
  // new checkpoint and lifts the hold. kFailedPrecondition if signing is not held for a
  // rollback (held for another reason, or not at all); the record's own refusal otherwise,
  // with the hold kept. Call from the one writing thread, with no Writer running.
  Result<Placed> AcceptRollback(const Submission& record, int64_t now_ms);
  // The store's current map size in bytes (it doubles when full).
  uint64_t map_size() const { return env_->map_size(); }
  // Writes a consistent, compacted copy of the store to `dir` (existing and empty) while the
  // log stays in use (db::Env::CopyTo).
  Status CopyTo(const std::string& dir) { return env_->CopyTo(dir); }

  // Appends `subs` in one durable transaction; result i belongs to subs[i]. Refused records
  // get their Status (nothing of them is written); accepted ones their receipt. Ordering of
  // accepted records follows `subs`. `now_ms` is the acceptance time (the log's ts never
  // decreases). A full map is grown and the batch retried. If the commit fails, every
  // result is kIoError and the store turns read-only. Call from one thread at a time.
  std::vector<Result<Appended>> AppendBatch(const std::vector<Submission>& subs, int64_t now_ms);
  // AppendBatch without the receipts: the Writer makes those on the submitters' threads.
  std::vector<Result<Placed>> Place(const std::vector<Submission>& subs, int64_t now_ms);

  // The admission's order-free work on `sub` (Admission::Prepare) against the store as it is
  // now. Thread-safe and lock-free with respect to appends.
  void Prepare(Submission& sub);

  // Number of entries (committed). A mirror opened to serve reads it from the store, which
  // another process (`vigil mirror`) may be appending to.
  uint64_t Size() const { return follows_store_ ? StoreSize() : size_.load(); }

  // ---- mirrors: a verified copy of another log (cli/mirror_command.cc) ----
  // A mirror store holds the upstream log's entries, tree, derived state and signed checkpoint
  // notes in the same layout as the log's own, but no log key: it appends only entries the
  // upstream already sequenced and signed (Replicate), and refuses submissions. Its meta table
  // names the upstream (the mirror marker) until Promote makes it a primary.

  // Creates an empty mirror store in `dir` for the log `origin` whose checkpoints verify with
  // `public_key`, following `upstream` (a URL, for messages). kConflict if `dir` already
  // holds a log; kInvalidArgument for a bad origin (as Create).
  static Status CreateMirror(const std::string& dir, const std::string& origin,
                             const PublicKey& public_key, const std::string& upstream);
  // The upstream's URL when the store is a mirror; nullopt for a primary.
  static Result<std::optional<std::string>> MirrorOf(const db::Txn& txn);
  // How many leading entries were replicated from another log rather than admitted here: the
  // size at promotion for a promoted mirror, the whole log for a mirror, 0 for a log that
  // never was one. (Side data admitted with those entries, e.g. personal data, is not held.)
  static Result<uint64_t> ReplicatedUntil(const db::Txn& txn);
  // Opens the mirror in `dir`. `replicate`: take the writer lock, to Replicate (one process
  // at a time, the same lock as Open's); otherwise only read (`vigil serve` on a mirror, which
  // may run beside `vigil mirror`; Size() then follows the store). Either way Place and
  // AppendBatch refuse every submission (kFailedPrecondition, "a read-only mirror of
  // <origin>"). `*admission` must outlive the Log. Errors: kNotFound (no log, or a
  // primary's), kFailedPrecondition (the writer lock is held), those of ReadInfo.
  static Result<std::unique_ptr<Log>> OpenMirror(const std::string& dir, Admission* admission,
                                                 bool replicate);
  bool is_mirror() const { return !log_key_.has_value(); }

  // One entry of the upstream, as it serves it, and what the admission knows of it.
  struct Replica {
    std::string bytes;
    std::shared_ptr<Attachment> attachment;  // handed to Admission::Admit in the Submission
  };
  // Appends `entries` (the upstream's bytes, in order, continuing this store) in one durable
  // transaction, never signing: each must decode canonically, carry the next seq, link to the
  // previous leaf and not go back in time, and be admitted by the admission (which writes the
  // derived state; a refusal or a resend is corruption of the upstream). With `checkpoint`,
  // the upstream's signed note must verify with the log key, be of the new size, and have the
  // root of the stored tree at that size; it is then stored verbatim as the latest checkpoint
  // (also with no entries, replacing the note stored at the same size). Nothing is written
  // when anything fails: kCorruption naming the entry or the note, store errors as Place.
  // Only on a mirror opened to replicate; one thread at a time.
  Status Replicate(const std::vector<Replica>& entries,
                   const std::optional<std::string>& checkpoint);
  // The hashes of the stored tree's right edge at the current size (merkle::Frontier order:
  // largest subtree first), so a mirror can extend it as it downloads.
  Result<std::vector<Hash>> FrontierNodes();

  // Turns the mirror in `dir` into a primary: records ReplicatedUntil = the current size and
  // removes the mirror marker (one commit), then writes `log_key` as keys/log.key (mode 0600),
  // so that Open then appends and signs. Refused unless `log_key` matches the store's public
  // key. Run again after a crash between the two steps, it writes the key. The caller holds
  // `lock` (LockWriter(dir)) and has verified the store. Errors: kFailedPrecondition (not a
  // mirror, or a key file already in it), kInvalidArgument (key mismatch), I/O errors.
  static Status Promote(const std::string& dir, const SecretKey& log_key, const FileLock& lock);

  // ---- reads: thread-safe, each in its own read transaction ----

  // A read transaction over the whole store (the log's tables and the admission's), for the
  // layer above; it sees one committed log size.
  Result<db::Txn> BeginRead();
  // A write transaction for a side table the log never reads (e.g. the personal-data access
  // log), serialised with the writer by LMDB. Never for the log's own tables.
  Result<db::Txn> BeginSideWrite();

  // The latest signed checkpoint note.
  Result<std::string> LatestCheckpoint();
  // The entry bytes at `seq`; kNotFound past the end.
  Result<std::string> EntryAt(uint64_t seq);
  // The receipt of the entry at `seq`: its batch's checkpoint and inclusion proof.
  Result<Receipt> ReceiptFor(uint64_t seq);
  // The same for a result of Place: only the inclusion proof is read when it wrote the entry.
  Result<Receipt> ReceiptFor(Placed placed);
  // Proofs against tree sizes up to the current size (kInvalidArgument otherwise).
  Result<std::vector<Hash>> InclusionProof(uint64_t seq, uint64_t size);
  Result<std::vector<Hash>> ConsistencyProof(uint64_t from, uint64_t to);
  // Hash tile or entry bundle bytes; kNotFound if the tile is not complete at this width.
  Result<std::string> ReadTile(const TileRef& tile);

 private:
  Log() = default;
  // Opens the store of the log in `dir` into env_ and reads its facts into info_ (Open and
  // OpenMirror).
  Status OpenStore(const std::string& dir);
  Status LoadTail();
  uint64_t StoreSize() const;  // entries in the store (0 when it cannot be read)
  // Place without the hold check (Place and AcceptRollback).
  std::vector<Result<Placed>> PlaceBatch(const std::vector<Submission>& subs, int64_t now_ms);
  // Open's check of the store against checkpoint_file_ (holds signing if behind).
  Status CheckLastCheckpoint();
  // Writes `note` durably over the slot of <dir>/checkpoint.last that does not hold the newest
  // note (in place, one fdatasync), then makes that slot the newest; with `both`, over both
  // slots (accept-rollback: the abandoned note must go from both).
  Status RecordCheckpoint(const std::string& note, bool both = false);

  // Declared first so it is released last: the store closes before the lock is dropped.
  FileLock writer_lock_;
  std::unique_ptr<db::Env> env_;
  std::optional<SecretKey> log_key_;
  Admission* admission_ = nullptr;
  LogInfo info_;
  std::atomic<uint64_t> size_{0};
  mutable std::mutex held_mu_;
  std::optional<std::string> held_;              // GUARDED_BY(held_mu_): why signing is held
  std::atomic<bool> rollback_held_{false};       // held_ was set by CheckLastCheckpoint
  std::array<std::string, 2> checkpoint_slots_;  // CheckpointFilePaths(dir)
  int next_slot_ = 0;  // the slot RecordCheckpoint writes next (writer-only)
  // Writer-only tail of the chain.
  Hash last_leaf_{};
  int64_t last_ts_ = 0;
  bool follows_store_ = false;  // a mirror opened to serve: Size() reads the store
};

// The Merkle tree's stored nodes, read through a transaction (for merkle::NodeReader).
Result<Hash> ReadNode(const db::Txn& txn, int level, uint64_t index);
// Adds leaf `index` (the next one) to the stored tree: the leaf hash and every node it
// completes, under their post-order positions (MDB_APPEND: the keys only grow).
Status AppendLeaf(db::Txn& txn, uint64_t index, const Hash& leaf);
// Log::ReadTile for a tree of `size` leaves, through a transaction.
Result<std::string> ReadTileAt(const db::Txn& txn, uint64_t size, const TileRef& tile);

}  // namespace vigil

#endif  // VIGIL_LEDGER_LOG_LOG_H_
