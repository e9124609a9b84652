// Files the way every part of Vigil writes them: RAII descriptors, advisory locks, and atomic
// replacement that survives a crash (fsync of the file, rename, fsync of the directory).
// leveldb's FileLock and fmt's os.h `file` are the models. Thread-compatible.
#ifndef VIGIL_KEYS_FILE_H_
#define VIGIL_KEYS_FILE_H_

#include <string>
#include <string_view>

#include "keys/result.h"

namespace vigil {

// Owns one open file descriptor; closes it on destruction. Move-only.
class ScopedFd {
 public:
  ScopedFd() = default;
  explicit ScopedFd(int fd) : fd_(fd) {}
  ScopedFd(ScopedFd&& other) noexcept : fd_(other.release()) {}
  ScopedFd& operator=(ScopedFd&& other) noexcept;
  ScopedFd(const ScopedFd&) = delete;
  ScopedFd& operator=(const ScopedFd&) = delete;
  ~ScopedFd();

  // Opens `path` with open(2) `flags` (O_CLOEXEC is added) and `mode`. kNotFound if it does
  // not exist (and O_CREAT was not given), kIoError with the system's reason otherwise.
  static Result<ScopedFd> Open(const std::string& path, int flags, unsigned mode = 0600);

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int release() {
    const int fd = fd_;
    fd_ = -1;
    return fd;
  }

  // Writes all of `data`, retrying short writes and EINTR. kIoError naming `what` otherwise.
  Status WriteAll(std::string_view data, const std::string& what);
  // fsync(2). kIoError naming `what` on failure.
  Status Sync(const std::string& what);

 private:
  int fd_ = -1;
};

// An exclusive flock(2) on a lock file, held for the object's life. Move-only.
class FileLock {
 public:
  FileLock() = default;
  // Takes the lock without waiting (creating `path`, mode 0600). kFailedPrecondition if another
  // process (or another FileLock of this process) holds it; kIoError if it cannot be opened.
  static Result<FileLock> TryAcquire(const std::string& path);
  bool held() const { return fd_.valid(); }

 private:
  explicit FileLock(ScopedFd fd) : fd_(std::move(fd)) {}
  ScopedFd fd_;  // closing it releases the lock
};

// Writes `contents` to a new file `path` with `mode`, refusing to replace an existing one
// (kConflict), fsynced together with its directory. If the contents cannot be written and
// synced, the new file is removed again (kIoError).
Status WriteNewFile(const std::string& path, std::string_view contents, unsigned mode);
// Replaces `path` atomically with `contents` (a temporary file beside it, fsync, rename, fsync
// of the directory): after a crash the file holds the old or the new contents, never a mix.
Status WriteFileAtomic(const std::string& path, std::string_view contents, unsigned mode);
// fsyncs the directory `dir`, so that entries created or renamed in it are durable.
Status SyncDir(const std::string& dir);
// The directory part of `path` ("." if none).
std::string ParentDir(const std::string& path);

}  // namespace vigil

#endif  // VIGIL_KEYS_FILE_H_
