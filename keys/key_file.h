// Secret key files at rest (docs/formats.md "Key files"): how they are read, and the
// passphrase-protected form of a seed.
//
// Reading: a secret file is opened with O_NOFOLLOW (a symbolic link is refused), then its mode,
// type and size are checked on the open descriptor (fstat, so nothing can swap the file
// between the check and the read), and its bytes go to a buffer that is wiped on every path.
//
// Protection: the 32-byte seed is sealed with XChaCha20-Poly1305 under a key derived from the
// passphrase by Argon2id (libsodium crypto_pwhash, v1.3, one lane). The Argon2id cost, the
// salt, the nonce and the public key are stored in the file and authenticated as associated
// data, like minisign and age. Thread-compatible; nothing here puts secret bytes in a message.
#ifndef VIGIL_KEYS_KEY_FILE_H_
#define VIGIL_KEYS_KEY_FILE_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "keys/result.h"

namespace vigil {

// Bytes that must not outlive their use (a passphrase, a seed, a key file's text): wiped with
// sodium_memzero when destroyed or moved from. Move-only.
class SecretBytes {
 public:
  SecretBytes() = default;
  // Takes `bytes` over (the caller's string is left empty; no copy is made).
  explicit SecretBytes(std::string&& bytes) : bytes_(std::move(bytes)) {}
  SecretBytes(SecretBytes&& other) noexcept;
  SecretBytes& operator=(SecretBytes&& other) noexcept;
  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;
  ~SecretBytes() { Wipe(); }

  std::string_view view() const { return bytes_; }
  char* data() { return bytes_.data(); }
  size_t size() const { return bytes_.size(); }
  bool empty() const { return bytes_.empty(); }
  void Wipe();

 private:
  std::string bytes_;
};

// The Argon2id cost of a protected key file. Argon2 t = opslimit, m = memlimit_kib, p = 1.
struct KdfParams {
  uint32_t opslimit = 3;
  uint32_t memlimit_kib = 64 * 1024;  // 64 MiB: a phone's browser derives it in seconds

  // The default: t=3, 64 MiB (what the web page must also be able to derive).
  static KdfParams Standard() { return {3, 64 * 1024}; }
  // libsodium's MODERATE: t=3, 256 MiB.
  static KdfParams Moderate() { return {3, 256 * 1024}; }
  // libsodium's SENSITIVE: t=4, 1 GiB (the largest a file may ask for).
  static KdfParams Sensitive() { return {4, 1024 * 1024}; }
};

// What a file may ask for. Larger values are refused before anything is allocated, so a
// crafted file cannot make a command allocate gigabytes or run for hours.
inline constexpr uint32_t kMinOpslimit = 1;
inline constexpr uint32_t kMaxOpslimit = 10;
inline constexpr uint32_t kMinMemlimitKib = 8;            // libsodium's minimum (8 KiB)
inline constexpr uint32_t kMaxMemlimitKib = 1024 * 1024;  // 1 GiB
// The largest key file read at all (a protected file is one line of ~210 bytes).
inline constexpr size_t kMaxKeyFileSize = 4096;

// Header of a plain secret key file (base64 of the seed follows).
inline constexpr std::string_view kPlainSeedHeader = "vigil-ed25519-seed-v1 ";
// Header of a passphrase-protected one (base64 of the 128-byte body of formats.md follows).
inline constexpr std::string_view kProtectedSeedHeader = "vigil-ed25519-seed-v2-argon2id ";

// Reads a key file's text. With `secret`, the path must not be a symbolic link and the file
// must not be open to group or others. Errors: kNotFound (no file), kInvalidArgument (a
// secret's symbolic link, not a regular file, or larger than kMaxKeyFileSize),
// kPermissionDenied (a secret file open to group or others: the message says to chmod 600),
// kIoError.
Result<SecretBytes> ReadKeyFile(const std::string& path, bool secret);

// True if `text` (a key file's contents) starts with kProtectedSeedHeader.
bool IsProtectedKeyFile(std::string_view text);

// The line of a protected key file (header, base64 body, newline) holding `seed` (32 bytes)
// and its Ed25519 `public_key` (32 bytes), sealed under `passphrase` with `params`. Fails with
// kInvalidArgument for an empty passphrase or params outside the bounds above.
Result<SecretBytes> ProtectSeed(std::string_view seed, std::string_view public_key,
                                std::string_view passphrase, const KdfParams& params);

// What a protected key file holds before it is opened: the public key and the cost.
struct ProtectedKeyInfo {
  std::string public_key;  // 32 bytes
  KdfParams params;
};
// Parses the text of a protected key file without the passphrase. kInvalidArgument if it is
// not one, is damaged in its framing, or asks for more than the bounds above.
Result<ProtectedKeyInfo> InspectProtectedKeyFile(std::string_view text, const std::string& path);

// Opens the text of a protected key file with `passphrase`: the 32-byte seed. Errors:
// kInvalidArgument (framing or bounds, as InspectProtectedKeyFile), kUnauthenticated ("wrong
// passphrase or damaged file": the two cannot be told apart, by design), kResourceExhausted
// (Argon2id could not get its memory).
Result<SecretBytes> OpenProtectedSeed(std::string_view text, std::string_view passphrase,
                                      const std::string& path);

// Supplies the passphrase for the protected key file at `path` (keys/passphrase.h has the
// command line's: VIGIL_PASSPHRASE, --passphrase-fd, the terminal).
using PassphraseFn = std::function<Result<SecretBytes>(const std::string& path)>;

}  // namespace vigil

#endif  // VIGIL_KEYS_KEY_FILE_H_
