// The log: entries, their hash chain and Merkle tree, checkpoints, tiles and receipts over one
// LMDB store, plus the derived state the state machine keeps in the same transactions.
//
// Layout of a data directory:
//   <dir>/keys/log.key        the log's checkpoint-signing key (secret, mode 0600)
//   <dir>/keys/authority.key  the first authority's key (secret, mode 0600; move it offline)
//   <dir>/keys/personal.key   encrypts personal side data at rest (secret, mode 0600)
//   <dir>/keys/*.pub          their public keys
//   <dir>/store/data.mdb      the LMDB store (ledger/db.h)
//
// Thread safety: reads are thread-safe and never block appends. AppendBatch must be called by
// one thread at a time (the Writer's); it is the only writer of the store.
#ifndef VIGIL_LEDGER_LOG_H_
#define VIGIL_LEDGER_LOG_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "keys/key.h"
#include "keys/note.h"
#include "keys/result.h"
#include "ledger/db.h"
#include "ledger/entry.h"
#include "ledger/payload.h"
#include "ledger/personal.h"
#include "ledger/receipt.h"
#include "ledger/state.h"
#include "ledger/tile.h"

namespace vigil {

// What a client sends to append one record (DESIGN §6, POST /v1/entries).
struct Submission {
  std::string signer;   // key id
  std::string payload;  // the payload bytes exactly as signed
  std::string sig;      // 64 raw bytes
  std::vector<Cosignature> cosigners;
  // Personal side data (ledger/personal.h): the JSON object's bytes and the base64 salt, or
  // both empty. Required exactly when the payload has a personal_commitment.
  std::string personal;
  std::string personal_salt;

  // Work done by Log::Prepare on the submitter's own thread so that the single writer thread
  // need not: the parsed payload, and the signatures that verified with the keys registered
  // when it ran. Empty unless Prepare ran; AppendBatch re-checks every rule either way.
  std::optional<Result<Payload>> parsed;
  VerifiedSignatures verified;
};

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
  PublicKey public_key;       // verifies checkpoints
  std::string verifier_key;   // C2SP verifier key string
  nlohmann::json jurisdiction;  // from the genesis registration
  NoteVerifier verifier() const;
};

struct InitOptions {
  std::string origin;                  // e.g. "vigil.hanoi.example/log"
  std::string authority_id = "authority";
  std::string authority_name = "Authority";
  nlohmann::json jurisdiction = nlohmann::json::object();  // {"province","commune"}
};

class Log {
 public:
  // Creates a new log in `dir`: both keys, the store and entry 0, in which the authority
  // registers itself with its own key. Refuses (kConflict) if `dir` already holds a log.
  // Returns the LogInfo (print its verifier_key for outside verifiers).
  static Result<LogInfo> Init(const std::string& dir, const InitOptions& options);

  // Opens an existing log to serve it (loads keys/log.key) and takes the store's writer lock
  // (<dir>/store/writer.lock), so two processes can never append to one log. Errors:
  // kNotFound (no log), kPermissionDenied (key file too open), kCorruption (key does not match
  // the store), kFailedPrecondition (another process has the log open for writing).
  static Result<std::unique_ptr<Log>> Open(const std::string& dir);
  ~Log();

  // Reads the static facts of the store in `dir` without any secret key (verification).
  static Result<LogInfo> ReadInfo(db::Txn& txn);

  const LogInfo& info() const { return info_; }
  db::Env& env() { return *env_; }

  // Appends `subs` in one durable transaction; result i belongs to subs[i]. Rejected records
  // get their Status (nothing of them is written); accepted ones their receipt. Ordering of
  // accepted records follows `subs`. `now_ms` is the acceptance time (the log's ts never
  // decreases). A full map is grown and the batch retried. If the commit fails, every
  // result is kIoError and the store turns read-only. Call from one thread at a time.
  std::vector<Result<Appended>> AppendBatch(const std::vector<Submission>& subs, int64_t now_ms);
  // AppendBatch without the receipts: the Writer makes those on the submitters' threads.
  std::vector<Result<Placed>> Place(const std::vector<Submission>& subs, int64_t now_ms);

  // Parses `sub`'s payload and verifies its signatures against the keys registered now, filling
  // sub.parsed and sub.verified. Thread-safe and lock-free with respect to appends, so the
  // Ed25519 work of many submitters runs in parallel before the writer takes them.
  void Prepare(Submission& sub);

  // Number of entries (committed).
  uint64_t Size() const { return size_.load(); }

  // ---- reads: thread-safe, each in its own read transaction ----

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
  // The decrypted personal side data of entry `seq`; nullopt if it has none or it was erased.
  // Every call is recorded first in the access log (`reader` says who), durably: no record,
  // no data.
  Result<std::optional<std::string>> ReadPersonal(uint64_t seq, const nlohmann::json& reader);
  // The access log of personal data, newest first: [{"at","seq",...reader}].
  Result<nlohmann::json> PersonalAccessLog(size_t limit);

 private:
  Log() = default;
  Status LoadTail();

  std::unique_ptr<db::Env> env_;
  std::optional<SecretKey> log_key_;
  std::optional<PersonalVault> vault_;
  int lock_fd_ = -1;  // holds an exclusive flock for the Log's life
  LogInfo info_;
  std::atomic<uint64_t> size_{0};
  std::mutex access_mu_;  // orders access-log keys
  // Writer-only tail of the chain.
  Hash last_leaf_{};
  int64_t last_ts_ = 0;
};

// The Merkle tree's stored nodes, read through a transaction (for merkle::NodeReader).
Result<Hash> ReadNode(const db::Txn& txn, int level, uint64_t index);
// Adds leaf `index` (the next one) to the stored tree: the leaf hash and every node it
// completes, under their post-order positions (MDB_APPEND: the keys only grow).
Status AppendLeaf(db::Txn& txn, uint64_t index, const Hash& leaf);
// Log::ReadTile for a tree of `size` leaves, through a transaction.
Result<std::string> ReadTileAt(const db::Txn& txn, uint64_t size, const TileRef& tile);

}  // namespace vigil

#endif  // VIGIL_LEDGER_LOG_H_
