// Personal data of individuals (DESIGN §4.1): never in an entry. It travels beside a payload as
// `personal` (the exact bytes of a JSON object) and `personal_salt` (16 random bytes, base64);
// the signed payload carries only personal_commitment = base64 SHA-256(salt || personal). The
// server checks the commitment, then keeps the data encrypted (libsodium secretbox, XSalsa20-
// Poly1305) in the store's `personal` table under a key file outside the store
// (<data>/keys/personal.key), so a copy of the database alone reveals nothing. An erasure entry
// deletes it; verification never needs it.
#ifndef VIGIL_LEDGER_PERSONAL_H_
#define VIGIL_LEDGER_PERSONAL_H_

#include <array>
#include <string>
#include <string_view>

#include "keys/result.h"
#include "ledger/layering.h"

namespace vigil {

// Checks `personal` (a JSON object's bytes, at most 16 KiB) and `salt_b64` (16 bytes) against
// `commitment_b64`. kInvalidArgument naming the mismatch otherwise.
Status CheckPersonalCommitment(std::string_view personal, std::string_view salt_b64,
                               std::string_view commitment_b64);

// base64 SHA-256(salt || personal): what a client puts in personal_commitment.
std::string PersonalCommitment(std::string_view personal, std::string_view salt);

// The secret key that encrypts personal data at rest. Move-only; wiped on destruction.
class PersonalVault {
 public:
  // Loads the key file, creating it (mode 0600) if `create` and it does not exist.
  // Errors: those of reading key files (kNotFound, kPermissionDenied for a file others can read).
  static Result<PersonalVault> Open(const std::string& path, bool create);
  PersonalVault(PersonalVault&& other) noexcept;
  PersonalVault& operator=(PersonalVault&&) = delete;
  PersonalVault(const PersonalVault&) = delete;
  ~PersonalVault();

  // nonce || ciphertext of `plaintext`.
  std::string Seal(std::string_view plaintext) const;
  // kCorruption if `sealed` was not made by Seal with this key or was altered.
  Result<std::string> Unseal(std::string_view sealed) const;

 private:
  PersonalVault() = default;
  std::array<unsigned char, 32> key_{};
};

}  // namespace vigil

#endif  // VIGIL_LEDGER_PERSONAL_H_
