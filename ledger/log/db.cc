#include "ledger/log/db.h"

#include <lmdb.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <mutex>

namespace vigil::db {

namespace {

constexpr int kTableCount = static_cast<int>(Table::kCount);

MDB_val Val(std::string_view s) { return MDB_val{s.size(), const_cast<char*>(s.data())}; }
std::string_view View(const MDB_val& v) { return {static_cast<const char*>(v.mv_data), v.mv_size}; }

Status LmdbError(int rc, std::string_view what) {
  if (rc == MDB_MAP_FULL) {
    return Status(Code::kResourceExhausted, "store map is full during " + std::string(what));
  }
  return Status(Code::kIoError, std::string(what) + ": " + mdb_strerror(rc));
}

// RAII cursor.
class Cursor {
 public:
  Cursor(MDB_txn* txn, MDB_dbi dbi) { rc_ = mdb_cursor_open(txn, dbi, &c_); }
  ~Cursor() {
    if (c_ != nullptr) mdb_cursor_close(c_);
  }
  Cursor(const Cursor&) = delete;
  Cursor& operator=(const Cursor&) = delete;
  int rc() const { return rc_; }
  MDB_cursor* get() const { return c_; }

 private:
  MDB_cursor* c_ = nullptr;
  int rc_ = 0;
};

}  // namespace

const char* TableName(Table table) {
  switch (table) {
    case Table::kMeta:
      return "meta";
    case Table::kEntries:
      return "entries";
    case Table::kHashes:
      return "hashes";
    case Table::kCheckpoints:
      return "checkpoints";
    case Table::kState:
      return "state";
    case Table::kPersonal:
      return "personal";
    case Table::kAccessLog:
      return "access_log";
    case Table::kCount:
      break;
  }
  return "?";
}

// ---- Txn ----

Txn::Txn(Env* env, MDB_txn* txn, bool read_only, std::shared_lock<std::shared_mutex> lock)
    : env_(env), txn_(txn), read_only_(read_only), lock_(std::move(lock)) {}

Txn::Txn(Txn&& other) noexcept
    : env_(other.env_),
      txn_(other.txn_),
      read_only_(other.read_only_),
      lock_(std::move(other.lock_)) {
  other.txn_ = nullptr;
}

Txn& Txn::operator=(Txn&& other) noexcept {
  if (this != &other) {
    Abort();
    env_ = other.env_;
    txn_ = other.txn_;
    read_only_ = other.read_only_;
    lock_ = std::move(other.lock_);
    other.txn_ = nullptr;
  }
  return *this;
}

Txn::~Txn() { Abort(); }

void Txn::Abort() {
  if (txn_ != nullptr) {
    mdb_txn_abort(txn_);
    txn_ = nullptr;
  }
  if (lock_.owns_lock()) lock_.unlock();
}

Result<std::optional<std::string>> Txn::Get(Table table, std::string_view key) const {
  assert(txn_ != nullptr);
  MDB_val k = Val(key), v;
  int rc = mdb_get(txn_, env_->dbi_[static_cast<int>(table)], &k, &v);
  if (rc == MDB_NOTFOUND) return std::optional<std::string>();
  if (rc != 0) return LmdbError(rc, std::string("read of ") + TableName(table));
  return std::optional<std::string>(std::string(View(v)));
}

namespace {
std::string DecodedKey(Table table, std::string_view key) {
  std::string k(1, static_cast<char>(table));
  k += key;
  return k;
}
}  // namespace

std::shared_ptr<const void> Txn::GetDecoded(Table table, std::string_view key) const {
  assert(txn_ != nullptr);
  std::shared_ptr<const Env::Decoded> kept;
  {
    std::lock_guard<std::mutex> lock(env_->decoded_mu_);
    auto it = env_->decoded_.find(DecodedKey(table, key));
    if (it == env_->decoded_.end()) return nullptr;
    kept = it->second;
  }
  MDB_val k = Val(key), v;
  if (mdb_get(txn_, env_->dbi_[static_cast<int>(table)], &k, &v) != 0) return nullptr;
  return View(v) == kept->value ? kept->form : nullptr;
}

void Txn::KeepDecoded(Table table, std::string_view key,
                      std::shared_ptr<const void> decoded) const {
  assert(txn_ != nullptr);
  MDB_val k = Val(key), v;
  if (mdb_get(txn_, env_->dbi_[static_cast<int>(table)], &k, &v) != 0) return;
  auto kept =
      std::make_shared<const Env::Decoded>(Env::Decoded{std::string(View(v)), std::move(decoded)});
  std::lock_guard<std::mutex> lock(env_->decoded_mu_);
  if (env_->decoded_bytes_ + kept->value.size() > Env::kDecodedMaxBytes) {
    env_->decoded_.clear();
    env_->decoded_bytes_ = 0;
  }
  auto [it, added] = env_->decoded_.try_emplace(DecodedKey(table, key), kept);
  if (!added) {
    env_->decoded_bytes_ -= it->second->value.size();
    it->second = kept;
  }
  env_->decoded_bytes_ += kept->value.size();
}

Status Txn::Put(Table table, std::string_view key, std::string_view value) {
  assert(txn_ != nullptr && !read_only_);
  MDB_val k = Val(key), v = Val(value);
  int rc = mdb_put(txn_, env_->dbi_[static_cast<int>(table)], &k, &v, 0);
  if (rc != 0) return LmdbError(rc, std::string("write to ") + TableName(table));
  return Status::Ok();
}

Status Txn::Append(Table table, std::string_view key, std::string_view value) {
  assert(txn_ != nullptr && !read_only_);
  MDB_val k = Val(key), v = Val(value);
  int rc = mdb_put(txn_, env_->dbi_[static_cast<int>(table)], &k, &v, MDB_APPEND);
  if (rc == MDB_KEYEXIST) {
    return Status(Code::kInternal,
                  std::string("append out of key order in table ") + TableName(table));
  }
  if (rc != 0) return LmdbError(rc, std::string("append to ") + TableName(table));
  return Status::Ok();
}

Status Txn::Delete(Table table, std::string_view key) {
  assert(txn_ != nullptr && !read_only_);
  MDB_val k = Val(key);
  int rc = mdb_del(txn_, env_->dbi_[static_cast<int>(table)], &k, nullptr);
  if (rc != 0 && rc != MDB_NOTFOUND) {
    return LmdbError(rc, std::string("delete from ") + TableName(table));
  }
  return Status::Ok();
}

Status Txn::Scan(Table table, std::string_view start, const ScanFn& fn) const {
  Cursor c(txn_, env_->dbi_[static_cast<int>(table)]);
  if (c.rc() != 0) return LmdbError(c.rc(), "cursor open");
  MDB_val k = Val(start), v;
  int rc = start.empty() ? mdb_cursor_get(c.get(), &k, &v, MDB_FIRST)
                         : mdb_cursor_get(c.get(), &k, &v, MDB_SET_RANGE);
  while (rc == 0) {
    if (!fn(View(k), View(v))) return Status::Ok();
    rc = mdb_cursor_get(c.get(), &k, &v, MDB_NEXT);
  }
  if (rc != MDB_NOTFOUND) return LmdbError(rc, std::string("scan of ") + TableName(table));
  return Status::Ok();
}

Status Txn::ScanBack(Table table, std::string_view start, const ScanFn& fn) const {
  Cursor c(txn_, env_->dbi_[static_cast<int>(table)]);
  if (c.rc() != 0) return LmdbError(c.rc(), "cursor open");
  MDB_val k = Val(start), v;
  int rc;
  if (start.empty()) {
    rc = mdb_cursor_get(c.get(), &k, &v, MDB_LAST);
  } else {
    rc = mdb_cursor_get(c.get(), &k, &v, MDB_SET_RANGE);
    if (rc == MDB_NOTFOUND) {
      rc = mdb_cursor_get(c.get(), &k, &v, MDB_LAST);
    } else if (rc == 0 && View(k) > start) {
      rc = mdb_cursor_get(c.get(), &k, &v, MDB_PREV);
    }
  }
  while (rc == 0) {
    if (!fn(View(k), View(v))) return Status::Ok();
    rc = mdb_cursor_get(c.get(), &k, &v, MDB_PREV);
  }
  if (rc != MDB_NOTFOUND) return LmdbError(rc, std::string("scan of ") + TableName(table));
  return Status::Ok();
}

Result<std::optional<std::pair<std::string, std::string>>> Txn::Last(Table table) const {
  std::optional<std::pair<std::string, std::string>> out;
  Status s = ScanBack(table, "", [&](std::string_view k, std::string_view v) {
    out.emplace(std::string(k), std::string(v));
    return false;
  });
  if (!s.ok()) return s;
  return out;
}

Result<uint64_t> Txn::Count(Table table) const {
  MDB_stat st;
  int rc = mdb_stat(txn_, env_->dbi_[static_cast<int>(table)], &st);
  if (rc != 0) return LmdbError(rc, "stat");
  return static_cast<uint64_t>(st.ms_entries);
}

Status Txn::Commit() {
  assert(txn_ != nullptr);
  if (read_only_) {
    Abort();
    return Status::Ok();
  }
  int rc = mdb_txn_commit(txn_);
  txn_ = nullptr;
  if (lock_.owns_lock()) lock_.unlock();
  if (rc != 0) {
    env_->failed_.store(true);
    return Status(Code::kIoError, std::string("commit failed, the store is now read-only until "
                                              "restart: ") +
                                      mdb_strerror(rc));
  }
  return Status::Ok();
}

// ---- Env ----

Result<std::unique_ptr<Env>> Env::Open(const std::string& dir, const EnvOptions& options) {
  std::error_code ec;
  if (!std::filesystem::exists(dir + "/data.mdb", ec)) {
    if (options.read_only) return Status(Code::kNotFound, "no Vigil store in " + dir);
    std::filesystem::create_directories(dir, ec);
    if (ec) return Status(Code::kIoError, "cannot create " + dir + ": " + ec.message());
  }
  std::unique_ptr<Env> env(new Env());
  env->dir_ = dir;
  env->read_only_ = options.read_only;
  int rc = mdb_env_create(&env->env_);
  if (rc != 0) return LmdbError(rc, "mdb_env_create");
  mdb_env_set_maxdbs(env->env_, kTableCount);
  mdb_env_set_maxreaders(env->env_, 512);
  uint64_t map_size = options.initial_map_size;
  if (Result<uint64_t> fs = env->FileSize(); fs.ok() && *fs > map_size) {
    while (map_size < *fs) map_size *= 2;
  }
  rc = mdb_env_set_mapsize(env->env_, map_size);
  if (rc != 0) return LmdbError(rc, "mdb_env_set_mapsize");
  unsigned flags = MDB_NOTLS | (options.read_only ? MDB_RDONLY : 0u);
  rc = mdb_env_open(env->env_, dir.c_str(), flags, 0600);
  if (rc != 0) return LmdbError(rc, "cannot open the store in " + dir);
  MDB_envinfo info;
  mdb_env_info(env->env_, &info);
  env->map_size_.store(info.me_mapsize);
  // A truncated file (an insider's edit, a bad copy) would be read past its end through the
  // map, a SIGBUS; every page up to the last one the meta page names must be in the file.
  MDB_stat st;
  mdb_env_stat(env->env_, &st);
  if (Result<uint64_t> fs = env->FileSize();
      fs.ok() && (static_cast<uint64_t>(info.me_last_pgno) + 1) * st.ms_psize > *fs) {
    return Status(Code::kCorruption,
                  "the store in " + dir + " is truncated: " + std::to_string(*fs) +
                      " bytes, its last page ends at byte " +
                      std::to_string((static_cast<uint64_t>(info.me_last_pgno) + 1) * st.ms_psize));
  }
  int dead = 0;
  mdb_reader_check(env->env_, &dead);  // frees slots of crashed readers

  // Open every table once, in one transaction; the handles stay valid for the Env's life.
  MDB_txn* txn = nullptr;
  rc = mdb_txn_begin(env->env_, nullptr, options.read_only ? MDB_RDONLY : 0u, &txn);
  if (rc != 0) return LmdbError(rc, "begin");
  for (int i = 0; i < kTableCount; ++i) {
    MDB_dbi dbi;
    rc = mdb_dbi_open(txn, TableName(static_cast<Table>(i)),
                      options.read_only ? 0u : static_cast<unsigned>(MDB_CREATE), &dbi);
    if (rc != 0) {
      mdb_txn_abort(txn);
      if (rc == MDB_NOTFOUND) {
        return Status(Code::kCorruption, std::string("the store in ") + dir + " has no table '" +
                                             TableName(static_cast<Table>(i)) + "'");
      }
      return LmdbError(rc, std::string("open table ") + TableName(static_cast<Table>(i)));
    }
    env->dbi_[i] = dbi;
  }
  rc = mdb_txn_commit(txn);
  if (rc != 0) return LmdbError(rc, "commit of table handles");
  return env;
}

Env::~Env() {
  if (env_ != nullptr) mdb_env_close(env_);
}

Result<Txn> Env::Begin(bool read_only) {
  std::shared_lock<std::shared_mutex> lock(resize_mu_);
  MDB_txn* txn = nullptr;
  int rc = mdb_txn_begin(env_, nullptr, read_only ? MDB_RDONLY : 0u, &txn);
  if (rc != 0) return LmdbError(rc, "begin transaction");
  return Txn(this, txn, read_only, std::move(lock));
}

Result<Txn> Env::BeginRead() { return Begin(true); }

Result<Txn> Env::BeginWrite() {
  if (read_only_) return Status(Code::kFailedPrecondition, "the store was opened read-only");
  if (failed_.load()) {
    return Status(Code::kFailedPrecondition,
                  "the store refused writes after a failed commit; restart the server once the "
                  "disk problem is fixed");
  }
  return Begin(false);
}

Status Env::Grow() {
  std::unique_lock<std::shared_mutex> lock(resize_mu_);
  uint64_t next = map_size_.load() * 2;
  int rc = mdb_env_set_mapsize(env_, next);
  if (rc != 0) return LmdbError(rc, "growing the map");
  map_size_.store(next);
  return Status::Ok();
}

Status Env::CopyTo(const std::string& dir) {
  int rc = mdb_env_copy2(env_, dir.c_str(), MDB_CP_COMPACT);
  if (rc != 0) return LmdbError(rc, "copy to " + dir);
  return Status::Ok();
}

Result<uint64_t> Env::FileSize() const {
  struct stat st;
  if (::stat((dir_ + "/data.mdb").c_str(), &st) != 0) {
    return Status(Code::kIoError, "stat " + dir_ + "/data.mdb: " + std::strerror(errno));
  }
  return static_cast<uint64_t>(st.st_size);
}

}  // namespace vigil::db
