#include "ledger/personal.h"

#include <sodium.h>

#include <cstring>

#include "keys/encoding.h"
#include "keys/key.h"
#include "ledger/state/payload.h"

namespace vigil {

namespace {
constexpr size_t kMaxPersonalBytes = 16 * 1024;
constexpr std::string_view kHeader = "vigil-personal-key-v1 ";
}  // namespace

std::string PersonalCommitment(std::string_view personal, std::string_view salt) {
  return Base64(Sha256(salt, personal));
}

Status CheckPersonalCommitment(std::string_view personal, std::string_view salt_b64,
                               std::string_view commitment_b64) {
  if (personal.size() > kMaxPersonalBytes) {
    return Status(Code::kInvalidArgument, "\"personal\" is larger than 16 KiB");
  }
  Result<nlohmann::json> j = ParseJson(personal);
  if (!j.ok() || !j->is_object()) {
    return Status(Code::kInvalidArgument, "\"personal\" must be the bytes of a JSON object");
  }
  Result<Bytes> salt = Base64Decode(salt_b64);
  if (!salt.ok() || salt->size() != 16) {
    return Status(Code::kInvalidArgument, "\"personal_salt\" must be 16 random bytes in base64");
  }
  if (!ConstantTimeEqual(PersonalCommitment(personal, *salt), commitment_b64)) {
    return Status(Code::kInvalidArgument,
                  "personal_commitment does not match SHA-256(personal_salt || personal)");
  }
  return Status::Ok();
}

Result<PersonalVault> PersonalVault::Open(const std::string& path, bool create) {
  EnsureSodium();
  PersonalVault v;
  const auto key_bytes = [&v] {
    return std::string_view(reinterpret_cast<const char*>(v.key_.data()), v.key_.size());
  };
  Result<Bytes> key = ReadSecretFile(path, kHeader);
  if (!key.ok() && key.status().code() == Code::kNotFound && create) {
    randombytes_buf(v.key_.data(), v.key_.size());
    VIGIL_RETURN_IF_ERROR(WriteSecretFile(path, kHeader, key_bytes()));
    return v;
  }
  if (!key.ok()) return key.status();
  if (key->size() != v.key_.size()) {
    sodium_memzero(key->data(), key->size());
    return Status(Code::kInvalidArgument, path + " is not a Vigil personal-data key file");
  }
  std::memcpy(v.key_.data(), key->data(), v.key_.size());
  sodium_memzero(key->data(), key->size());
  return v;
}

PersonalVault::PersonalVault(PersonalVault&& other) noexcept : key_(other.key_) {
  sodium_memzero(other.key_.data(), other.key_.size());
}

PersonalVault::~PersonalVault() { sodium_memzero(key_.data(), key_.size()); }

std::string PersonalVault::Seal(std::string_view plaintext) const {
  std::string out(crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + plaintext.size(), '\0');
  auto* nonce = reinterpret_cast<unsigned char*>(out.data());
  randombytes_buf(nonce, crypto_secretbox_NONCEBYTES);
  crypto_secretbox_easy(nonce + crypto_secretbox_NONCEBYTES,
                        reinterpret_cast<const unsigned char*>(plaintext.data()), plaintext.size(),
                        nonce, key_.data());
  return out;
}

Result<std::string> PersonalVault::Unseal(std::string_view sealed) const {
  if (sealed.size() < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES) {
    return Status(Code::kCorruption, "sealed personal data is too short");
  }
  const auto* nonce = reinterpret_cast<const unsigned char*>(sealed.data());
  const size_t clen = sealed.size() - crypto_secretbox_NONCEBYTES;
  std::string out(clen - crypto_secretbox_MACBYTES, '\0');
  if (crypto_secretbox_open_easy(reinterpret_cast<unsigned char*>(out.data()),
                                 nonce + crypto_secretbox_NONCEBYTES, clen, nonce,
                                 key_.data()) != 0) {
    return Status(Code::kCorruption, "personal data does not decrypt with this key (altered?)");
  }
  return out;
}

}  // namespace vigil
