#include "ledger/log/log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "keys/coding.h"
#include "ledger/log/checkpoint.h"
#include "ledger/log/merkle.h"

namespace vigil {

namespace fs = std::filesystem;
using db::Table;

namespace {

constexpr char kMetaOrigin[] = "origin";
constexpr char kMetaLogKey[] = "log_public_key";
constexpr char kMetaFormat[] = "format";
// The store layout this build reads and writes: "4" binds every signature to the log's origin
// (keys/key.h SignContext) and seals personal data per record, bound to its entry, with its key
// in keys/personal.slots (ledger/personal.h, docs/formats.md "Personal data"); formats 1 to 3
// differ in the derived state's layout (ledger/state_codec.h, docs/formats.md §15), signed
// without the origin and sealed personal data with secretbox under personal.key alone.
constexpr char kStoreFormat[] = "4";
// A mirror's marker: the upstream's URL; absent on a primary (Log::CreateMirror, Promote).
constexpr char kMetaMirrorOf[] = "mirror_of";
// Set by Promote: the decimal count of leading entries replicated from the upstream.
constexpr char kMetaReplicatedUntil[] = "replicated_until";

std::string StoreDir(const std::string& dir) { return dir + "/store"; }
std::string KeysDir(const std::string& dir) { return dir + "/keys"; }

merkle::NodeReader Reader(const db::Txn& txn) {
  return [&txn](int level, uint64_t index) { return ReadNode(txn, level, index); };
}

}  // namespace

bool IsBatchFatal(const Status& s) {
  return s.code() == Code::kIoError || s.code() == Code::kResourceExhausted ||
         s.code() == Code::kCorruption || s.code() == Code::kInternal ||
         s.code() == Code::kFailedPrecondition;
}

NoteVerifier LogInfo::verifier() const {
  return NoteVerifier{origin, NoteKeyHash(origin, public_key), public_key};
}

Result<Hash> ReadNode(const db::Txn& txn, int level, uint64_t index) {
  Result<std::optional<std::string>> v =
      txn.Get(Table::kHashes, EncodeBigEndian64(merkle::PostOrderPosition(level, index)));
  if (!v.ok()) return v.status();
  if (!v->has_value()) {
    return Status(Code::kNotFound, "no tree node at level " + std::to_string(level) + " index " +
                                       std::to_string(index));
  }
  if ((*v)->size() != 32) return Status(Code::kCorruption, "stored tree hash is not 32 bytes");
  Hash h;
  std::copy((*v)->begin(), (*v)->end(), reinterpret_cast<char*>(h.data()));
  return h;
}

Status AppendLeaf(db::Txn& txn, uint64_t index, const Hash& leaf) {
  Result<std::vector<merkle::Node>> nodes = merkle::NodesCompletedBy(index, leaf, Reader(txn));
  if (!nodes.ok()) return nodes.status();
  for (const merkle::Node& n : *nodes) {
    VIGIL_RETURN_IF_ERROR(txn.Append(Table::kHashes,
                                     EncodeBigEndian64(merkle::PostOrderPosition(n.level, n.index)),
                                     AsView(n.hash)));
  }
  return Status::Ok();
}

Result<LogInfo> Log::ReadInfo(const db::Txn& txn) {
  LogInfo info;
  Result<std::optional<std::string>> origin = txn.Get(Table::kMeta, kMetaOrigin);
  Result<std::optional<std::string>> key = txn.Get(Table::kMeta, kMetaLogKey);
  if (!origin.ok()) return origin.status();
  if (!key.ok()) return key.status();
  if (!origin->has_value() || !key->has_value()) {
    return Status(Code::kNotFound, "the store holds no initialised log (run vigil init)");
  }
  Result<std::optional<std::string>> format = txn.Get(Table::kMeta, kMetaFormat);
  if (!format.ok()) return format.status();
  if (!format->has_value() || **format != kStoreFormat) {
    const std::string found = format->has_value() ? **format : "none";
    return Status(
        Code::kFailedPrecondition,
        "the store has format " + found + " but this vigil reads format " + kStoreFormat +
            " (the derived state or the personal data is laid out differently); create the "
            "log again with this version (vigil init, then vigil demo for the demo "
            "data) or use the vigil that wrote it");
  }
  info.origin = **origin;
  Result<PublicKey> pk = PublicKey::FromBytes(**key);
  if (!pk.ok()) return Status(Code::kCorruption, "the stored log key is damaged");
  info.public_key = *pk;
  info.verifier_key = VerifierKeyString(info.origin, info.public_key);
  return info;
}

Result<LogInfo> Log::Create(const std::string& dir, const std::string& origin) {
  if (origin.empty() || origin.find_first_of(" +\n") != std::string::npos) {
    return Status(Code::kInvalidArgument,
                  "the origin must be non-empty with no spaces, '+' or newlines, e.g. "
                  "vigil.hanoi.example/log");
  }
  std::error_code ec;
  if (fs::exists(StoreDir(dir) + "/data.mdb", ec) || fs::exists(KeysDir(dir) + "/log.key", ec)) {
    return Status(Code::kConflict, dir + " already holds a Vigil log; refusing to overwrite it");
  }
  fs::create_directories(KeysDir(dir), ec);
  if (ec) return Status(Code::kIoError, "cannot create " + KeysDir(dir) + ": " + ec.message());
  fs::permissions(KeysDir(dir), fs::perms::owner_all, ec);

  SecretKey log_key = SecretKey::Generate();
  VIGIL_RETURN_IF_ERROR(log_key.Save(KeysDir(dir) + "/log.key"));
  VIGIL_RETURN_IF_ERROR(SavePublicKey(log_key.public_key(), KeysDir(dir) + "/log.pub"));

  Result<std::unique_ptr<db::Env>> env = db::Env::Open(StoreDir(dir));
  if (!env.ok()) return env.status();
  Result<db::Txn> txn = (*env)->BeginWrite();
  if (!txn.ok()) return txn.status();
  VIGIL_RETURN_IF_ERROR(txn->Put(Table::kMeta, kMetaOrigin, origin));
  VIGIL_RETURN_IF_ERROR(txn->Put(Table::kMeta, kMetaLogKey, log_key.public_key().bytes()));
  VIGIL_RETURN_IF_ERROR(txn->Put(Table::kMeta, kMetaFormat, kStoreFormat));
  VIGIL_RETURN_IF_ERROR(txn->Commit());
  LogInfo info;
  info.origin = origin;
  info.public_key = log_key.public_key();
  info.verifier_key = VerifierKeyString(origin, info.public_key);
  return info;
}

Result<FileLock> Log::LockWriter(const std::string& dir) {
  Result<FileLock> lock = FileLock::TryAcquire(StoreDir(dir) + "/writer.lock");
  if (lock.status().code() == Code::kFailedPrecondition) {
    return Status(Code::kFailedPrecondition,
                  "another vigil process (serve, demo --offline or restore) has " + dir +
                      " open for writing; stop it first");
  }
  return lock;
}

Status Log::CheckExists(const std::string& dir) {
  std::error_code ec;
  if (!fs::exists(StoreDir(dir) + "/data.mdb", ec)) {
    return Status(Code::kNotFound, "no Vigil log in " + dir + " (create one with vigil init)");
  }
  return Status::Ok();
}

Result<std::unique_ptr<Log>> Log::Open(const std::string& dir, Admission* admission) {
  VIGIL_RETURN_IF_ERROR(CheckExists(dir));
  Result<SecretKey> key = SecretKey::Load(KeysDir(dir) + "/log.key");
  if (!key.ok()) return key.status();
  std::unique_ptr<Log> log(new Log());
  log->admission_ = admission;
  Result<FileLock> lock = LockWriter(dir);
  if (!lock.ok()) return lock.status();
  log->writer_lock_ = std::move(*lock);
  VIGIL_RETURN_IF_ERROR(log->OpenStore(dir));
  if (!(log->info_.public_key == key->public_key())) {
    return Status(Code::kCorruption,
                  "keys/log.key does not match the log key recorded in the store");
  }
  log->log_key_.emplace(std::move(*key));
  VIGIL_RETURN_IF_ERROR(log->LoadTail());
  log->checkpoint_slots_ = CheckpointFilePaths(dir);
  VIGIL_RETURN_IF_ERROR(log->CheckLastCheckpoint());
  if (log->admission_ != nullptr) log->admission_->Attach(log->info_.origin);
  return log;
}

Log::~Log() = default;  // members in reverse: the store closes, then the writer lock goes

Status Log::OpenStore(const std::string& dir) {
  Result<std::unique_ptr<db::Env>> env = db::Env::Open(StoreDir(dir));
  if (!env.ok()) return env.status();
  env_ = std::move(*env);
  Result<db::Txn> txn = env_->BeginRead();
  if (!txn.ok()) return txn.status();
  Result<LogInfo> info = ReadInfo(*txn);
  if (!info.ok()) return info.status();
  info_ = std::move(*info);
  return Status::Ok();
}

Status Log::LoadTail() {
  Result<db::Txn> txn = env_->BeginRead();
  if (!txn.ok()) return txn.status();
  Result<std::optional<std::pair<std::string, std::string>>> last = txn->Last(Table::kEntries);
  if (!last.ok()) return last.status();
  if (!last->has_value()) {
    size_ = 0;
    last_leaf_ = Hash{};
    last_ts_ = 0;
    return Status::Ok();
  }
  Result<Entry> e = DecodeEntry((*last)->second);
  if (!e.ok()) return e.status();
  size_ = DecodeBigEndian64((*last)->first) + 1;
  last_leaf_ = merkle::HashLeaf((*last)->second);
  last_ts_ = e->ts_ms;
  return Status::Ok();
}

void Log::Prepare(Submission& sub) {
  Result<db::Txn> txn = env_->BeginRead();
  if (!txn.ok()) return;  // Place will meet the same store error
  admission_->Prepare(*txn, sub);
}

Result<db::Txn> Log::BeginRead() { return env_->BeginRead(); }

Result<db::Txn> Log::BeginSideWrite() { return env_->BeginWrite(); }

std::vector<Result<Appended>> Log::AppendBatch(const std::vector<Submission>& subs,
                                               int64_t now_ms) {
  std::vector<Result<Placed>> placed = Place(subs, now_ms);
  std::vector<Result<Appended>> results;
  results.reserve(placed.size());
  for (Result<Placed>& p : placed) {
    if (!p.ok()) {
      results.emplace_back(p.status());
      continue;
    }
    Result<Receipt> r = ReceiptFor(std::move(*p));
    if (!r.ok()) {
      results.emplace_back(r.status());
    } else {
      results.emplace_back(Appended{std::move(*r), p->duplicate});
    }
  }
  return results;
}

void Log::HoldSigning(std::string why) {
  std::lock_guard<std::mutex> lock(held_mu_);
  if (!held_) held_ = std::move(why);
}

std::optional<std::string> Log::SigningHeld() const {
  std::lock_guard<std::mutex> lock(held_mu_);
  return held_;
}

Result<Entry> Log::EntryFor(const Submission& sub, uint64_t seq, const Hash& prev,
                            int64_t last_ts_ms, int64_t now_ms, std::string* encoded) {
  Entry e;
  e.seq = seq;
  e.ts_ms = std::max(now_ms, last_ts_ms);
  e.prev = prev;
  e.signer = sub.signer;
  e.payload = sub.payload;
  e.sig = sub.sig;
  e.cosigners = sub.cosigners;
  *encoded = EncodeEntry(e);
  if (encoded->size() > Entry::kMaxSize) {
    return Status(Code::kInvalidArgument,
                  "the entry would be " + std::to_string(encoded->size()) +
                      " bytes, over the 65535-byte limit; keep large documents outside the log "
                      "and reference them by SHA-256");
  }
  return e;
}

std::vector<Result<Placed>> Log::Place(const std::vector<Submission>& subs, int64_t now_ms) {
  if (is_mirror()) {  // a mirror never signs: submissions go to the primary
    return std::vector<Result<Placed>>(
        subs.size(),
        Status(Code::kFailedPrecondition, "this is a read-only mirror of " + info_.origin +
                                              "; submit records to the log's primary server"));
  }
  if (std::optional<std::string> why = SigningHeld()) {
    return std::vector<Result<Placed>>(
        subs.size(), Status(Code::kFailedPrecondition, "the log is not signing: " + *why));
  }
  return PlaceBatch(subs, now_ms);
}

std::vector<Result<Placed>> Log::PlaceBatch(const std::vector<Submission>& subs, int64_t now_ms) {
  // Per submission: a rejection, the seq it was given, or the seq of its original.
  struct Outcome {
    Status rejected;
    std::optional<uint64_t> seq;
    std::optional<Placed::Written> written;  // set when this batch wrote the entry
    bool duplicate = false;
  };
  std::vector<Outcome> outcomes;
  Status fatal;
  uint64_t size = 0;
  Hash last_leaf{};
  int64_t last_ts = 0;
  std::string signed_note;  // the batch's checkpoint, if it signed one
  for (int attempt = 0;; ++attempt) {
    signed_note.clear();
    outcomes.assign(subs.size(), Outcome{});
    size = size_.load();
    last_leaf = last_leaf_;
    last_ts = last_ts_;
    fatal = Status::Ok();
    Result<db::Txn> txn = env_->BeginWrite();
    if (!txn.ok()) {
      fatal = txn.status();
      break;
    }
    const uint64_t start_size = size;
    for (size_t i = 0; i < subs.size() && fatal.ok(); ++i) {
      const Submission& sub = subs[i];
      Outcome& out = outcomes[i];
      std::string bytes;
      Result<Entry> entry = EntryFor(sub, size, last_leaf, last_ts, now_ms, &bytes);
      if (!entry.ok()) {
        out.rejected = entry.status();
        continue;
      }
      const Entry& e = *entry;
      Result<std::optional<uint64_t>> admitted = admission_->Admit(*txn, sub, e);
      if (!admitted.ok()) {
        if (IsBatchFatal(admitted.status())) {
          fatal = admitted.status();
        } else {
          out.rejected = admitted.status();
        }
        continue;
      }
      if (admitted->has_value()) {  // a resend: the original's receipt
        out.seq = **admitted;
        out.duplicate = true;
        continue;
      }
      Hash leaf = merkle::HashLeaf(bytes);
      Status s = txn->Append(Table::kEntries, EncodeBigEndian64(e.seq), bytes);
      if (s.ok()) s = AppendLeaf(*txn, e.seq, leaf);
      if (!s.ok()) {
        fatal = s;
        break;
      }
      out.seq = e.seq;
      out.written = Placed::Written{e.ts_ms, leaf, std::move(bytes), 0, {}};
      ++size;
      last_leaf = leaf;
      last_ts = e.ts_ms;
    }
    if (fatal.ok() && size > start_size) {
      Result<Hash> root = merkle::RootAt(size, Reader(*txn));
      if (!root.ok()) {
        fatal = root.status();
      } else {
        std::string note = SignCheckpoint(Checkpoint{info_.origin, size, *root}, *log_key_);
        fatal = txn->Append(Table::kCheckpoints, EncodeBigEndian64(size), note);
        signed_note = note;
        for (Outcome& out : outcomes) {
          if (!out.written.has_value()) continue;
          out.written->tree_size = size;
          out.written->checkpoint = note;
        }
      }
    }
    if (fatal.code() == Code::kResourceExhausted && attempt < 16) {
      txn = Status(Code::kInternal, "aborted");  // ends (aborts) the transaction first
      admission_->AfterBatch(false);
      Status grown = env_->Grow();
      if (!grown.ok()) {
        fatal = grown;
        break;
      }
      continue;  // replay the whole batch in a bigger map
    }
    if (fatal.ok()) fatal = admission_->BeforeCommit();
    if (fatal.ok()) fatal = txn->Commit();
    txn = Status(Code::kInternal, "ended");  // aborts it if it did not commit
    admission_->AfterBatch(fatal.ok());
    break;
  }

  std::vector<Result<Placed>> results;
  results.reserve(subs.size());
  if (!fatal.ok()) {
    Status failed(fatal.code() == Code::kResourceExhausted ? Code::kIoError : fatal.code(),
                  "nothing was written: " + fatal.message());
    for (size_t i = 0; i < subs.size(); ++i) results.emplace_back(failed);
    return results;
  }
  size_ = size;
  last_leaf_ = last_leaf;
  last_ts_ = last_ts;
  // The checkpoint goes to its file before any receipt of the batch exists (receipts are made
  // from these results). If it cannot be written, the entries are stored but get no receipt,
  // and the log stops signing: a restart rewrites the file from the store (CheckLastCheckpoint)
  // and a resend then gets the original receipt.
  Status recorded;
  if (!signed_note.empty()) {
    // Accepting a rollback: the abandoned (larger) checkpoint leaves both slots.
    recorded = RecordCheckpoint(signed_note, rollback_held_.load());
    if (!recorded.ok()) {
      HoldSigning("the checkpoint of size " + std::to_string(size) + " could not be recorded (" +
                  recorded.message() + "); fix the disk and restart the server");
      recorded = Status(Code::kIoError,
                        "the entry is stored but the log could not record its checkpoint (" +
                            recorded.message() +
                            "); no receipt was given: resend it after the server restarts to "
                            "get the original receipt");
    }
  }
  for (Outcome& out : outcomes) {
    if (!recorded.ok() && out.written.has_value()) {
      results.emplace_back(recorded);
    } else if (!out.seq.has_value()) {
      results.emplace_back(out.rejected);
    } else {
      results.emplace_back(Placed{*out.seq, out.duplicate, std::move(out.written)});
    }
  }
  return results;
}

uint64_t Log::StoreSize() const {
  Result<db::Txn> txn = env_->BeginRead();
  if (!txn.ok()) return size_.load();
  Result<uint64_t> n = txn->Count(Table::kEntries);
  return n.ok() ? *n : size_.load();
}

Status Log::CreateMirror(const std::string& dir, const std::string& origin,
                         const PublicKey& public_key, const std::string& upstream) {
  if (origin.empty() || origin.find_first_of(" +\n") != std::string::npos) {
    return Status(Code::kInvalidArgument,
                  "the upstream's origin \"" + origin.substr(0, 80) + "\" is not a valid origin");
  }
  std::error_code ec;
  if (fs::exists(StoreDir(dir) + "/data.mdb", ec) || fs::exists(KeysDir(dir) + "/log.key", ec)) {
    return Status(Code::kConflict, dir + " already holds a Vigil log; refusing to overwrite it");
  }
  fs::create_directories(KeysDir(dir), ec);
  if (ec) return Status(Code::kIoError, "cannot create " + KeysDir(dir) + ": " + ec.message());
  fs::permissions(KeysDir(dir), fs::perms::owner_all, ec);
  // Made aside and renamed into place last, so that a process killed meanwhile leaves no
  // store without its facts: the next run starts over (replacing a log.pub left behind).
  fs::remove(KeysDir(dir) + "/log.pub", ec);
  VIGIL_RETURN_IF_ERROR(SavePublicKey(public_key, KeysDir(dir) + "/log.pub"));
  const std::string fresh = dir + "/store.new";
  fs::remove_all(fresh, ec);
  {
    Result<std::unique_ptr<db::Env>> env = db::Env::Open(fresh);
    if (!env.ok()) return env.status();
    Result<db::Txn> txn = (*env)->BeginWrite();
    if (!txn.ok()) return txn.status();
    VIGIL_RETURN_IF_ERROR(txn->Put(Table::kMeta, kMetaOrigin, origin));
    VIGIL_RETURN_IF_ERROR(txn->Put(Table::kMeta, kMetaLogKey, public_key.bytes()));
    VIGIL_RETURN_IF_ERROR(txn->Put(Table::kMeta, kMetaFormat, kStoreFormat));
    VIGIL_RETURN_IF_ERROR(txn->Put(Table::kMeta, kMetaMirrorOf, upstream));
    VIGIL_RETURN_IF_ERROR(txn->Commit());
  }
  fs::remove_all(StoreDir(dir), ec);  // only a store without data.mdb can be here
  fs::rename(fresh, StoreDir(dir), ec);
  if (ec) return Status(Code::kIoError, "cannot create " + StoreDir(dir) + ": " + ec.message());
  return SyncDir(dir);
}

Result<std::optional<std::string>> Log::MirrorOf(const db::Txn& txn) {
  return txn.Get(Table::kMeta, kMetaMirrorOf);
}

Result<uint64_t> Log::ReplicatedUntil(const db::Txn& txn) {
  Result<std::optional<std::string>> mirror = MirrorOf(txn);
  if (!mirror.ok()) return mirror.status();
  if (mirror->has_value()) return txn.Count(Table::kEntries);
  Result<std::optional<std::string>> until = txn.Get(Table::kMeta, kMetaReplicatedUntil);
  if (!until.ok()) return until.status();
  if (!until->has_value()) return uint64_t{0};
  try {
    size_t used = 0;
    const uint64_t n = std::stoull(**until, &used);
    if (used == (*until)->size()) return n;
  } catch (const std::exception&) {
  }
  return Status(Code::kCorruption, "the store's replicated_until is damaged");
}

Result<std::unique_ptr<Log>> Log::OpenMirror(const std::string& dir, Admission* admission,
                                             bool replicate) {
  VIGIL_RETURN_IF_ERROR(CheckExists(dir));
  std::unique_ptr<Log> log(new Log());
  log->admission_ = admission;
  VIGIL_RETURN_IF_ERROR(log->OpenStore(dir));
  {
    Result<db::Txn> txn = log->env_->BeginRead();
    if (!txn.ok()) return txn.status();
    Result<std::optional<std::string>> mirror = MirrorOf(*txn);
    if (!mirror.ok()) return mirror.status();
    if (!mirror->has_value()) {
      return Status(Code::kNotFound, dir + " holds a primary log, not a mirror");
    }
  }
  if (replicate) {
    Result<FileLock> lock = LockWriter(dir);
    if (!lock.ok()) return lock.status();
    log->writer_lock_ = std::move(*lock);
  }
  log->follows_store_ = !replicate;
  VIGIL_RETURN_IF_ERROR(log->LoadTail());
  if (log->admission_ != nullptr) log->admission_->Attach(log->info_.origin);
  return log;
}

Result<std::vector<Hash>> Log::FrontierNodes() {
  Result<db::Txn> txn = env_->BeginRead();
  if (!txn.ok()) return txn.status();
  Result<uint64_t> size = txn->Count(Table::kEntries);
  if (!size.ok()) return size.status();
  std::vector<Hash> nodes;
  uint64_t start = 0;  // the first leaf of the next subtree, left to right
  for (int level = 63; level >= 0; --level) {
    if (((*size >> level) & 1) == 0) continue;
    Result<Hash> h = ReadNode(*txn, level, start >> level);
    if (!h.ok()) return h.status();
    nodes.push_back(*h);
    start += uint64_t{1} << level;
  }
  return nodes;
}

Status Log::Replicate(const std::vector<Replica>& entries,
                      const std::optional<std::string>& checkpoint) {
  if (!is_mirror() || follows_store_) {
    return Status(Code::kFailedPrecondition, "only a mirror opened to replicate takes entries");
  }
  Status fatal;
  uint64_t size = 0;
  Hash last_leaf{};
  int64_t last_ts = 0;
  for (int attempt = 0;; ++attempt) {
    size = size_.load();
    last_leaf = last_leaf_;
    last_ts = last_ts_;
    fatal = Status::Ok();
    Result<db::Txn> txn = env_->BeginWrite();
    if (!txn.ok()) return txn.status();
    for (const Replica& r : entries) {
      const std::string name = "upstream entry " + std::to_string(size);
      Result<Entry> e = DecodeEntry(r.bytes);
      if (!e.ok()) {
        fatal = Status(Code::kCorruption, name + ": " + e.status().message());
      } else if (e->seq != size) {
        fatal = Status(Code::kCorruption, name + " says it is entry " + std::to_string(e->seq));
      } else if (e->prev != last_leaf) {
        fatal = Status(Code::kCorruption, name + ": prev does not link to the entry before it");
      } else if (e->ts_ms < last_ts) {
        fatal = Status(Code::kCorruption, name + ": time goes backwards");
      }
      if (!fatal.ok()) break;
      Submission sub{e->signer, e->payload, e->sig, e->cosigners, r.attachment};
      Result<std::optional<uint64_t>> admitted = admission_->Admit(*txn, sub, *e);
      if (!admitted.ok()) {
        fatal = IsBatchFatal(admitted.status())
                    ? admitted.status()
                    : Status(Code::kCorruption,
                             name + " is refused by the rules: " + admitted.status().ToString());
        break;
      }
      if (admitted->has_value()) {
        fatal = Status(Code::kCorruption, name + " repeats entry " + std::to_string(**admitted));
        break;
      }
      const Hash leaf = merkle::HashLeaf(r.bytes);
      fatal = txn->Append(Table::kEntries, EncodeBigEndian64(size), r.bytes);
      if (fatal.ok()) fatal = AppendLeaf(*txn, size, leaf);
      if (!fatal.ok()) break;
      ++size;
      last_leaf = leaf;
      last_ts = e->ts_ms;
    }
    if (fatal.ok() && checkpoint.has_value()) {
      Result<Checkpoint> cp = OpenCheckpoint(*checkpoint, info_.verifier());
      Result<Hash> root = merkle::RootAt(size, Reader(*txn));
      if (!cp.ok()) {
        fatal = Status(Code::kCorruption,
                       "the upstream's checkpoint does not verify: " + cp.status().message());
      } else if (cp->size != size) {
        fatal = Status(Code::kCorruption, "the upstream's checkpoint is of size " +
                                              std::to_string(cp->size) + ", not " +
                                              std::to_string(size));
      } else if (!root.ok()) {
        fatal = root.status();
      } else if (*root != cp->root) {
        fatal = Status(Code::kCorruption,
                       "the entries do not give the root of the upstream's "
                       "checkpoint at size " +
                           std::to_string(size));
      } else {
        fatal = txn->Put(Table::kCheckpoints, EncodeBigEndian64(size), *checkpoint);
      }
    }
    if (fatal.code() == Code::kResourceExhausted && attempt < 16) {
      txn = Status(Code::kInternal, "aborted");  // ends (aborts) the transaction first
      admission_->AfterBatch(false);
      VIGIL_RETURN_IF_ERROR(env_->Grow());
      continue;  // replay the whole batch in a bigger map
    }
    if (fatal.ok()) fatal = admission_->BeforeCommit();
    if (fatal.ok()) fatal = txn->Commit();
    txn = Status(Code::kInternal, "ended");  // aborts it if it did not commit
    admission_->AfterBatch(fatal.ok());
    break;
  }
  if (!fatal.ok()) return fatal;
  size_ = size;
  last_leaf_ = last_leaf;
  last_ts_ = last_ts;
  return Status::Ok();
}

Status Log::Promote(const std::string& dir, const SecretKey& log_key, const FileLock& lock) {
  (void)lock;  // held by the caller for the whole promotion
  const std::string key_file = KeysDir(dir) + "/log.key";
  std::error_code ec;
  const bool key_there = fs::exists(key_file, ec);
  {
    Result<std::unique_ptr<db::Env>> env = db::Env::Open(StoreDir(dir));
    if (!env.ok()) return env.status();
    Result<db::Txn> txn = (*env)->BeginWrite();
    if (!txn.ok()) return txn.status();
    Result<LogInfo> info = ReadInfo(*txn);
    if (!info.ok()) return info.status();
    if (!(log_key.public_key() == info->public_key)) {
      return Status(Code::kInvalidArgument,
                    "the key given is not the log's key: its public key differs from the one "
                    "the mirror's checkpoints verify with (" +
                        info->verifier_key + ")");
    }
    Result<std::optional<std::string>> mirror = MirrorOf(*txn);
    if (!mirror.ok()) return mirror.status();
    Result<std::optional<std::string>> until = txn->Get(Table::kMeta, kMetaReplicatedUntil);
    if (!until.ok()) return until.status();
    if (!mirror->has_value()) {
      // A promotion interrupted between its commit and the key file: finish it.
      if (until->has_value() && !key_there) return log_key.Save(key_file);
      return Status(Code::kFailedPrecondition, dir + " holds a primary log, not a mirror");
    }
    if (key_there) {
      return Status(Code::kFailedPrecondition,
                    key_file + " exists in a mirror; move it away first");
    }
    Result<uint64_t> size = txn->Count(Table::kEntries);
    if (!size.ok()) return size.status();
    // The store first: until the key file exists, nothing opens it to sign (Ledger::Open opens
    // a store without keys/log.key as a mirror, and this store no longer is one); a crash
    // before the key is written is finished by promoting again.
    VIGIL_RETURN_IF_ERROR(txn->Delete(Table::kMeta, kMetaMirrorOf));
    VIGIL_RETURN_IF_ERROR(txn->Put(Table::kMeta, kMetaReplicatedUntil, std::to_string(*size)));
    VIGIL_RETURN_IF_ERROR(txn->Commit());
  }
  return log_key.Save(key_file);
}

std::string Log::CheckpointFilePath(const std::string& dir) { return dir + "/checkpoint.last"; }

std::array<std::string, 2> Log::CheckpointFilePaths(const std::string& dir) {
  return {CheckpointFilePath(dir), CheckpointFilePath(dir) + ".1"};
}

namespace {

// The contents of a small file (at most `limit` bytes); kNotFound if it does not exist.
Result<std::string> ReadSmallFile(const std::string& path, size_t limit) {
  Result<ScopedFd> fd = ScopedFd::Open(path, O_RDONLY);
  if (!fd.ok()) return fd.status();
  std::string out;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fd->get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status(Code::kIoError, "cannot read " + path + ": " + std::strerror(errno));
    if (n == 0) return out;
    out.append(buf, static_cast<size_t>(n));
    if (out.size() > limit) return Status(Code::kCorruption, path + " is too large");
  }
}

// One slot of the last-checkpoint file as read: absent, its bytes, and its checkpoint if the
// bytes are a note that verifies with the log's key.
struct Slot {
  bool exists = false;
  std::string text;
  std::optional<Checkpoint> cp;
  std::string why;  // why it does not verify
};

// Reads both slots; kIoError if one cannot be read. A slot too large to be a note reads as one
// that does not verify.
Result<std::array<Slot, 2>> ReadSlots(const std::array<std::string, 2>& paths,
                                      const NoteVerifier& verifier) {
  std::array<Slot, 2> slots;
  for (size_t i = 0; i < 2; ++i) {
    Result<std::string> text = ReadSmallFile(paths[i], 64 * 1024);
    if (!text.ok() && text.status().code() == Code::kNotFound) continue;
    if (!text.ok() && text.status().code() == Code::kIoError) return text.status();
    slots[i].exists = true;
    if (!text.ok()) {
      slots[i].why = text.status().message();
      continue;
    }
    slots[i].text = std::move(*text);
    Result<Checkpoint> cp = OpenCheckpoint(slots[i].text, verifier);
    if (cp.ok()) {
      slots[i].cp = std::move(*cp);
    } else {
      slots[i].why = cp.status().message();
    }
  }
  return slots;
}

// The index of the slot holding the newest note that verifies (the larger size), or -1.
int NewestSlot(const std::array<Slot, 2>& slots) {
  int best = -1;
  for (int i = 0; i < 2; ++i) {
    const Slot& s = slots[static_cast<size_t>(i)];
    if (s.cp.has_value() && (best < 0 || s.cp->size > slots[static_cast<size_t>(best)].cp->size)) {
      best = i;
    }
  }
  return best;
}

// Overwrites `path` with `contents` in place (created if missing) and makes it durable: the
// bytes, the length, and for a new file its name (the directory). An existing slot of the same
// length costs one write and one fdatasync: no new inode, no rename, no directory update.
Status OverwriteDurably(const std::string& path, std::string_view contents, unsigned mode) {
  bool created = false;
  Result<ScopedFd> fd = ScopedFd::Open(path, O_WRONLY);
  if (!fd.ok() && fd.status().code() == Code::kNotFound) {
    fd = ScopedFd::Open(path, O_WRONLY | O_CREAT, mode);
    created = true;
  }
  if (!fd.ok()) return fd.status();
  VIGIL_RETURN_IF_ERROR(fd->WriteAll(contents, path));
  if (::ftruncate(fd->get(), static_cast<off_t>(contents.size())) != 0) {
    return Status(Code::kIoError, "cannot truncate " + path + ": " + std::strerror(errno));
  }
  if (::fdatasync(fd->get()) != 0) {
    return Status(Code::kIoError, "cannot fdatasync " + path + ": " + std::strerror(errno));
  }
  if (created) return SyncDir(ParentDir(path));
  return Status::Ok();
}

}  // namespace

Result<std::string> Log::ReadCheckpointFile(const std::string& dir, const NoteVerifier& log) {
  Result<std::array<Slot, 2>> slots = ReadSlots(CheckpointFilePaths(dir), log);
  if (!slots.ok()) return slots.status();
  const int newest = NewestSlot(*slots);
  if (newest >= 0) return (*slots)[static_cast<size_t>(newest)].text;
  for (const Slot& s : *slots) {
    if (s.exists) return s.text;
  }
  return Status(Code::kNotFound, "no " + CheckpointFilePath(dir));
}

Status Log::RecordCheckpoint(const std::string& note, bool both) {
  // The other slot keeps the previous note until this one is durable: a write torn by a crash
  // leaves one slot that verifies (formats.md §9.6).
  VIGIL_RETURN_IF_ERROR(
      OverwriteDurably(checkpoint_slots_[static_cast<size_t>(next_slot_)], note, 0644));
  next_slot_ ^= 1;
  if (both) {
    VIGIL_RETURN_IF_ERROR(
        OverwriteDurably(checkpoint_slots_[static_cast<size_t>(next_slot_)], note, 0644));
    next_slot_ ^= 1;
  }
  return Status::Ok();
}

Status Log::CheckLastCheckpoint() {
  const std::string file = checkpoint_slots_[0] + " (and " + checkpoint_slots_[1] + ")";
  const std::string recovery =
      " The server answers reads but refuses every append until this is resolved. Recover: "
      "restore a copy of the store that holds at least that checkpoint's entries (a newer "
      "backup, a mirror, or the store vigil restore kept as store.replaced-<time> beside the "
      "store): vigil restore BACKUP --data DIR --force. Only if no such copy exists anywhere: "
      "vigil accept-rollback --data DIR --key POLICE.key --reason TEXT records the "
      "loss in the log and lets it sign again (docs/operator.md, \"Restore and the published "
      "checkpoint\").";
  Result<std::array<Slot, 2>> slots = ReadSlots(checkpoint_slots_, info_.verifier());
  if (!slots.ok()) return slots.status();
  const uint64_t size = size_.load();
  const int newest = NewestSlot(*slots);
  // The next write goes over the other slot (a torn or older one), never over the newest.
  next_slot_ = newest == 1 ? 0 : 1;
  if (!(*slots)[0].exists && !(*slots)[1].exists) {
    // No file: a store from before the file existed, or a fresh directory.
    next_slot_ = 0;
    if (size == 0) return Status::Ok();
    Result<std::string> latest = LatestCheckpoint();
    if (!latest.ok()) return latest.status();
    return RecordCheckpoint(*latest);
  }
  Result<Checkpoint> cp = Status(Code::kCorruption, "no slot verifies");
  std::string text;
  if (newest >= 0) {
    cp = *(*slots)[static_cast<size_t>(newest)].cp;
    text = (*slots)[static_cast<size_t>(newest)].text;
  } else {
    std::string whys;
    for (const Slot& s : *slots) {
      if (s.exists) whys += (whys.empty() ? "" : "; ") + s.why;
    }
    cp = Status(Code::kCorruption, whys);
  }
  std::string why;
  if (!cp.ok()) {
    why = file + " does not verify with this log's key (" + cp.status().message() +
          "): it is damaged or belongs to another log, so the log cannot tell whether this "
          "store is behind the checkpoint it last published. If you know this store is the "
          "newest copy, vigil accept-rollback records that in the log and lets it sign again.";
  } else if (cp->size > size) {
    why = "the store holds " + std::to_string(size) +
          " entries, but this log already signed and published a checkpoint of size " +
          std::to_string(cp->size) + " (root " + Base64(cp->root) + ", kept in " + file +
          "). The store was probably restored from an older backup or copied from an older "
          "machine; signing on from here would fork the log: receipts and checkpoints already "
          "handed out would disagree with the new entries." +
          recovery;
  } else {
    Result<db::Txn> txn = env_->BeginRead();
    if (!txn.ok()) return txn.status();
    Result<Hash> root = merkle::RootAt(cp->size, Reader(*txn));
    if (!root.ok()) return root.status();
    if (*root != cp->root) {
      why = "the store's tree at size " + std::to_string(cp->size) +
            " is not the one this log signed and published at that size (root " + Base64(cp->root) +
            ", kept in " + file +
            "): the store is another history (a fork), e.g. an older backup that took other "
            "entries since." +
            recovery;
    } else {
      Result<std::string> latest = LatestCheckpoint();
      if (!latest.ok()) return latest.status();
      // Ahead of the file (a crash between a commit and the file's write): bring it up.
      if (*latest != text) return RecordCheckpoint(*latest);
      return Status::Ok();
    }
  }
  HoldSigning(std::move(why));
  rollback_held_ = true;
  return Status::Ok();
}

Result<Placed> Log::AcceptRollback(const Submission& record, int64_t now_ms) {
  if (!rollback_held_.load()) {
    return Status(
        Code::kFailedPrecondition,
        "the log is not held for a rollback: there is nothing to accept" +
            std::string(SigningHeld() ? " (it is held for another reason: " + *SigningHeld() + ")"
                                      : ""));
  }
  Submission sub = record;
  Prepare(sub);
  std::vector<Result<Placed>> placed = PlaceBatch({sub}, now_ms);
  if (!placed[0].ok()) return placed[0].status();
  if (!placed[0]->written.has_value()) {
    return Status(Code::kConflict, "this record is already in the log (entry " +
                                       std::to_string(placed[0]->seq) + "); make a new one");
  }
  {
    std::lock_guard<std::mutex> lock(held_mu_);
    held_.reset();
  }
  rollback_held_ = false;
  return std::move(*placed[0]);
}

Result<std::string> Log::LatestCheckpoint() {
  Result<db::Txn> txn = env_->BeginRead();
  if (!txn.ok()) return txn.status();
  Result<std::optional<std::pair<std::string, std::string>>> last = txn->Last(Table::kCheckpoints);
  if (!last.ok()) return last.status();
  if (!last->has_value()) return Status(Code::kNotFound, "the log has no checkpoint yet");
  return (*last)->second;
}

Result<std::string> Log::EntryAt(uint64_t seq) {
  Result<db::Txn> txn = env_->BeginRead();
  if (!txn.ok()) return txn.status();
  Result<std::optional<std::string>> v = txn->Get(Table::kEntries, EncodeBigEndian64(seq));
  if (!v.ok()) return v.status();
  if (!v->has_value()) return Status(Code::kNotFound, "no entry " + std::to_string(seq));
  return **v;
}

Result<Receipt> Log::ReceiptFor(uint64_t seq) {
  Result<db::Txn> txn = env_->BeginRead();
  if (!txn.ok()) return txn.status();
  Result<std::optional<std::string>> entry = txn->Get(Table::kEntries, EncodeBigEndian64(seq));
  if (!entry.ok()) return entry.status();
  if (!entry->has_value()) return Status(Code::kNotFound, "no entry " + std::to_string(seq));
  // The batch that holds `seq` is the first checkpoint whose size exceeds it.
  std::optional<std::pair<uint64_t, std::string>> cp;
  VIGIL_RETURN_IF_ERROR(txn->Scan(Table::kCheckpoints, EncodeBigEndian64(seq + 1),
                                  [&](std::string_view k, std::string_view v) {
                                    cp.emplace(DecodeBigEndian64(k), std::string(v));
                                    return false;
                                  }));
  if (!cp.has_value())
    return Status(Code::kCorruption, "no checkpoint covers entry " + std::to_string(seq));
  Result<Entry> e = DecodeEntry(**entry);
  if (!e.ok()) return e.status();
  Result<std::vector<Hash>> proof = merkle::InclusionProof(seq, cp->first, Reader(*txn));
  if (!proof.ok()) return proof.status();
  return Receipt{seq,
                 merkle::HashLeaf(**entry),
                 e->ts_ms,
                 std::move(cp->second),
                 std::move(*proof),
                 std::move(**entry)};
}

Result<Receipt> Log::ReceiptFor(Placed placed) {
  if (!placed.written.has_value()) return ReceiptFor(placed.seq);
  Placed::Written& w = *placed.written;
  Result<db::Txn> txn = env_->BeginRead();
  if (!txn.ok()) return txn.status();
  Result<std::vector<Hash>> proof = merkle::InclusionProof(placed.seq, w.tree_size, Reader(*txn));
  if (!proof.ok()) return proof.status();
  return Receipt{placed.seq,        w.leaf, w.ts_ms, std::move(w.checkpoint), std::move(*proof),
                 std::move(w.entry)};
}

Result<std::vector<Hash>> Log::InclusionProof(uint64_t seq, uint64_t size) {
  Result<db::Txn> txn = env_->BeginRead();
  if (!txn.ok()) return txn.status();
  Result<uint64_t> have = txn->Count(Table::kEntries);
  if (!have.ok()) return have.status();
  if (size > *have || seq >= size) {
    return Status(Code::kInvalidArgument, "need seq < size <= " + std::to_string(*have));
  }
  return merkle::InclusionProof(seq, size, Reader(*txn));
}

Result<std::vector<Hash>> Log::ConsistencyProof(uint64_t from, uint64_t to) {
  Result<db::Txn> txn = env_->BeginRead();
  if (!txn.ok()) return txn.status();
  Result<uint64_t> have = txn->Count(Table::kEntries);
  if (!have.ok()) return have.status();
  if (to > *have || from == 0 || from > to) {
    return Status(Code::kInvalidArgument, "need 0 < from <= to <= " + std::to_string(*have));
  }
  return merkle::ConsistencyProof(from, to, Reader(*txn));
}

Result<std::string> Log::ReadTile(const TileRef& tile) {
  Result<db::Txn> txn = env_->BeginRead();
  if (!txn.ok()) return txn.status();
  Result<uint64_t> have = txn->Count(Table::kEntries);
  if (!have.ok()) return have.status();
  return ReadTileAt(*txn, *have, tile);
}

Result<std::string> ReadTileAt(const db::Txn& txn, uint64_t size, const TileRef& tile) {
  Status missing(Code::kNotFound, "tile " + TilePath(tile) + " does not exist yet");
  // No existing tile has an index above size / 256; the check also keeps index * 256 from
  // wrapping around to an existing tile's range.
  if (tile.index > size / TileRef::kWidth) return missing;
  const uint64_t first = tile.index * TileRef::kWidth;
  const uint64_t end = first + tile.width;
  // Entries and level-0 hashes: one cursor walk per tile instead of a lookup per item. Leaves lie
  // in post-order between the nodes of the levels above (about two records per leaf), so the
  // walk keeps the positions it expects; higher levels are too sparse for a walk to pay.
  std::string out;
  uint64_t next = first;  // the item expected next
  Status broken;          // a gap: the store lacks an item that must be there
  const int level = tile.level == TileRef::kEntries ? 0 : tile.level * TileRef::kHeight;
  if (tile.level == TileRef::kEntries) {
    if (end > size) return missing;
    VIGIL_RETURN_IF_ERROR(txn.Scan(
        Table::kEntries, EncodeBigEndian64(first), [&](std::string_view k, std::string_view v) {
          if (DecodeBigEndian64(k) != next) {
            broken = Status(Code::kCorruption, "entry " + std::to_string(next) + " is missing");
            return false;
          }
          PutBigEndian16(out, static_cast<uint16_t>(v.size()));
          out += v;
          return ++next < end;
        }));
  } else if (level >= 64 || (end > (size >> level))) {
    return missing;
  } else if (level == 0) {
    out.reserve(tile.width * 32);
    uint64_t want = merkle::PostOrderPosition(0, next);
    VIGIL_RETURN_IF_ERROR(txn.Scan(
        Table::kHashes, EncodeBigEndian64(want), [&](std::string_view k, std::string_view v) {
          const uint64_t pos = DecodeBigEndian64(k);
          if (pos < want) return true;  // a node of a higher level
          if (pos > want || v.size() != 32) {
            broken =
                Status(Code::kCorruption, "leaf hash " + std::to_string(next) +
                                              (pos > want ? " is missing" : " is not 32 bytes"));
            return false;
          }
          out += v;
          if (++next == end) return false;
          want = merkle::PostOrderPosition(0, next);
          return true;
        }));
  } else {
    out.reserve(tile.width * 32);
    for (; next < end; ++next) {
      Result<Hash> h = ReadNode(txn, level, next);
      if (!h.ok()) return h.status();
      out.append(AsView(*h));
    }
  }
  if (!broken.ok()) return broken;
  if (next != end)
    return Status(Code::kCorruption, "tile " + TilePath(tile) + " ends early in the store");
  return out;
}

}  // namespace vigil
