// vigil backup, vigil restore: a hot, compacted copy of a store that `vigil verify --data`
// accepts, and a restore that verifies it first and never leaves a half-restored store.
//
// A backup directory holds:
//   store/data.mdb   the LMDB copy (mdb_env_copy2 with MDB_CP_COMPACT, from one read txn)
//   keys/*.pub       the public keys
//   keys/*.key       the secret keys, only with --with-keys
// Never keys/personal.slots, the per-record keys of the personal side data: an erasure
// destroys a record's key in that file, so a store backup made before an erasure must not hold
// it (ledger/personal.h; docs/operator.md "Backups"). Never DATA/checkpoint.last either: it
// records the last checkpoint the log signed, so that a store restored behind it is caught
// (ledger/log/log.h); restore never touches it, and a restore from an older backup then opens
// with signing held (docs/operator.md "Restore and the published checkpoint").
//   BACKUP.json      what it is: origin, verifier key, entries, checkpoint, file hash
#include <dirent.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <vector>

#include "cli/commands.h"
#include "keys/file.h"
#include "keys/note.h"
#include "ledger/log/checkpoint.h"
#include "ledger/log/db.h"
#include "ledger/log/log.h"
#include "ledger/personal.h"
#include "ledger/verify.h"

namespace vigil::cli {

namespace {

// The secret files of a data directory and what each is for.
struct SecretFile {
  const char* name;
  const char* what;
};
constexpr SecretFile kSecretFiles[] = {
    {"log.key", "signs checkpoints; the server cannot append without it"},
    {"personal.key",
     "with personal.slots, opens the personal side data; without both those records can never "
     "be read again, and the server refuses to start"},
    {"authority.key", "the first authority's signing key (best kept off the server)"},
};

bool Exists(const std::string& path) { return ::access(path.c_str(), F_OK) == 0; }

Status MakeDir(const std::string& path, mode_t mode) {
  if (::mkdir(path.c_str(), mode) != 0) {
    return Status(Code::kIoError, "cannot create " + path + ": " + std::strerror(errno));
  }
  return Status::Ok();
}

// fsyncs a file written through another handle (LMDB's copy of the store).
Status SyncFile(const std::string& path) {
  Result<ScopedFd> fd = ScopedFd::Open(path, O_RDONLY);
  if (!fd.ok()) return fd.status();
  return fd->Sync(path);
}

// Copies a file to a new file `to` (fsynced), keeping `mode`. Also returns its SHA-256 when
// `hash` is given. The caller syncs the directory of `to`.
Status CopyFile(const std::string& from, const std::string& to, unsigned mode,
                Hash* hash = nullptr) {
  Result<ScopedFd> in = ScopedFd::Open(from, O_RDONLY);
  if (!in.ok()) return in.status();
  Result<ScopedFd> out = ScopedFd::Open(to, O_WRONLY | O_CREAT | O_EXCL, mode);
  if (!out.ok()) return out.status();
  crypto_hash_sha256_state sha;
  crypto_hash_sha256_init(&sha);
  std::vector<char> buf(1 << 20);
  for (;;) {
    const ssize_t n = ::read(in->get(), buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status(Code::kIoError, "cannot read " + from + ": " + std::strerror(errno));
    if (n == 0) break;
    crypto_hash_sha256_update(&sha, reinterpret_cast<unsigned char*>(buf.data()),
                              static_cast<size_t>(n));
    VIGIL_RETURN_IF_ERROR(out->WriteAll(std::string_view(buf.data(), static_cast<size_t>(n)), to));
  }
  VIGIL_RETURN_IF_ERROR(out->Sync(to));
  if (hash != nullptr) crypto_hash_sha256_final(&sha, hash->data());
  return Status::Ok();
}

Result<Hash> HashFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status(Code::kIoError, "cannot open " + path);
  crypto_hash_sha256_state sha;
  crypto_hash_sha256_init(&sha);
  std::vector<char> buf(1 << 20);
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    crypto_hash_sha256_update(&sha, reinterpret_cast<unsigned char*>(buf.data()),
                              static_cast<size_t>(in.gcount()));
  }
  Hash h;
  crypto_hash_sha256_final(&sha, h.data());
  return h;
}

// Removes a directory tree we created (a failed backup or restore's temporary directory).
void RemoveTree(const std::string& path) {
  if (DIR* d = ::opendir(path.c_str())) {
    while (dirent* e = ::readdir(d)) {
      const std::string name = e->d_name;
      if (name == "." || name == "..") continue;
      const std::string child = path + "/" + name;
      struct stat st;
      if (::lstat(child.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
        RemoveTree(child);
      } else {
        ::unlink(child.c_str());
      }
    }
    ::closedir(d);
  }
  ::rmdir(path.c_str());
}

std::vector<std::string> FilesIn(const std::string& dir, const std::string& suffix) {
  std::vector<std::string> out;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (dirent* e = ::readdir(d)) {
      const std::string name = e->d_name;
      if (name.size() > suffix.size() &&
          name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
        out.push_back(name);
      }
    }
    ::closedir(d);
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Facts of a store, read without any secret key.
struct StoreFacts {
  LogInfo info;
  uint64_t entries = 0;
  uint64_t personal_records = 0;
  std::string checkpoint;
};

Result<StoreFacts> ReadFacts(const std::string& store_dir) {
  db::EnvOptions o;
  o.read_only = true;
  Result<std::unique_ptr<db::Env>> env = db::Env::Open(store_dir, o);
  if (!env.ok()) return env.status();
  Result<db::Txn> txn = (*env)->BeginRead();
  if (!txn.ok()) return txn.status();
  StoreFacts f;
  Result<LogInfo> info = Log::ReadInfo(*txn);
  if (!info.ok()) return info.status();
  f.info = *info;
  Result<uint64_t> n = txn->Count(db::Table::kEntries);
  if (!n.ok()) return n.status();
  f.entries = *n;
  VIGIL_RETURN_IF_ERROR(
      txn->Scan(db::Table::kPersonal, "", [&f](std::string_view, std::string_view v) {
        Result<PersonalRecord> r = DecodePersonalRecord(v);
        if (r.ok() && !r->erased) ++f.personal_records;  // verification judges the rest
        return true;
      }));
  Result<std::optional<std::pair<std::string, std::string>>> last =
      txn->Last(db::Table::kCheckpoints);
  if (last.ok() && last->has_value()) f.checkpoint = (*last)->second;
  return f;
}

int Backup(const std::string& data, const std::string& out, bool with_keys, bool verify) {
  const std::string store = data + "/store";
  if (!Exists(store + "/data.mdb")) {
    std::cerr << "vigil backup: no store in " << data << " (expected " << store << "/data.mdb)\n";
    return kExitUsage;
  }
  if (Exists(out)) {
    std::cerr << "vigil backup: " << out << " already exists; give a new directory name\n";
    return kExitUsage;
  }
  // Built under a temporary name, renamed into place only when complete.
  const std::string tmp = out + ".partial." + std::to_string(::getpid());
  auto fail = [&](const std::string& why) {
    RemoveTree(tmp);
    std::cerr << "vigil backup: " << why << "\n";
    return kExitUsage;
  };
  if (Status s = MakeDir(tmp, 0700); !s.ok()) return fail(s.message());
  if (Status s = MakeDir(tmp + "/store", 0700); !s.ok()) return fail(s.message());
  {
    // A read transaction of its own: the server keeps appending meanwhile.
    db::EnvOptions o;
    o.read_only = true;
    Result<std::unique_ptr<db::Env>> env = db::Env::Open(store, o);
    if (!env.ok()) return fail(env.status().message());
    if (Status s = (*env)->CopyTo(tmp + "/store"); !s.ok()) return fail(s.message());
  }
  if (Status s = SyncFile(tmp + "/store/data.mdb"); !s.ok()) return fail(s.message());
  if (Status s = SyncDir(tmp + "/store"); !s.ok()) return fail(s.message());
  Result<StoreFacts> facts = ReadFacts(tmp + "/store");
  if (!facts.ok()) return fail("the copy cannot be read: " + facts.status().message());
  ::unlink((tmp + "/store/lock.mdb").c_str());  // made by reading the copy; not part of it

  if (Status s = MakeDir(tmp + "/keys", 0700); !s.ok()) return fail(s.message());
  const std::string keys = data + "/keys";
  std::vector<std::string> copied;
  for (const std::string& name : FilesIn(keys, ".pub")) {
    if (Status s = CopyFile(keys + "/" + name, tmp + "/keys/" + name, 0644); !s.ok())
      return fail(s.message());
    copied.push_back("keys/" + name);
  }
  std::vector<std::string> left_out;
  for (const SecretFile& f : kSecretFiles) {
    const std::string path = keys + "/" + f.name;
    if (!Exists(path)) continue;
    if (with_keys) {
      if (Status s = CopyFile(path, tmp + "/keys/" + f.name, 0600); !s.ok())
        return fail(s.message());
      copied.push_back(std::string("keys/") + f.name);
    } else {
      left_out.push_back(f.name);
    }
  }
  if (Status s = SyncDir(tmp + "/keys"); !s.ok()) return fail(s.message());

  if (verify) {
    VerifyOptions vo;
    vo.log_key = facts->info.verifier();
    Result<VerifyReport> report = VerifyStore(tmp, vo);
    if (!report.ok()) return fail("cannot verify the copy: " + report.status().message());
    if (!report->ok()) {
      RemoveTree(tmp);
      std::cout << "FAILED: the copy does not verify, so the store itself is damaged: "
                << report->problems.front().what << "\nRun vigil verify --data " << data
                << " --all-errors for every problem.\n";
      return kExitFailure;
    }
  }
  Result<Hash> file_hash = HashFile(tmp + "/store/data.mdb");
  if (!file_hash.ok()) return fail(file_hash.status().message());
  nlohmann::json manifest = {
      {"format", "vigil-backup/v1"},
      {"origin", facts->info.origin},
      {"verifier_key", facts->info.verifier_key},
      {"entries", facts->entries},
      {"checkpoint", facts->checkpoint},
      {"personal_records", facts->personal_records},
      {"created_at", FormatTimestamp(NowMs())},
      {"from", data},
      {"data_mdb_sha256", Base64(*file_hash)},
      {"verified", verify},
      {"secret_keys", with_keys ? nlohmann::json(copied) : nlohmann::json::array()}};
  // WriteNewFile syncs BACKUP.json and tmp, so the rename publishes a complete directory.
  if (Status s = WriteNewFile(tmp + "/BACKUP.json", manifest.dump(2) + "\n", 0644); !s.ok()) {
    return fail(s.message());
  }
  if (::rename(tmp.c_str(), out.c_str()) != 0) {
    return fail("cannot rename " + tmp + " to " + out + ": " + std::strerror(errno));
  }
  if (Status s = SyncDir(ParentDir(out)); !s.ok()) {
    std::cerr << "vigil backup: " << out << " is complete, but " << s.message() << "\n";
    return kExitUsage;
  }

  std::cout << "backup of " << facts->info.origin << " written to " << out << ": " << facts->entries
            << " entries" << (verify ? ", verified" : "") << "\n"
            << "copied: store/data.mdb (compacted), BACKUP.json";
  for (const std::string& c : copied) std::cout << ", " << c;
  std::cout << "\n";
  if (!left_out.empty()) {
    std::cout << "NOT copied (secret keys; add --with-keys, or keep your own offline copy):\n";
    for (const SecretFile& f : kSecretFiles) {
      if (std::find(left_out.begin(), left_out.end(), f.name) == left_out.end()) continue;
      std::cout << "  " << keys << "/" << f.name << "  " << f.what << "\n";
    }
  } else if (with_keys) {
    std::cout << "the backup holds secret keys: keep " << out << " as private as the server\n";
  }
  if (Exists(keys + "/" + kPersonalSlotsFile)) {
    std::cout << "never copied: " << keys << "/" << kPersonalSlotsFile
              << "  the keys of the personal records; an erasure destroys them there, so no "
                 "store backup keeps erased data readable (back it up with personal.key in your "
                 "key backup: docs/operator.md)\n";
  }
  if (facts->personal_records > 0) {
    std::cout << "this store holds " << facts->personal_records
              << " sealed personal-data records: they open only with " << keys
              << "/personal.key and personal.slots\n";
  }
  return kExitOk;
}

// After a restore: what DATA/checkpoint.last (which restore never touches) says about the
// restored store. A store behind it opens with signing held (Log::Open); say so now.
void ReportLastCheckpoint(const std::string& data, const LogInfo& info, uint64_t entries,
                          const std::string& kept) {
  const std::string file = Log::CheckpointFilePath(data);
  Result<std::string> last = Log::ReadCheckpointFile(data, info.verifier());
  if (!last.ok()) {
    std::cout << "note: " << data << " has no checkpoint.last, so nothing here tells whether "
              << "this backup is the newest copy; if the log ran elsewhere, compare with the "
              << "checkpoint it last published (witnesses, mirrors, a saved checkpoint with "
              << "vigil verify --server) before serving\n";
    return;
  }
  Result<Checkpoint> cp = OpenCheckpoint(*last, info.verifier());
  if (cp.ok() && cp->size <= entries) return;  // Log::Open compares the trees
  std::cout << "WARNING: " << file << " ("
            << (cp.ok() ? "the last checkpoint this log signed: size " + std::to_string(cp->size)
                        : "it does not verify: " + cp.status().message())
            << ") is kept, and the restored store holds " << entries
            << " entries: the server will start with signing HELD (appends refused, /healthz "
               "says why) so that it cannot fork the log. Restore a newer copy";
  if (!kept.empty()) std::cout << " (the replaced store, kept in " << kept << ", may be one)";
  std::cout << "; only if none exists anywhere, vigil accept-rollback records the loss and lets "
               "the log sign again (docs/operator.md, \"Restore and the published "
               "checkpoint\")\n";
}

int Restore(const std::string& backup, const std::string& data, bool force,
            const std::optional<NoteVerifier>& key) {
  const std::string bstore = backup + "/store";
  if (!Exists(bstore + "/data.mdb")) {
    std::cerr << "vigil restore: " << backup << " is not a Vigil backup (no store/data.mdb)\n";
    return kExitUsage;
  }
  const std::string store = data + "/store";
  const bool replacing = Exists(store + "/data.mdb");
  if (replacing && !force) {
    std::cerr << "vigil restore: " << data << " already holds a store; stop its server and add "
              << "--force to replace it (the current store is kept as " << store
              << ".replaced-<time>)\n";
    return kExitUsage;
  }
  // Verify the backup, fully, before touching anything. A copy is verified, not the backup
  // directory in place, so that nothing is written into the backup.
  if (!Exists(data) && ::mkdir(data.c_str(), 0700) != 0) {
    std::cerr << "vigil restore: cannot create " << data << ": " << std::strerror(errno) << "\n";
    return kExitUsage;
  }
  const std::string tmp = data + "/.restore." + std::to_string(::getpid());
  auto fail = [&](const std::string& why) {
    RemoveTree(tmp);
    std::cerr << "vigil restore: " << why << "\n";
    return kExitUsage;
  };
  if (Status s = MakeDir(tmp, 0700); !s.ok()) return fail(s.message());
  if (Status s = MakeDir(tmp + "/store", 0700); !s.ok()) return fail(s.message());
  Hash copied_hash{};
  if (Status s = CopyFile(bstore + "/data.mdb", tmp + "/store/data.mdb", 0600, &copied_hash);
      !s.ok()) {
    return fail(s.message());
  }
  if (Exists(backup + "/BACKUP.json")) {
    std::ifstream m(backup + "/BACKUP.json");
    nlohmann::json manifest = nlohmann::json::parse(m, nullptr, false);
    if (manifest.is_object() && manifest.contains("data_mdb_sha256") &&
        manifest["data_mdb_sha256"] != Base64(copied_hash)) {
      RemoveTree(tmp);
      std::cout << "FAILED: " << bstore << "/data.mdb is not the file the backup was made with "
                << "(its SHA-256 differs from BACKUP.json); nothing was restored\n";
      return kExitFailure;
    }
  }
  Result<StoreFacts> facts = ReadFacts(tmp + "/store");
  if (!facts.ok()) {
    RemoveTree(tmp);
    std::cout << "FAILED: the backup's store cannot be read (" << facts.status().message()
              << "); nothing was restored\n";
    return kExitFailure;
  }
  VerifyOptions vo;
  vo.log_key = key;
  vo.progress = nullptr;
  Result<VerifyReport> report = VerifyStore(tmp, vo);
  if (!report.ok()) return fail("cannot verify the backup: " + report.status().message());
  if (!report->ok()) {
    RemoveTree(tmp);
    std::cout << "FAILED: the backup does not verify; nothing was restored:\n";
    for (const VerifyProblem& p : report->problems) {
      std::cout << "  " << (p.seq.has_value() ? "entry " + std::to_string(*p.seq) + ": " : "")
                << p.what << "\n";
    }
    return kExitFailure;
  }
  ::unlink((tmp + "/store/lock.mdb").c_str());

  // The data directory's own keys must be this log's.
  const std::string keys = data + "/keys";
  if (Exists(keys + "/log.pub")) {
    std::ifstream a(keys + "/log.pub");
    std::ostringstream mine;
    mine << a.rdbuf();
    const std::string expected = "vigil-ed25519-public-v1 " + facts->info.public_key.ToBase64();
    if (mine.str().rfind(expected, 0) != 0) {
      return fail(keys + "/log.pub is not the key of the log in the backup (" + facts->info.origin +
                  "); restore into another directory");
    }
  }
  if (replacing) {
    Result<StoreFacts> current = ReadFacts(store);
    if (current.ok() && !(current->info.public_key == facts->info.public_key)) {
      return fail(data + " holds another log (" + current->info.origin + ") than the backup (" +
                  facts->info.origin + "); restore into another directory");
    }
  }
  // Keys the directory lacks come from the backup (public ones always; secret ones if it has them).
  if (!Exists(keys)) {
    if (Status s = MakeDir(tmp + "/keys", 0700); !s.ok()) return fail(s.message());
    for (const std::string& name : FilesIn(backup + "/keys", ".pub")) {
      if (Status s = CopyFile(backup + "/keys/" + name, tmp + "/keys/" + name, 0644); !s.ok())
        return fail(s.message());
    }
    for (const SecretFile& f : kSecretFiles) {
      const std::string from = backup + "/keys/" + f.name;
      if (!Exists(from)) continue;
      if (Status s = CopyFile(from, tmp + "/keys/" + f.name, 0600); !s.ok())
        return fail(s.message());
    }
    if (Status s = SyncDir(tmp + "/keys"); !s.ok()) return fail(s.message());
  }
  if (Status s = SyncDir(tmp + "/store"); !s.ok()) return fail(s.message());
  if (Status s = SyncDir(tmp); !s.ok()) return fail(s.message());

  // No server (nor demo --offline, nor another restore) may hold the store while it is
  // swapped: the writer lock of the log, kept until the end of this function.
  FileLock writer_lock;
  if (replacing) {
    Result<FileLock> lock = Log::LockWriter(data);
    if (!lock.ok()) return fail(lock.status().message());
    writer_lock = std::move(*lock);
  }
  // The swap: each step is one rename, so the store is always either the old one or the new.
  std::string kept;
  if (replacing) {
    kept = store + ".replaced-" + std::to_string(::time(nullptr));
    if (::renameat2(AT_FDCWD, (tmp + "/store").c_str(), AT_FDCWD, store.c_str(), RENAME_EXCHANGE) ==
        0) {
      // tmp/store now holds the old store.
      if (::rename((tmp + "/store").c_str(), kept.c_str()) != 0) kept = tmp + "/store";
    } else {
      if (::rename(store.c_str(), kept.c_str()) != 0 ||
          ::rename((tmp + "/store").c_str(), store.c_str()) != 0) {
        return fail("cannot move the restored store into place: " +
                    std::string(std::strerror(errno)));
      }
    }
  } else if (::rename((tmp + "/store").c_str(), store.c_str()) != 0) {
    return fail("cannot move the restored store into place: " + std::string(std::strerror(errno)));
  }
  if (!Exists(keys) && Exists(tmp + "/keys")) ::rename((tmp + "/keys").c_str(), keys.c_str());
  const Status synced = SyncDir(data);
  if (kept != tmp + "/store") RemoveTree(tmp);
  if (!synced.ok()) {
    std::cerr << "vigil restore: the store is in place, but " << synced.message() << "\n";
    return kExitUsage;
  }

  std::cout << "restored " << facts->info.origin << " (" << report->size << " entries, verified"
            << (key.has_value() ? " against the given key" : "") << ") into " << data << "\n";
  if (!kept.empty()) std::cout << "the previous store is kept in " << kept << "\n";
  ReportLastCheckpoint(data, facts->info, facts->entries, kept);
  std::vector<std::string> missing;
  for (const SecretFile& f : kSecretFiles) {
    if (std::string(f.name) == "authority.key") continue;
    if (!Exists(keys + "/" + f.name)) missing.push_back(f.name);
  }
  if (facts->personal_records > 0 && !Exists(keys + "/" + kPersonalSlotsFile)) {
    missing.push_back(kPersonalSlotsFile);
  }
  if (!missing.empty()) {
    std::cout << "before serving, put these secret keys from your key backup into " << keys
              << "/ (mode 0600):";
    for (const std::string& m : missing) std::cout << " " << m;
    std::cout << "\n";
    if (facts->personal_records > 0 &&
        std::find(missing.begin(), missing.end(), "personal.key") != missing.end()) {
      std::cout << "WARNING: " << facts->personal_records
                << " personal-data records need the original personal.key and personal.slots; "
                   "the server refuses to start without them\n";
    }
  }
  return kExitOk;
}

}  // namespace

void AddBackup(CLI::App& app, int& exit_code) {
  auto* backup = app.add_subcommand("backup", "Copy a store, hot and compacted, for vigil restore");
  backup->footer(
      "Copies DATA/store with LMDB's compacting copy from one read transaction, so the server\n"
      "may keep running, plus the public keys and BACKUP.json; then verifies the copy fully\n"
      "(--no-verify to skip). OUT must not exist; it appears only when complete. Secret keys\n"
      "(log.key, personal.key, authority.key) are NOT copied unless --with-keys: keep them in\n"
      "an offline key backup. keys/personal.slots, the per-record keys of the personal side\n"
      "data, is never copied: erasure destroys a record's key there, so a store backup never\n"
      "keeps erased data readable. Without personal.key and personal.slots the personal side\n"
      "data cannot be read.\n"
      "Exit status: 0 ok, 1 the store does not verify, 2 usage or I/O error.\n\n"
      "Examples:\n  vigil backup --data /var/lib/vigil /backup/vigil-$(date +%F)\n"
      "  vigil backup --data /var/lib/vigil --with-keys /secure/vigil-full");
  struct BackupArgs {
    std::string data, out;
    bool with_keys = false, no_verify = false;
  };
  auto b = std::make_shared<BackupArgs>();
  backup->add_option("--data,-d", b->data, "Data directory of the log")->required();
  backup->add_option("OUT", b->out, "Directory to create for the backup")->required();
  backup->add_flag("--with-keys", b->with_keys, "Also copy the secret keys (mode 0600)");
  backup->add_flag("--no-verify", b->no_verify, "Do not verify the copy");
  backup->callback(
      [b, &exit_code] { exit_code = Backup(b->data, b->out, b->with_keys, !b->no_verify); });

  auto* restore =
      app.add_subcommand("restore", "Restore a backup made by vigil backup, after verifying it");
  restore->footer(
      "Verifies the backup fully (every entry, signature, rule, tree hash, checkpoint and the\n"
      "stored state) and refuses one that does not verify. Refuses to replace an existing\n"
      "store unless --force, and never while a server runs on it; the replaced store is kept\n"
      "as DATA/store.replaced-<time>. The new store is moved into place by rename, so DATA\n"
      "never holds a half-restored store. Keys already in DATA/keys are kept, and so is\n"
      "DATA/checkpoint.last (the last checkpoint the log signed): a store restored behind it\n"
      "starts with signing held; see vigil accept-rollback.\n"
      "Exit status: 0 restored, 1 the backup does not verify, 2 usage or I/O error.\n\n"
      "Example:\n  vigil restore /backup/vigil-2026-11-28 --data /var/lib/vigil --key \"$(cat "
      "verifier.key)\"");
  struct RestoreArgs {
    std::string backup, data, key;
    bool force = false;
  };
  auto r = std::make_shared<RestoreArgs>();
  restore->add_option("BACKUP", r->backup, "Backup directory made by vigil backup")->required();
  restore->add_option("--data,-d", r->data, "Data directory to restore into")->required();
  restore->add_option("--key,--vkey", r->key, "The log's verifier key, to check who signed")
      ->envname("VIGIL_LOG_KEY");
  restore->add_flag("--force", r->force, "Replace the store already in DATA");
  restore->callback([r, &exit_code] {
    std::optional<NoteVerifier> key;
    if (!r->key.empty()) {
      Result<NoteVerifier> k = ParseVerifierKey(r->key);
      if (!k.ok()) {
        std::cerr << "vigil restore: --key: " << k.status().message() << "\n";
        exit_code = kExitUsage;
        return;
      }
      key = *k;
    }
    exit_code = Restore(r->backup, r->data, r->force, key);
  });
}

}  // namespace vigil::cli
