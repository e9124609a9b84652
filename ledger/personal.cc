#include "ledger/personal.h"

#include <sodium.h>

#include <cstring>

#include "keys/coding.h"
#include "keys/encoding.h"
#include "keys/key.h"
#include "ledger/state/payload.h"

namespace vigil {

namespace {
constexpr size_t kMaxPersonalBytes = 16 * 1024;
constexpr size_t kSaltBytes = 16;
constexpr std::string_view kHeader = "vigil-personal-key-v1 ";
// Value tags of the `personal` table (docs/formats.md "Personal data").
constexpr char kTagErased = '\x00';
constexpr char kTagSealed = '\x01';
constexpr size_t kNonceBytes = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
constexpr size_t kTagBytes = crypto_aead_xchacha20poly1305_ietf_ABYTES;
// Domain separation of the three uses of personal.key.
constexpr std::string_view kRecordKeyContext = "vigil/v1/personal-record-key\n";
constexpr std::string_view kSlotsCheckContext = "vigil/v1/personal-slots-check\n";
constexpr std::string_view kAdContext = "vigil/v1/personal\n";

const unsigned char* U(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

// The first 8 bytes of BLAKE2b-256 keyed with `key` over the slots-check context: written in
// the slot file's header so a slot file is never used with another key.
std::string SlotsCheck(const std::array<unsigned char, 32>& key) {
  std::array<unsigned char, 32> h{};
  crypto_generichash(h.data(), h.size(), U(kSlotsCheckContext), kSlotsCheckContext.size(),
                     key.data(), key.size());
  return std::string(reinterpret_cast<const char*>(h.data()), 8);
}

// "vigil/v1/personal\n" || origin || "\n" || BE64(seq) || 32-byte commitment.
Result<std::string> AssociatedData(const PersonalBinding& b) {
  Result<Bytes> commitment = Base64Decode(b.commitment_b64);
  if (!commitment.ok() || commitment->size() != 32) {
    return Status(Code::kInvalidArgument, "entry " + std::to_string(b.seq) +
                                              ": personal_commitment is not a base64 SHA-256");
  }
  std::string ad(kAdContext);
  ad += b.origin;
  ad += '\n';
  PutBigEndian64(ad, b.seq);
  ad += *commitment;
  return ad;
}

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
  if (!salt.ok() || salt->size() != kSaltBytes) {
    return Status(Code::kInvalidArgument, "\"personal_salt\" must be 16 random bytes in base64");
  }
  if (!ConstantTimeEqual(PersonalCommitment(personal, *salt), commitment_b64)) {
    return Status(Code::kInvalidArgument,
                  "personal_commitment does not match SHA-256(personal_salt || personal)");
  }
  return Status::Ok();
}

Result<PersonalRecord> DecodePersonalRecord(std::string_view value) {
  PersonalRecord r;
  if (value.size() == 9 && value[0] == kTagErased) {
    r.erased = true;
    r.slot = DecodeBigEndian64(value.substr(1, 8));
    return r;
  }
  if (value.size() >= 9 + kNonceBytes + kSaltBytes + kTagBytes && value[0] == kTagSealed) {
    r.slot = DecodeBigEndian64(value.substr(1, 8));
    r.nonce = value.substr(9, kNonceBytes);
    r.ciphertext = value.substr(9 + kNonceBytes);
    return r;
  }
  return Status(Code::kCorruption, "a value of the personal table is neither sealed nor erased");
}

std::string EncodeErasedPersonalRecord(uint64_t slot) {
  std::string out(1, kTagErased);
  PutBigEndian64(out, slot);
  return out;
}

Result<PersonalVault> PersonalVault::Open(const std::string& keys_dir, Mode mode) {
  EnsureSodium();
  const std::string key_path = keys_dir + "/" + kPersonalKeyFile;
  const std::string slots_path = keys_dir + "/" + kPersonalSlotsFile;
  std::array<unsigned char, 32> key{};
  const auto key_bytes = [&key] {
    return std::string_view(reinterpret_cast<const char*>(key.data()), key.size());
  };
  Result<Bytes> read = ReadSecretFile(key_path, kHeader);
  if (!read.ok() && read.status().code() == Code::kNotFound && mode == Mode::kCreateMissing) {
    randombytes_buf(key.data(), key.size());
    Status s = WriteSecretFile(key_path, kHeader, key_bytes());
    if (!s.ok()) {
      sodium_memzero(key.data(), key.size());
      return s;
    }
  } else if (!read.ok()) {
    return read.status();
  } else {
    if (read->size() != key.size()) {
      sodium_memzero(read->data(), read->size());
      return Status(Code::kInvalidArgument, key_path + " is not a Vigil personal-data key file");
    }
    std::memcpy(key.data(), read->data(), key.size());
    sodium_memzero(read->data(), read->size());
  }
  Result<PersonalSlots> slots = PersonalSlots::Open(
      slots_path, SlotsCheck(key), mode == Mode::kCreateMissing, mode != Mode::kRead);
  if (!slots.ok()) {
    sodium_memzero(key.data(), key.size());
    return slots.status();
  }
  PersonalVault v(key, std::move(*slots));
  sodium_memzero(key.data(), key.size());
  return v;
}

PersonalVault::PersonalVault(const std::array<unsigned char, 32>& key, PersonalSlots slots)
    : key_(key), slots_(std::move(slots)) {}

PersonalVault::PersonalVault(PersonalVault&& other) noexcept
    : key_(other.key_), slots_(std::move(other.slots_)) {
  sodium_memzero(other.key_.data(), other.key_.size());
}

PersonalVault::~PersonalVault() { sodium_memzero(key_.data(), key_.size()); }

std::array<unsigned char, 32> PersonalVault::RecordKey(uint64_t slot,
                                                       const SlotSecret& secret) const {
  // BLAKE2b-256 keyed with personal.key over context || BE64(slot) || secret: neither the slot
  // file alone nor personal.key alone gives a record's key.
  std::string msg(kRecordKeyContext);
  PutBigEndian64(msg, slot);
  msg.append(reinterpret_cast<const char*>(secret.data()), secret.size());
  std::array<unsigned char, 32> k{};
  crypto_generichash(k.data(), k.size(), U(msg), msg.size(), key_.data(), key_.size());
  sodium_memzero(msg.data(), msg.size());
  return k;
}

Result<std::string> PersonalVault::Seal(const PersonalBinding& binding, std::string_view salt_b64,
                                        std::string_view personal) {
  Result<std::string> ad = AssociatedData(binding);
  if (!ad.ok()) return ad.status();
  Result<Bytes> salt = Base64Decode(salt_b64);
  if (!salt.ok() || salt->size() != kSaltBytes) {
    return Status(Code::kInvalidArgument, "\"personal_salt\" must be 16 random bytes in base64");
  }
  SlotSecret secret{};
  randombytes_buf(secret.data(), secret.size());
  Result<uint64_t> slot = slots_.Add(secret);
  if (!slot.ok()) {
    sodium_memzero(secret.data(), secret.size());
    return slot.status();
  }
  std::array<unsigned char, 32> k = RecordKey(*slot, secret);
  sodium_memzero(secret.data(), secret.size());
  std::string plain;  // wiped below: no unwiped copy of the data is left behind
  plain.reserve(salt->size() + personal.size());
  plain.append(*salt).append(personal);
  std::string out(1, kTagSealed);
  PutBigEndian64(out, *slot);
  const size_t head = out.size();
  out.resize(head + kNonceBytes + plain.size() + kTagBytes);
  auto* nonce = reinterpret_cast<unsigned char*>(out.data() + head);
  randombytes_buf(nonce, kNonceBytes);
  unsigned long long clen = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(nonce + kNonceBytes, &clen, U(plain), plain.size(),
                                             U(*ad), ad->size(), nullptr, nonce, k.data());
  sodium_memzero(plain.data(), plain.size());
  sodium_memzero(k.data(), k.size());
  return out;
}

Result<std::string> PersonalVault::Unseal(const PersonalBinding& binding,
                                          std::string_view value) const {
  const std::string which = "the personal data of entry " + std::to_string(binding.seq);
  Result<PersonalRecord> r = DecodePersonalRecord(value);
  if (!r.ok()) return Status(Code::kCorruption, which + " is damaged in the store");
  if (r->erased) return Status(Code::kNotFound, which + " was erased");
  Result<std::string> ad = AssociatedData(binding);
  if (!ad.ok()) return Status(Code::kCorruption, ad.status().message());
  Result<std::optional<SlotSecret>> secret = slots_.Read(r->slot);
  if (!secret.ok()) return secret.status();
  if (!secret->has_value()) {
    return Status(Code::kCorruption,
                  which + " cannot be opened: its key (slot " + std::to_string(r->slot) + " of " +
                      slots_.path() +
                      ") is destroyed or missing (a slot file older than the record?)");
  }
  std::array<unsigned char, 32> k = RecordKey(r->slot, **secret);
  sodium_memzero((*secret)->data(), (*secret)->size());
  std::string plain(r->ciphertext.size() - kTagBytes, '\0');
  unsigned long long plen = 0;
  const int rc = crypto_aead_xchacha20poly1305_ietf_decrypt(
      reinterpret_cast<unsigned char*>(plain.data()), &plen, nullptr, U(r->ciphertext),
      r->ciphertext.size(), U(*ad), ad->size(), U(r->nonce), k.data());
  sodium_memzero(k.data(), k.size());
  if (rc != 0) {
    return Status(Code::kCorruption,
                  which + " does not open: it was altered, or it belongs to another entry or log");
  }
  std::string personal = plain.substr(kSaltBytes);
  const bool matches =
      ConstantTimeEqual(PersonalCommitment(personal, std::string_view(plain).substr(0, kSaltBytes)),
                        binding.commitment_b64);
  sodium_memzero(plain.data(), plain.size());
  if (!matches) {
    sodium_memzero(personal.data(), personal.size());
    return Status(Code::kCorruption, which + " does not match the entry's personal_commitment");
  }
  return personal;
}

}  // namespace vigil
