// Ed25519 keys: generation, key files, key ids and domain-separated signatures (DESIGN §3).
//
// A secret key file holds the 32-byte seed, never the expanded key, in the clear or sealed
// under a passphrase (keys/key_file.h), and is written with mode 0600. Loading refuses a file
// that group or others can read, and a symbolic link. No function here ever puts secret bytes
// in a message, log line or Status.
#ifndef VIGIL_KEYS_KEY_H_
#define VIGIL_KEYS_KEY_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "keys/encoding.h"
#include "keys/key_file.h"
#include "keys/result.h"

namespace vigil {

// What a signature is for; each has its own context line, so a signature made for one
// purpose never verifies for another. The line is followed by the origin of the log the
// signature is meant for (its checkpoints' first line) and a newline, so a record or request
// signed for one log never verifies in another that has registered the same key:
//   kEntry:   "vigil/v2/entry\n"   + origin + "\n" + payload bytes
//   kRequest: "vigil/v2/request\n" + origin + "\n" + signature base of a signed request
enum class SignContext {
  kEntry,
  kRequest,
};

// The context line, newline included.
std::string_view ContextLine(SignContext context);
// ContextLine(context) + origin + "\n": what every signed message of `context` starts with.
std::string SignaturePrefix(SignContext context, std::string_view origin);

// An Ed25519 public key. Value type; thread-safe.
class PublicKey {
 public:
  static constexpr size_t kSize = 32;
  PublicKey() = default;
  // Fails unless `raw` is exactly 32 bytes.
  static Result<PublicKey> FromBytes(std::string_view raw);
  // Standard base64 of the 32 bytes, as carried in registration records.
  static Result<PublicKey> FromBase64(std::string_view text);

  std::string_view bytes() const { return {reinterpret_cast<const char*>(key_.data()), kSize}; }
  std::string ToBase64() const { return Base64Encode(bytes()); }
  // Key id (DESIGN §3): lowercase hex of the first 8 bytes of SHA-256(public key).
  std::string Id() const;

  // True if `sig` (64 bytes) is a valid signature by this key over
  // SignaturePrefix(context, origin) + msg.
  bool Verify(SignContext context, std::string_view origin, std::string_view msg,
              std::string_view sig) const;
  // Plain Ed25519 over `msg` with no context line (signed notes use their own framing).
  bool VerifyRaw(std::string_view msg, std::string_view sig) const;

  bool operator==(const PublicKey&) const = default;

 private:
  std::array<uint8_t, kSize> key_{};
};

// An Ed25519 secret key. Move-only; the key material is wiped on destruction.
// Signing is thread-safe (const).
class SecretKey {
 public:
  static constexpr size_t kSeedSize = 32;
  static constexpr size_t kSignatureSize = 64;

  // A fresh key from the system's random source.
  static SecretKey Generate();
  // Derives the key from a 32-byte seed (tests and key files).
  static Result<SecretKey> FromSeed(std::string_view seed);

  // Reads a key file written by Save or SaveProtected (keys/key_file.h ReadKeyFile: no
  // symbolic link, at most 4 KiB). A protected file's passphrase comes from `passphrase`; the
  // one-argument form asks keys/passphrase.h AskPassphrase (VIGIL_PASSPHRASE,
  // --passphrase-fd, the terminal). Errors: kNotFound (no file), kPermissionDenied (file
  // open to group or others: the message says to chmod 600), kInvalidArgument (not a Vigil
  // key file, a symbolic link, too large, or asking for too costly an Argon2id),
  // kUnauthenticated (wrong passphrase or damaged file), kFailedPrecondition (protected and
  // no passphrase source), and what `passphrase` returns.
  static Result<SecretKey> Load(const std::string& path);
  static Result<SecretKey> Load(const std::string& path, const PassphraseFn& passphrase);
  // Writes the seed to a new file with mode 0600 and fsyncs it. Refuses to overwrite.
  Status Save(const std::string& path) const;
  // The same, with the seed sealed under `passphrase` (Argon2id with `params`, then
  // XChaCha20-Poly1305; formats.md). kInvalidArgument for an empty passphrase or params out
  // of bounds; the errors of Save.
  Status SaveProtected(const std::string& path, std::string_view passphrase,
                       const KdfParams& params = KdfParams::Standard()) const;

  SecretKey(SecretKey&& other) noexcept;
  SecretKey& operator=(SecretKey&& other) noexcept;
  SecretKey(const SecretKey&) = delete;
  SecretKey& operator=(const SecretKey&) = delete;
  ~SecretKey();

  const PublicKey& public_key() const { return public_; }
  std::string Id() const { return public_.Id(); }

  // 64-byte signature over SignaturePrefix(context, origin) + msg.
  std::string Sign(SignContext context, std::string_view origin, std::string_view msg) const;
  // 64-byte plain Ed25519 signature over `msg`.
  std::string SignRaw(std::string_view msg) const;

 private:
  SecretKey() = default;
  std::array<uint8_t, 64> sk_{};  // libsodium's expanded secret key (seed || public key)
  PublicKey public_;
};

// Secret files (key seeds, the personal-data key): one line "<header><base64 secret>\n".
// Writes a new one with mode 0600 and fsyncs it; refuses to overwrite (kConflict), kIoError.
// The caller wipes `secret`; copies made here are wiped.
Status WriteSecretFile(const std::string& path, std::string_view header, std::string_view secret);
// Reads the secret of such a file (ReadKeyFile: no symbolic link, at most 4 KiB, the read
// buffers wiped). Errors: kNotFound (no file), kPermissionDenied (open to group or others: the
// message says to chmod 600), kInvalidArgument (a symbolic link, too large, not a file of this
// header, or not base64). Never puts secret bytes in a message.
Result<Bytes> ReadSecretFile(const std::string& path, std::string_view header);

// Writes the public key file that goes beside a secret key: one line,
// "vigil-ed25519-public-v1 <base64 of the key>".
Status SavePublicKey(const PublicKey& key, const std::string& path);
Result<PublicKey> LoadPublicKey(const std::string& path);

}  // namespace vigil

#endif  // VIGIL_KEYS_KEY_H_
