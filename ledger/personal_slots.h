// The slot file of personal data keys (<data>/keys/personal.slots, docs/formats.md "Personal
// data"): one 32-byte secret per sealed personal record, at a fixed offset, so that an erasure
// can destroy that one secret in place. It lives outside the LMDB store on purpose: LMDB is
// copy-on-write and keeps deleted values in free pages, while this file is overwritten where it
// stands (pwrite + fdatasync; this assumes a file system that overwrites in place, e.g. ext4 or
// XFS, not a copy-on-write one such as btrfs or ZFS: docs/security.md).
//
// Layout: a 32-byte header ("vigil-personal-slots-v1\n" and an 8-byte check value of the
// personal.key it belongs to), then slot i at offset 32 + 32 * i. A slot of 32 zero bytes, or
// one past the end of the file, holds no secret (destroyed, or never written).
//
// Thread safety: Read and size are thread-safe (pread); Add, Destroy, Reserve and Sync must be
// called by one thread at a time (the log's writer, or Ledger::Open before serving).
#ifndef VIGIL_LEDGER_PERSONAL_SLOTS_H_
#define VIGIL_LEDGER_PERSONAL_SLOTS_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "keys/file.h"
#include "keys/result.h"
#include "ledger/layering.h"

namespace vigil {

using SlotSecret = std::array<unsigned char, 32>;

class PersonalSlots {
 public:
  static constexpr size_t kHeaderBytes = 32;
  static constexpr size_t kSlotBytes = 32;

  // Opens the slot file at `path` for `check` (the 8-byte check value of its personal.key).
  // With `create`, a missing file is made (mode 0600, fsynced with its directory). Read-only
  // when `writable` is false. Errors: kNotFound (no file and not `create`), kPermissionDenied
  // (readable by group or others: chmod 600), kInvalidArgument (not a slot file, or the slot
  // file of another personal.key), kIoError.
  static Result<PersonalSlots> Open(const std::string& path, std::string_view check, bool create,
                                    bool writable);
  PersonalSlots(PersonalSlots&& other) noexcept;
  PersonalSlots& operator=(PersonalSlots&&) = delete;
  PersonalSlots(const PersonalSlots&) = delete;
  ~PersonalSlots() = default;

  const std::string& path() const { return path_; }
  // Number of slots in the file (used, destroyed or never referenced).
  uint64_t size() const { return size_.load(); }

  // Writes `secret` into a new slot at the end and returns its index. Not durable until Sync.
  Result<uint64_t> Add(const SlotSecret& secret);
  // Overwrites slot `index` with zeros in place (a no-op past the end). Not durable until Sync.
  Status Destroy(uint64_t index);
  // Grows the file with zero slots so that it has at least `count` slots: new slots are then
  // never given an index the store already names (a slot file older than the store).
  Status Reserve(uint64_t count);
  // fdatasync: what Add, Destroy and Reserve wrote is on disk. kIoError otherwise.
  Status Sync();

  // The secret in slot `index`; nullopt if the slot is all zeros or past the end. kIoError.
  Result<std::optional<SlotSecret>> Read(uint64_t index) const;

 private:
  PersonalSlots(ScopedFd fd, std::string path, uint64_t size)
      : fd_(std::move(fd)), path_(std::move(path)), size_(size) {}

  ScopedFd fd_;
  std::string path_;
  std::atomic<uint64_t> size_{0};
};

}  // namespace vigil

#endif  // VIGIL_LEDGER_PERSONAL_SLOTS_H_
