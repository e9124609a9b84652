// Personal data of individuals (DESIGN §4.1): never in an entry. It travels beside a payload as
// `personal` (the exact bytes of a JSON object) and `personal_salt` (16 random bytes, base64);
// the signed payload carries only personal_commitment = base64 SHA-256(salt || personal).
//
// At rest (docs/formats.md "Personal data", docs/security.md T4) it is crypto-shredded:
//   - each record gets its own data key, derived from personal.key and a random 32-byte secret
//     kept in its own slot of keys/personal.slots (ledger/personal_slots.h), outside the store;
//   - salt || personal is sealed with XChaCha20-Poly1305 (IETF AEAD) under that key, with the
//     associated data "vigil/v1/personal\n" || origin || "\n" || BE64(seq) || commitment, so a
//     sealed record moved to another entry (or another log) no longer opens;
//   - the store's `personal` table holds the sealed record under its seq; an erasure replaces
//     it by a tombstone naming the slot and overwrites the slot with zeros. The old ciphertext
//     may survive in LMDB's free pages and in store backups, but its key no longer exists.
#ifndef VIGIL_LEDGER_PERSONAL_H_
#define VIGIL_LEDGER_PERSONAL_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "keys/result.h"
#include "ledger/layering.h"
#include "ledger/personal_slots.h"

namespace vigil {

// Checks `personal` (a JSON object's bytes, at most 16 KiB) and `salt_b64` (16 bytes) against
// `commitment_b64`. kInvalidArgument naming the mismatch otherwise.
Status CheckPersonalCommitment(std::string_view personal, std::string_view salt_b64,
                               std::string_view commitment_b64);

// base64 SHA-256(salt || personal): what a client puts in personal_commitment.
std::string PersonalCommitment(std::string_view personal, std::string_view salt);

// The entry a sealed record belongs to: what its associated data binds it to.
struct PersonalBinding {
  std::string_view origin;          // the log's origin
  uint64_t seq = 0;                 // the entry's seq
  std::string_view commitment_b64;  // the entry payload's personal_commitment
};

// One value of the store's `personal` table, decoded (views into the value).
struct PersonalRecord {
  bool erased = false;  // a tombstone: the record was erased and its slot destroyed
  uint64_t slot = 0;    // its slot in personal.slots
  std::string_view nonce;
  std::string_view ciphertext;  // AEAD output: salt || personal, then the 16-byte tag
};
// kCorruption if `value` is neither a sealed record nor a tombstone.
Result<PersonalRecord> DecodePersonalRecord(std::string_view value);
// The tombstone that replaces a sealed record on erasure.
std::string EncodeErasedPersonalRecord(uint64_t slot);

// The file names under <data>/keys.
inline constexpr char kPersonalKeyFile[] = "personal.key";
inline constexpr char kPersonalSlotsFile[] = "personal.slots";

// personal.key and its slot file: seals, opens and destroys personal records. Move-only; the
// key is wiped on destruction.
// Thread safety: Unseal is thread-safe; Seal, DestroyKey, Reserve and Sync must be called by one
// thread at a time (the log's writer thread while serving).
class PersonalVault {
 public:
  enum class Mode {
    kRead,          // both files must exist; opened read-only (verification)
    kWrite,         // both files must exist
    kCreateMissing  // a missing personal.key and/or personal.slots is created
  };
  // Opens <keys_dir>/personal.key and <keys_dir>/personal.slots. Errors: kNotFound naming the
  // missing file (unless kCreateMissing), kPermissionDenied (a file others can read),
  // kInvalidArgument (not such a file, or a slot file of another key), kIoError.
  static Result<PersonalVault> Open(const std::string& keys_dir, Mode mode);
  PersonalVault(PersonalVault&& other) noexcept;
  PersonalVault& operator=(PersonalVault&&) = delete;
  PersonalVault(const PersonalVault&) = delete;
  ~PersonalVault();

  // Seals `personal` with its 16-byte salt (base64) for the entry `binding` names: a new slot
  // with a fresh secret (not durable until Sync), and the value for the `personal` table.
  // Errors: kInvalidArgument (bad salt or commitment encoding), kIoError (slot file).
  Result<std::string> Seal(const PersonalBinding& binding, std::string_view salt_b64,
                           std::string_view personal);
  // Opens the table value `value` of the entry `binding` names and re-checks the commitment.
  // Errors: kNotFound (an erased record), kCorruption (the slot's secret is gone — destroyed, or
  // the slot file is older than the record —, the value was altered or belongs to another
  // entry, or the data does not match the commitment), kIoError.
  Result<std::string> Unseal(const PersonalBinding& binding, std::string_view value) const;

  // Overwrites the secret of `slot` with zeros (not durable until Sync).
  Status DestroyKey(uint64_t slot) { return slots_.Destroy(slot); }
  // Makes the slot file at least `count` slots long (PersonalSlots::Reserve).
  Status Reserve(uint64_t count) { return slots_.Reserve(count); }
  // Makes every Seal and DestroyKey so far durable. kIoError.
  Status Sync() { return slots_.Sync(); }
  const PersonalSlots& slots() const { return slots_; }

 private:
  PersonalVault(const std::array<unsigned char, 32>& key, PersonalSlots slots);
  // The data key of a record in `slot` whose secret is `secret`.
  std::array<unsigned char, 32> RecordKey(uint64_t slot, const SlotSecret& secret) const;

  std::array<unsigned char, 32> key_{};
  PersonalSlots slots_;
};

}  // namespace vigil

#endif  // VIGIL_LEDGER_PERSONAL_H_
