#include "ledger/personal_slots.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace vigil {

namespace {

constexpr std::string_view kMagic = "vigil-personal-slots-v1\n";
static_assert(kMagic.size() == 24);

Status IoError(const std::string& what, const std::string& path) {
  return Status(Code::kIoError, "cannot " + what + " " + path + ": " + std::strerror(errno));
}

Status PWriteAll(int fd, const unsigned char* data, size_t n, uint64_t offset,
                 const std::string& path) {
  while (n > 0) {
    const ssize_t w = ::pwrite(fd, data, n, static_cast<off_t>(offset));
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return IoError("write", path);
    data += w;
    n -= static_cast<size_t>(w);
    offset += static_cast<uint64_t>(w);
  }
  return Status::Ok();
}

}  // namespace

Result<PersonalSlots> PersonalSlots::Open(const std::string& path, std::string_view check,
                                          bool create, bool writable) {
  if (check.size() != kHeaderBytes - kMagic.size()) {
    return Status(Code::kInternal, "slot file check value must be 8 bytes");
  }
  std::string header(kMagic);
  header += check;
  Result<ScopedFd> fd = ScopedFd::Open(path, writable ? O_RDWR : O_RDONLY);
  if (!fd.ok() && fd.status().code() == Code::kNotFound && create) {
    fd = ScopedFd::Open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
    if (!fd.ok()) return fd.status();
    Status s = fd->WriteAll(header, path);
    if (s.ok()) s = fd->Sync(path);
    if (s.ok()) s = SyncDir(ParentDir(path));
    if (!s.ok()) {
      ::unlink(path.c_str());
      return s;
    }
    return PersonalSlots(std::move(*fd), path, 0);
  }
  if (!fd.ok()) return fd.status();
  struct stat st;
  if (::fstat(fd->get(), &st) != 0) return IoError("stat", path);
  if ((st.st_mode & 077) != 0) {
    return Status(Code::kPermissionDenied,
                  path + " is readable by others; run chmod 600 " + path + " (it holds secrets)");
  }
  std::string have(kHeaderBytes, '\0');
  const ssize_t n = ::pread(fd->get(), have.data(), have.size(), 0);
  if (n < 0) return IoError("read", path);
  if (static_cast<size_t>(n) != kHeaderBytes || have.compare(0, kMagic.size(), kMagic) != 0) {
    return Status(Code::kInvalidArgument, path + " is not a Vigil personal-data slot file");
  }
  if (sodium_memcmp(have.data() + kMagic.size(), check.data(), check.size()) != 0) {
    return Status(Code::kInvalidArgument,
                  path +
                      " belongs to another personal.key than the one beside it; put back the "
                      "pair that was saved together");
  }
  const uint64_t bytes = static_cast<uint64_t>(st.st_size) - kHeaderBytes;
  return PersonalSlots(std::move(*fd), path, bytes / kSlotBytes);
}

PersonalSlots::PersonalSlots(PersonalSlots&& other) noexcept
    : fd_(std::move(other.fd_)), path_(std::move(other.path_)), size_(other.size_.load()) {}

Result<uint64_t> PersonalSlots::Add(const SlotSecret& secret) {
  const uint64_t index = size_.load();
  VIGIL_RETURN_IF_ERROR(
      PWriteAll(fd_.get(), secret.data(), secret.size(), kHeaderBytes + index * kSlotBytes, path_));
  size_ = index + 1;
  return index;
}

Status PersonalSlots::Destroy(uint64_t index) {
  if (index >= size_.load()) return Status::Ok();
  const SlotSecret zero{};
  return PWriteAll(fd_.get(), zero.data(), zero.size(), kHeaderBytes + index * kSlotBytes, path_);
}

Status PersonalSlots::Reserve(uint64_t count) {
  if (count <= size_.load()) return Status::Ok();
  if (::ftruncate(fd_.get(), static_cast<off_t>(kHeaderBytes + count * kSlotBytes)) != 0) {
    return IoError("extend", path_);
  }
  size_ = count;
  return Status::Ok();
}

Status PersonalSlots::Sync() {
  if (::fdatasync(fd_.get()) != 0) return IoError("sync", path_);
  return Status::Ok();
}

Result<std::optional<SlotSecret>> PersonalSlots::Read(uint64_t index) const {
  if (index >= size_.load()) return std::optional<SlotSecret>();
  SlotSecret secret{};
  const ssize_t n = ::pread(fd_.get(), secret.data(), secret.size(),
                            static_cast<off_t>(kHeaderBytes + index * kSlotBytes));
  if (n < 0) return IoError("read", path_);
  if (static_cast<size_t>(n) != secret.size() || sodium_is_zero(secret.data(), secret.size())) {
    sodium_memzero(secret.data(), secret.size());
    return std::optional<SlotSecret>();
  }
  return std::optional<SlotSecret>(secret);
}

}  // namespace vigil
