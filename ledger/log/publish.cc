#include "ledger/log/publish.h"

#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "keys/file.h"
#include "ledger/log/checkpoint.h"
#include "ledger/log/merkle.h"
#include "ledger/log/tile.h"

namespace vigil {

namespace fs = std::filesystem;

namespace {

// Creates `dir` and any missing parents (mode 0755: the files are public), syncing the parent
// of each directory it creates so that the new entry is durable.
Status MakeDirs(const std::string& dir) {
  struct stat st;
  if (::stat(dir.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return Status::Ok();
    return Status(Code::kFailedPrecondition, dir + " exists and is not a directory");
  }
  const std::string parent = ParentDir(dir);
  if (parent != dir) VIGIL_RETURN_IF_ERROR(MakeDirs(parent));
  if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
    return Status(Code::kIoError, "cannot create " + dir + ": " + std::strerror(errno));
  }
  return SyncDir(parent);
}

// The file's contents, or nullopt if it does not exist or cannot be read.
std::optional<std::string> ReadIfExists(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

merkle::NodeReader Reader(const db::Txn& txn) {
  return [&txn](int level, uint64_t index) { return ReadNode(txn, level, index); };
}

}  // namespace

Result<std::string> CheckpointToPublish(const db::Txn& txn) {
  Result<std::optional<std::pair<std::string, std::string>>> last =
      txn.Last(db::Table::kCheckpoints);
  if (!last.ok()) return last.status();
  if (!last->has_value()) return Status(Code::kNotFound, "the log has no checkpoint yet");
  return (*last)->second;
}

Result<PublishResult> PublishCheckpoint(const db::Txn& txn, const LogInfo& info,
                                        const std::string& note, const std::string& out) {
  Result<Checkpoint> cp = OpenCheckpoint(note, info.verifier());
  if (!cp.ok()) {
    return Status(Code::kInvalidArgument,
                  "the checkpoint to publish does not verify: " + cp.status().message());
  }
  Result<uint64_t> have = txn.Count(db::Table::kEntries);
  if (!have.ok()) return have.status();
  if (*have < cp->size) {
    return Status(Code::kCorruption, "the store holds " + std::to_string(*have) +
                                         " entries, fewer than the checkpoint's " +
                                         std::to_string(cp->size));
  }
  Result<Hash> root = merkle::RootAt(cp->size, Reader(txn));
  if (!root.ok()) return root.status();
  if (*root != cp->root) {
    return Status(Code::kCorruption, "the store's tree at size " + std::to_string(cp->size) +
                                         " is not the checkpoint's");
  }

  VIGIL_RETURN_IF_ERROR(MakeDirs(out));
  Result<FileLock> lock = FileLock::TryAcquire(out + "/.publish.lock");
  if (!lock.ok()) {
    if (lock.status().code() != Code::kFailedPrecondition) return lock.status();
    return Status(Code::kFailedPrecondition,
                  "another vigil publish (or serve --publish) is writing " + out + "; try again");
  }

  // What OUT already publishes: this log's, no larger, and a prefix of this tree.
  PublishResult result;
  result.size = cp->size;
  uint64_t from = 0;
  const std::string checkpoint_path = out + "/checkpoint";
  if (std::optional<std::string> old_note = ReadIfExists(checkpoint_path)) {
    if (*old_note == note) return result;  // nothing new
    Result<Checkpoint> old = OpenCheckpoint(*old_note, info.verifier());
    if (!old.ok()) {
      return Status(Code::kFailedPrecondition,
                    checkpoint_path + " is not a checkpoint of " + info.origin + " (" +
                        old.status().message() +
                        "); publish each log into its own empty directory");
    }
    if (old->size > cp->size) {
      return Status(Code::kFailedPrecondition,
                    out + " already publishes a checkpoint of size " + std::to_string(old->size) +
                        ", larger than the log's " + std::to_string(cp->size) +
                        ": the store is behind what was published (restored from an older "
                        "backup?); refusing to roll the published log back "
                        "(docs/operator.md, \"Restore and the published checkpoint\")");
    }
    Result<Hash> old_root = merkle::RootAt(old->size, Reader(txn));
    if (!old_root.ok()) return old_root.status();
    if (*old_root != old->root) {
      return Status(Code::kFailedPrecondition,
                    out + " publishes a checkpoint of size " + std::to_string(old->size) +
                        " whose tree is not this store's at that size: the store is another "
                        "history (a fork); refusing to publish it");
    }
    from = old->size;
  }

  // The tiles of the new tree that the old checkpoint did not cover, level by level. A tile
  // already on disk with the right bytes is kept (a full one is never rewritten); one with
  // other bytes can only come from a run that failed before publishing its checkpoint.
  std::vector<std::string> newly_full;  // "<L>/<N>.p" directories of tiles that became full
  for (int level = 0; level < 64 / TileRef::kHeight; ++level) {
    const int shift = level * TileRef::kHeight;
    const uint64_t count = cp->size >> shift;  // hashes at this tile level
    if (count == 0) break;
    const uint64_t old_count = from >> shift;
    const uint64_t last = (count - 1) / TileRef::kWidth;
    for (uint64_t index = old_count / TileRef::kWidth; index <= last; ++index) {
      const uint64_t end = std::min<uint64_t>(count, (index + 1) * TileRef::kWidth);
      TileRef ref{level, index, static_cast<uint32_t>(end - index * TileRef::kWidth)};
      if (ref.full() && (index + 1) * TileRef::kWidth > old_count) {
        newly_full.push_back(TilePath(ref) + ".p");
      }
      const std::string path = out + "/tile/" + TilePath(ref);
      Result<std::string> bytes = ReadTileAt(txn, cp->size, ref);
      if (!bytes.ok()) return bytes.status();
      std::optional<std::string> on_disk = ReadIfExists(path);
      if (on_disk.has_value() && *on_disk == *bytes) continue;
      VIGIL_RETURN_IF_ERROR(MakeDirs(ParentDir(path)));
      VIGIL_RETURN_IF_ERROR(WriteFileAtomic(path, *bytes, 0644));
      ++result.tiles_written;
    }
  }
  VIGIL_RETURN_IF_ERROR(WriteFileAtomic(checkpoint_path, note, 0644));
  result.checkpoint_written = true;

  // Partial tiles of tiles now full: "<L>/<N>.p/" directories (never needed again).
  for (const std::string& p : newly_full) {
    const std::string dir = out + "/tile/" + p;
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) continue;
    for (const fs::directory_entry& e : fs::directory_iterator(dir, ec)) {
      if (fs::remove(e.path(), ec)) ++result.partials_removed;
    }
    fs::remove(dir, ec);
    if (Status s = SyncDir(ParentDir(dir)); !s.ok()) return s;
  }
  return result;
}

Result<std::unique_ptr<Publisher>> Publisher::Start(Log& log, std::string out,
                                                    std::chrono::milliseconds interval,
                                                    Source source) {
  std::unique_ptr<Publisher> p(new Publisher(log, std::move(out), interval, std::move(source)));
  VIGIL_RETURN_IF_ERROR(p->Tick());
  p->thread_ = std::thread([raw = p.get()] { raw->Run(); });
  return p;
}

Publisher::~Publisher() { Stop(); }

void Publisher::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

Status Publisher::Tick() {
  Result<db::Txn> txn = log_.BeginRead();
  if (!txn.ok()) return txn.status();
  Result<std::string> note = source_ ? source_() : CheckpointToPublish(*txn);
  if (note.status().code() == Code::kNotFound || note.status().code() == Code::kUnavailable) {
    return Status::Ok();  // nothing signed (or cosigned) yet
  }
  if (!note.ok()) return note.status();
  if (*note == last_note_) return Status::Ok();
  Result<PublishResult> r = PublishCheckpoint(*txn, log_.info(), *note, out_);
  if (!r.ok()) return r.status();
  last_note_ = std::move(*note);
  published_size_ = r->size;
  return Status::Ok();
}

void Publisher::Run() {
  bool failing = false;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      if (cv_.wait_for(lock, interval_, [this] { return stopping_; })) {
        lock.unlock();
        // The last batches before a clean stop are published too.
        if (Status s = Tick(); !s.ok())
          spdlog::warn("publishing to {} failed: {}", out_, s.message());
        return;
      }
    }
    Status s = Tick();
    if (!s.ok()) {
      ++failures_;
      // Once per failing spell, not at every tick.
      if (!failing) spdlog::warn("publishing to {} failed (retrying): {}", out_, s.message());
      failing = true;
    } else if (failing) {
      spdlog::info("publishing to {} works again (size {})", out_, published_size_.load());
      failing = false;
    }
  }
}

}  // namespace vigil
