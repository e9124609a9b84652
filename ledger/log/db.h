// The LMDB store: one environment, its named tables, and RAII transactions.
//
// This is the only file that knows LMDB exists (db.cc is the only includer of lmdb.h). Keys of
// sequence-ordered tables are 8-byte big-endian integers written with Append (MDB_APPEND).
//
// Thread safety: Env is thread-safe. The environment is opened with MDB_NOTLS, so a read Txn may
// be used by any one thread at a time. LMDB allows one write Txn at a time; Vigil's writer
// thread is the only one that opens them while serving. Txn objects are not shared.
//
// Failure model: if a commit fails, the Env turns read-only for the rest of the process
// (BeginWrite returns kFailedPrecondition) rather than guessing what reached the disk. A write
// that runs out of map space returns kResourceExhausted; the caller aborts the transaction,
// calls Grow() and retries the whole batch.
#ifndef VIGIL_LEDGER_LOG_DB_H_
#define VIGIL_LEDGER_LOG_DB_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "keys/result.h"

struct MDB_env;
struct MDB_txn;

namespace vigil::db {

// Every named table in the store. Append new tables at the end, before kCount.
enum class Table : int {
  kMeta = 0,     // name -> value: origin, log public key, format version
  kEntries,      // seq (BE64) -> entry bytes (DESIGN §4.1)
  kHashes,       // post-order position (BE64) -> 32-byte complete-subtree hash
  kCheckpoints,  // tree size (BE64) -> signed checkpoint note
  kState,        // derived state: key (prefixed by record kind) -> value; see ledger/state.h
  kPersonal,     // seq (BE64) -> encrypted personal side data (DESIGN §4.1)
  kAccessLog,    // time ms (BE64) -> who read personal data, and which (not verified state)
  kCount
};
const char* TableName(Table table);

class Env;

// A transaction. Destroying an uncommitted Txn aborts it. Move-only.
// Values returned by Get/Scan are copies (or views valid only inside the callback).
class Txn {
 public:
  Txn(Txn&& other) noexcept;
  Txn& operator=(Txn&& other) noexcept;
  Txn(const Txn&) = delete;
  Txn& operator=(const Txn&) = delete;
  ~Txn();

  bool read_only() const { return read_only_; }

  // The value at `key`, std::nullopt if absent. Errors: kIoError.
  Result<std::optional<std::string>> Get(Table table, std::string_view key) const;

  // Inserts or replaces. Errors: kResourceExhausted (map full), kIoError.
  Status Put(Table table, std::string_view key, std::string_view value);
  // Inserts `key`, which must sort after every key already in `table` (MDB_APPEND).
  // Errors: kInternal if the key is out of order, kResourceExhausted, kIoError.
  Status Append(Table table, std::string_view key, std::string_view value);
  // Removes `key` if present (absent is not an error).
  Status Delete(Table table, std::string_view key);

  // Calls fn(key, value) for each key >= `start` in order until fn returns false.
  // The views are valid only during the call.
  using ScanFn = std::function<bool(std::string_view key, std::string_view value)>;
  Status Scan(Table table, std::string_view start, const ScanFn& fn) const;
  // Like Scan, backwards from the last key <= `start` (all keys if `start` is empty).
  Status ScanBack(Table table, std::string_view start, const ScanFn& fn) const;

  // The last (largest) key and its value, or std::nullopt if the table is empty.
  Result<std::optional<std::pair<std::string, std::string>>> Last(Table table) const;
  // Number of records in `table`.
  Result<uint64_t> Count(Table table) const;

  // Decoded forms of values (a record parsed once, say), shared by every transaction of the Env
  // and every thread. GetDecoded gives the form kept for `key` if it was made from exactly the
  // bytes this transaction reads there now, else nullptr: a form is never stale, whichever
  // transaction (a snapshot, an uncommitted or aborted write) read the bytes it was made from.
  // KeepDecoded offers `decoded`, made from the value this transaction reads at `key` now.
  // Each key must always be decoded by the same decoder, which alone casts its forms. A cache:
  // errors read as a miss, and it is emptied when it holds too many bytes.
  std::shared_ptr<const void> GetDecoded(Table table, std::string_view key) const;
  void KeepDecoded(Table table, std::string_view key, std::shared_ptr<const void> decoded) const;

  // Commits a write transaction durably (fsync). On failure the Env turns read-only.
  // A read transaction just ends. The Txn is finished either way.
  Status Commit();

 private:
  friend class Env;
  Txn(Env* env, MDB_txn* txn, bool read_only, std::shared_lock<std::shared_mutex> lock);
  void Abort();

  Env* env_ = nullptr;
  MDB_txn* txn_ = nullptr;
  bool read_only_ = true;
  std::shared_lock<std::shared_mutex> lock_;  // keeps Grow() out while the txn is open
};

struct EnvOptions {
  uint64_t initial_map_size = uint64_t{1} << 30;  // grows by doubling when full
  bool read_only = false;  // open the files read-only (verification of a copy)
};

class Env {
 public:
  // Opens (creating if needed, unless read_only) the store in directory `dir`, opens every
  // named table once, and clears stale reader slots left by dead processes.
  // Errors: kNotFound (no store and read_only), kIoError (with LMDB's reason).
  static Result<std::unique_ptr<Env>> Open(const std::string& dir, const EnvOptions& options = {});
  ~Env();
  Env(const Env&) = delete;
  Env& operator=(const Env&) = delete;

  Result<Txn> BeginRead();
  // Errors: kFailedPrecondition after a failed commit (sticky), or if opened read-only.
  Result<Txn> BeginWrite();

  // Doubles the map size. Waits for open transactions of this process to end.
  Status Grow();
  uint64_t map_size() const { return map_size_.load(); }

  // True once a commit has failed: every later write is refused until restart.
  bool failed() const { return failed_.load(); }

  // Writes a consistent, compacted copy of the store to `dir` (which must exist and be empty),
  // while the store stays in use (mdb_env_copy2 with MDB_CP_COMPACT).
  Status CopyTo(const std::string& dir);

  // Bytes of the data file on disk.
  Result<uint64_t> FileSize() const;

 private:
  friend class Txn;
  Env() = default;
  Result<Txn> Begin(bool read_only);

  MDB_env* env_ = nullptr;
  std::string dir_;
  unsigned dbi_[static_cast<int>(Table::kCount)] = {};
  bool read_only_ = false;
  std::atomic<uint64_t> map_size_{0};
  std::atomic<bool> failed_{false};
  std::shared_mutex resize_mu_;

  // Txn::GetDecoded's forms, by table byte + key, each with the value bytes it was made from.
  struct Decoded {
    std::string value;
    std::shared_ptr<const void> form;
  };
  static constexpr size_t kDecodedMaxBytes = size_t{16} << 20;
  std::mutex decoded_mu_;
  std::unordered_map<std::string, std::shared_ptr<const Decoded>>
      decoded_;               // GUARDED_BY(decoded_mu_)
  size_t decoded_bytes_ = 0;  // GUARDED_BY(decoded_mu_)
};

}  // namespace vigil::db

#endif  // VIGIL_LEDGER_LOG_DB_H_
