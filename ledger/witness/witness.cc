#include "ledger/witness/witness.h"

#include <sys/stat.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>

#include "keys/coding.h"
#include "ledger/log/checkpoint.h"
#include "ledger/log/merkle.h"
#include "ledger/witness/protocol.h"

namespace vigil::witness {

namespace {

namespace fs = std::filesystem;
using db::Table;

constexpr char kKeyFile[] = "/witness.key";
constexpr char kVkeyFile[] = "/witness.vkey";
constexpr char kLockFile[] = "/witness.lock";
constexpr char kStoreDir[] = "/store";
constexpr char kStateKeyPrefix[] = "witness/";
// A few thousand logs of a few hundred bytes each; the map doubles when full.
constexpr uint64_t kInitialMapSize = uint64_t{16} << 20;

std::string StateKey(const std::string& origin) { return kStateKeyPrefix + origin; }

std::string EncodeState(const LogState& s) {
  std::string out = EncodeBigEndian64(s.size);
  out.append(AsView(s.root));
  out += s.checkpoint;
  return out;
}

Result<LogState> DecodeState(std::string_view v, const std::string& origin) {
  if (v.size() < 40) {
    return Status(Code::kCorruption, "the witness's stored state of " + origin + " is damaged");
  }
  LogState s;
  s.size = DecodeBigEndian64(v.substr(0, 8));
  std::memcpy(s.root.data(), v.data() + 8, 32);
  s.checkpoint = std::string(v.substr(40));
  return s;
}

AddOutcome Refuse(int status, std::string message) {
  AddOutcome out;
  out.http_status = status;
  out.content_type = "text/plain; charset=utf-8";
  out.body = message + "\n";
  out.message = std::move(message);
  return out;
}

uint64_t SystemNow() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

}  // namespace

Result<std::string> Witness::Init(const std::string& dir, const std::string& name,
                                  const SecretKey& key, std::string_view passphrase) {
  const std::string vkey = VerifierKeyString(name, key.public_key(), NoteKeyType::kCosignature);
  if (name.empty() || !ParseVerifierKey(vkey).ok() ||
      name.find_first_of(" \t\n+") != std::string::npos) {
    return Status(Code::kInvalidArgument,
                  "the witness name must be non-empty with no spaces, '+' or newlines, e.g. "
                  "witness.example.vn/w1");
  }
  std::error_code ec;
  if (fs::exists(dir + kKeyFile, ec) || fs::exists(dir + kStoreDir, ec)) {
    return Status(Code::kConflict, dir + " already holds a witness; refusing to overwrite it");
  }
  if (!fs::exists(dir, ec)) {
    if (::mkdir(dir.c_str(), 0700) != 0) {
      return Status(Code::kIoError, "cannot create " + dir + ": " + std::strerror(errno));
    }
  }
  if (passphrase.empty()) {
    VIGIL_RETURN_IF_ERROR(key.Save(dir + kKeyFile));
  } else {
    VIGIL_RETURN_IF_ERROR(key.SaveProtected(dir + kKeyFile, passphrase));
  }
  VIGIL_RETURN_IF_ERROR(WriteNewFile(dir + kVkeyFile, vkey + "\n", 0644));
  db::EnvOptions options;
  options.initial_map_size = kInitialMapSize;
  Result<std::unique_ptr<db::Env>> env = db::Env::Open(dir + kStoreDir, options);
  if (!env.ok()) return env.status();
  return vkey;
}

Result<std::unique_ptr<Witness>> Witness::Open(const std::string& dir,
                                               const std::vector<NoteVerifier>& logs,
                                               std::function<uint64_t()> now) {
  std::error_code ec;
  if (!fs::exists(dir + kVkeyFile, ec) || !fs::exists(dir + kStoreDir, ec)) {
    return Status(Code::kNotFound,
                  "no witness in " + dir + " (create one with vigil witness init)");
  }
  std::unique_ptr<Witness> w(new Witness());
  Result<FileLock> lock = FileLock::TryAcquire(dir + kLockFile);
  if (!lock.ok()) {
    if (lock.status().code() == Code::kFailedPrecondition) {
      return Status(Code::kFailedPrecondition,
                    "another vigil witness process serves " + dir + "; stop it first");
    }
    return lock.status();
  }
  w->lock_ = std::move(*lock);
  Result<SecretBytes> vkey_text = ReadKeyFile(dir + kVkeyFile, /*secret=*/false);
  if (!vkey_text.ok()) return vkey_text.status();
  std::string vkey(vkey_text->view());
  while (!vkey.empty() && (vkey.back() == '\n' || vkey.back() == '\r')) vkey.pop_back();
  Result<NoteVerifier> verifier = ParseVerifierKey(vkey);
  if (!verifier.ok() || verifier->type != NoteKeyType::kCosignature) {
    return Status(Code::kCorruption, dir + kVkeyFile + " does not hold a witness verifier key");
  }
  Result<SecretKey> key = SecretKey::Load(dir + kKeyFile);
  if (!key.ok()) return key.status();
  if (key->public_key().bytes() != verifier->key.bytes()) {
    return Status(Code::kCorruption, dir + kKeyFile + " is not the key of " + dir + kVkeyFile);
  }
  for (const NoteVerifier& log : logs) {
    if (log.type != NoteKeyType::kEd25519) {
      return Status(Code::kInvalidArgument,
                    "the log key " + log.name + " is not an Ed25519 checkpoint key (type 0x01)");
    }
    w->logs_[log.name].push_back(log);
  }
  db::EnvOptions options;
  options.initial_map_size = kInitialMapSize;
  Result<std::unique_ptr<db::Env>> env = db::Env::Open(dir + kStoreDir, options);
  if (!env.ok()) return env.status();
  w->env_ = std::move(*env);
  w->key_.emplace(std::move(*key));
  w->name_ = verifier->name;
  w->vkey_ = vkey;
  w->now_ = now ? std::move(now) : SystemNow;
  return w;
}

Witness::~Witness() = default;

Result<std::optional<LogState>> Witness::StateOf(const std::string& origin) {
  Result<db::Txn> txn = env_->BeginRead();
  if (!txn.ok()) return txn.status();
  Result<std::optional<std::string>> v = txn->Get(Table::kMeta, StateKey(origin));
  if (!v.ok()) return v.status();
  if (!v->has_value()) return std::optional<LogState>();
  Result<LogState> s = DecodeState(**v, origin);
  if (!s.ok()) return s.status();
  return std::optional<LogState>(std::move(*s));
}

AddOutcome Witness::AddCheckpoint(std::string_view body) {
  Result<AddCheckpointRequest> req = ParseAddCheckpoint(body);
  if (!req.ok()) return Refuse(400, req.status().message());
  const std::string& note = req->checkpoint;
  const std::string origin = note.substr(0, note.find('\n'));
  auto known = logs_.find(origin);
  if (known == logs_.end()) {
    AddOutcome out = Refuse(404, "unknown log origin: this witness does not witness it");
    return out;
  }
  Result<OpenedNote> opened = OpenNote(note, known->second);
  if (!opened.ok()) {
    if (opened.status().code() == Code::kInvalidArgument) {
      return Refuse(400, "the checkpoint is not a signed note: " + opened.status().message());
    }
    AddOutcome out = Refuse(403, "no valid signature of the log " + origin + " on the checkpoint");
    out.origin = origin;
    return out;
  }
  Result<Checkpoint> cp = ParseCheckpointBody(opened->text);
  if (!cp.ok()) return Refuse(400, "the checkpoint is malformed: " + cp.status().message());
  if (req->old_size > cp->size) {
    AddOutcome out =
        Refuse(400, "old size " + std::to_string(req->old_size) +
                        " is larger than the checkpoint's size " + std::to_string(cp->size));
    out.origin = origin;
    out.size = cp->size;
    return out;
  }
  AddOutcome out = CheckAndStore(req->old_size, req->proof, cp->size, cp->root, origin, note);
  out.origin = origin;
  out.size = cp->size;
  if (out.http_status != 200) return out;
  // Durable: cosign. The cosignature covers the checkpoint body only (tlog-cosignature v1).
  out.body = CosignatureLine(opened->text, name_, *key_, now_());
  out.content_type = kCosignatureContentType;
  return out;
}

AddOutcome Witness::CheckAndStore(uint64_t old_size, const std::vector<Hash>& proof, uint64_t size,
                                  const Hash& root, const std::string& origin,
                                  const std::string& note) {
  for (int attempt = 0;; ++attempt) {
    std::optional<AddOutcome> done = TryCheckAndStore(old_size, proof, size, root, origin, note,
                                                      /*may_grow=*/attempt == 0);
    if (done.has_value()) return std::move(*done);
    if (Status g = env_->Grow(); !g.ok()) return Refuse(500, "the witness's store is full");
  }
}

std::optional<AddOutcome> Witness::TryCheckAndStore(uint64_t old_size,
                                                    const std::vector<Hash>& proof, uint64_t size,
                                                    const Hash& root, const std::string& origin,
                                                    const std::string& note, bool may_grow) {
  {
    Result<db::Txn> txn = env_->BeginWrite();
    if (!txn.ok()) return Refuse(500, "the witness's store cannot be written");
    Result<std::optional<std::string>> v = txn->Get(Table::kMeta, StateKey(origin));
    if (!v.ok()) return Refuse(500, "the witness's store cannot be read");
    LogState stored;
    bool have = false;
    if (v->has_value()) {
      Result<LogState> s = DecodeState(**v, origin);
      if (!s.ok()) return Refuse(500, s.status().message());
      stored = std::move(*s);
      have = true;
    }
    if (old_size != stored.size) {
      AddOutcome out = Refuse(409, "old size " + std::to_string(old_size) +
                                       " is not the size this witness last cosigned, " +
                                       std::to_string(stored.size));
      out.content_type = kSizeContentType;
      out.body = FormatSizeBody(stored.size);
      return out;
    }
    if (old_size == size && have && root != stored.root) {
      AddOutcome out =
          Refuse(409, "the checkpoint has the size this witness last cosigned, " +
                          std::to_string(size) + ", but another root: the log has forked");
      out.content_type = kSizeContentType;
      out.body = FormatSizeBody(stored.size);
      return out;
    }
    if (old_size == 0 || old_size == size) {
      if (!proof.empty()) {
        return Refuse(422, "the consistency proof must be empty from size " +
                               std::to_string(old_size) + " to " + std::to_string(size));
      }
    } else if (Status s = merkle::VerifyConsistency(old_size, size, stored.root, root, proof);
               !s.ok()) {
      return Refuse(422, "the consistency proof from " + std::to_string(old_size) + " to " +
                             std::to_string(size) + " does not verify: " + s.message());
    }
    LogState next{size, root, note};
    Status put = txn->Put(Table::kMeta, StateKey(origin), EncodeState(next));
    if (put.code() == Code::kResourceExhausted && may_grow) return std::nullopt;  // aborts
    if (!put.ok()) return Refuse(500, "the witness's store cannot be written");
    if (Status c = txn->Commit(); !c.ok()) {
      return Refuse(500, "the witness's store could not commit");
    }
    AddOutcome out;
    out.http_status = 200;
    out.message = "cosigned size " + std::to_string(size);
    return out;
  }
}

}  // namespace vigil::witness
