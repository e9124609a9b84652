#include "keys/file.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace vigil {

namespace {
Status IoError(const std::string& what) {
  return Status(Code::kIoError, what + ": " + std::strerror(errno));
}
}  // namespace

ScopedFd& ScopedFd::operator=(ScopedFd&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.release();
  }
  return *this;
}

ScopedFd::~ScopedFd() {
  if (fd_ >= 0) ::close(fd_);
}

Result<ScopedFd> ScopedFd::Open(const std::string& path, int flags, unsigned mode) {
  const int fd = ::open(path.c_str(), flags | O_CLOEXEC, static_cast<mode_t>(mode));
  if (fd < 0) {
    // With O_CREAT, ENOENT means a missing directory on the way: an I/O error, as file.h says.
    if (errno == ENOENT && (flags & O_CREAT) == 0)
      return Status(Code::kNotFound, "no file " + path);
    if (errno == EEXIST) return Status(Code::kConflict, path + " already exists");
    return IoError("cannot open " + path);
  }
  return ScopedFd(fd);
}

Status ScopedFd::WriteAll(std::string_view data, const std::string& what) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd_, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return IoError("cannot write " + what);
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Status::Ok();
}

Status ScopedFd::Sync(const std::string& what) {
  if (::fsync(fd_) != 0) return IoError("cannot fsync " + what);
  return Status::Ok();
}

Result<FileLock> FileLock::TryAcquire(const std::string& path) {
  Result<ScopedFd> fd = ScopedFd::Open(path, O_RDWR | O_CREAT, 0600);
  if (!fd.ok()) return fd.status();
  if (::flock(fd->get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK)
      return Status(Code::kFailedPrecondition, path + " is locked by another process");
    return IoError("cannot lock " + path);
  }
  return FileLock(std::move(*fd));
}

std::string ParentDir(const std::string& path) {
  std::string p = path;
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  const size_t slash = p.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : p.substr(0, slash);
}

Status SyncDir(const std::string& dir) {
  Result<ScopedFd> fd = ScopedFd::Open(dir, O_RDONLY | O_DIRECTORY);
  if (!fd.ok()) return fd.status();
  return fd->Sync(dir);
}

Status WriteNewFile(const std::string& path, std::string_view contents, unsigned mode) {
  Result<ScopedFd> fd = ScopedFd::Open(path, O_WRONLY | O_CREAT | O_EXCL, mode);
  if (!fd.ok()) return fd.status();
  Status s = fd->WriteAll(contents, path);
  if (s.ok()) s = fd->Sync(path);
  if (!s.ok()) {
    ::unlink(path.c_str());  // ours (O_EXCL), and never to be left half written
    return s;
  }
  return SyncDir(ParentDir(path));
}

Status WriteFileAtomic(const std::string& path, std::string_view contents, unsigned mode) {
  const std::string tmp = path + ".tmp";
  {
    Result<ScopedFd> fd = ScopedFd::Open(tmp, O_WRONLY | O_CREAT | O_TRUNC, mode);
    if (!fd.ok()) return fd.status();
    Status s = fd->WriteAll(contents, tmp);
    if (s.ok()) s = fd->Sync(tmp);
    if (!s.ok()) {
      ::unlink(tmp.c_str());
      return s;
    }
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    Status s = IoError("cannot rename " + tmp + " to " + path);
    ::unlink(tmp.c_str());
    return s;
  }
  return SyncDir(ParentDir(path));
}

}  // namespace vigil
