#include "keys/encoding.h"

#include <sodium.h>

#include <cstdio>
#include <cstdlib>

namespace vigil {

void EnsureSodium() {
  static const bool ready = [] {
    if (sodium_init() < 0) {
      std::fputs("vigil: libsodium failed to initialise (no usable random source)\n", stderr);
      std::abort();
    }
    return true;
  }();
  (void)ready;
}

namespace {
const unsigned char* U(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}
}  // namespace

std::string Base64Encode(std::string_view bytes) {
  EnsureSodium();
  const int variant = sodium_base64_VARIANT_ORIGINAL;
  std::string out(sodium_base64_ENCODED_LEN(bytes.size(), variant), '\0');
  sodium_bin2base64(out.data(), out.size(), U(bytes), bytes.size(), variant);
  out.resize(out.size() - 1);  // drop the terminating NUL
  return out;
}

Result<Bytes> Base64Decode(std::string_view text) {
  EnsureSodium();
  Bytes out(text.size() / 4 * 3 + 3, '\0');
  size_t len = 0;
  const char* end = nullptr;
  // libsodium's decoder takes some bytes outside the alphabet (0x85 decodes as '/'), so the
  // alphabet is checked first: one spelling per value.
  if (text.size() % 4 != 0 ||
      text.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=") !=
          std::string_view::npos ||
      sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(),
                        text.size(), nullptr, &len, &end, sodium_base64_VARIANT_ORIGINAL) != 0 ||
      end != text.data() + text.size()) {
    return Status(Code::kInvalidArgument, "not valid base64 (standard alphabet, with padding)");
  }
  out.resize(len);
  return out;
}

std::string HexEncode(std::string_view bytes) {
  EnsureSodium();
  std::string out(bytes.size() * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), U(bytes), bytes.size());
  out.pop_back();
  return out;
}

Result<Bytes> HexDecode(std::string_view text) {
  EnsureSodium();
  Bytes out(text.size() / 2, '\0');
  size_t len = 0;
  const char* end = nullptr;
  if (text.size() % 2 != 0 ||
      sodium_hex2bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(),
                     text.size(), nullptr, &len, &end) != 0 ||
      end != text.data() + text.size()) {
    return Status(Code::kInvalidArgument, "not valid hex");
  }
  out.resize(len);
  return out;
}

Hash Sha256(std::string_view bytes) {
  Hash h;
  crypto_hash_sha256(h.data(), U(bytes), bytes.size());
  return h;
}

Hash Sha256(std::string_view a, std::string_view b) {
  crypto_hash_sha256_state st;
  crypto_hash_sha256_init(&st);
  crypto_hash_sha256_update(&st, U(a), a.size());
  crypto_hash_sha256_update(&st, U(b), b.size());
  Hash h;
  crypto_hash_sha256_final(&st, h.data());
  return h;
}

Result<Hash> HashFromBase64(std::string_view text) {
  Result<Bytes> raw = Base64Decode(text);
  if (!raw.ok()) return raw.status();
  if (raw->size() != 32) {
    return Status(Code::kInvalidArgument,
                  "a SHA-256 hash must be 32 bytes, got " + std::to_string(raw->size()));
  }
  Hash h;
  std::copy(raw->begin(), raw->end(), reinterpret_cast<char*>(h.data()));
  return h;
}

bool ConstantTimeEqual(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace vigil
