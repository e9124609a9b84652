// Byte encodings used in every published format: standard base64 with padding, lowercase hex,
// and SHA-256. Thin wrappers over libsodium; all functions are thread-safe.
#ifndef VIGIL_KEYS_ENCODING_H_
#define VIGIL_KEYS_ENCODING_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "keys/result.h"

namespace vigil {

using Bytes = std::string;             // raw bytes; std::string owns and compares them
using Hash = std::array<uint8_t, 32>;  // a SHA-256 digest

// Calls sodium_init() once; every entry point that uses libsodium calls it, so callers
// never have to. Aborts the process if libsodium cannot initialise (no usable RNG).
void EnsureSodium();

// Standard base64 (RFC 4648 section 4) with padding.
std::string Base64Encode(std::string_view bytes);
// Strict: rejects missing padding, whitespace and characters outside the alphabet.
Result<Bytes> Base64Decode(std::string_view text);

std::string HexEncode(std::string_view bytes);
// Accepts lower- or uppercase; rejects odd length and non-hex characters.
Result<Bytes> HexDecode(std::string_view text);

Hash Sha256(std::string_view bytes);
// SHA-256 of the concatenation of `a` and `b`, without copying them together.
Hash Sha256(std::string_view a, std::string_view b);

inline std::string_view AsView(const Hash& h) {
  return {reinterpret_cast<const char*>(h.data()), h.size()};
}
inline std::string Base64(const Hash& h) { return Base64Encode(AsView(h)); }
// Decodes a base64 SHA-256 value; fails unless it is exactly 32 bytes.
Result<Hash> HashFromBase64(std::string_view text);

// Constant-time comparison of two equal-length secrets or MACs (sodium_memcmp).
bool ConstantTimeEqual(std::string_view a, std::string_view b);

}  // namespace vigil

#endif  // VIGIL_KEYS_ENCODING_H_
