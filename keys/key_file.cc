#include "keys/key_file.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

#include "keys/coding.h"
#include "keys/encoding.h"
#include "keys/file.h"

namespace vigil {

namespace {

// The body of a protected file (formats.md): public key ‖ salt ‖ opslimit ‖ memlimit (KiB) ‖
// nonce ‖ sealed seed. Everything before the sealed seed is associated data.
constexpr size_t kPublicKeySize = 32;
constexpr size_t kSaltSize = crypto_pwhash_SALTBYTES;                        // 16
constexpr size_t kNonceSize = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;  // 24
constexpr size_t kSeedSize = 32;
constexpr size_t kSealedSize = kSeedSize + crypto_aead_xchacha20poly1305_ietf_ABYTES;  // 48
constexpr size_t kOffSalt = kPublicKeySize;
constexpr size_t kOffOps = kOffSalt + kSaltSize;
constexpr size_t kOffMem = kOffOps + 4;
constexpr size_t kOffNonce = kOffMem + 4;
constexpr size_t kOffSealed = kOffNonce + kNonceSize;   // 80
constexpr size_t kBodySize = kOffSealed + kSealedSize;  // 128
static_assert(kBodySize == 128);

const unsigned char* U(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

// The header name without its trailing space, then the body's cleartext part.
std::string AssociatedData(std::string_view body) {
  std::string ad(kProtectedSeedHeader.substr(0, kProtectedSeedHeader.size() - 1));
  ad.append(body.substr(0, kOffSealed));
  return ad;
}

Status CheckParams(const KdfParams& p, const std::string& what) {
  if (p.opslimit < kMinOpslimit || p.opslimit > kMaxOpslimit) {
    return Status(Code::kInvalidArgument,
                  what + ": Argon2id opslimit " + std::to_string(p.opslimit) + " is outside " +
                      std::to_string(kMinOpslimit) + ".." + std::to_string(kMaxOpslimit));
  }
  if (p.memlimit_kib < kMinMemlimitKib || p.memlimit_kib > kMaxMemlimitKib) {
    return Status(Code::kInvalidArgument,
                  what + ": Argon2id memory " + std::to_string(p.memlimit_kib) +
                      " KiB is outside " + std::to_string(kMinMemlimitKib) + ".." +
                      std::to_string(kMaxMemlimitKib) + " KiB; refusing to derive");
  }
  return Status::Ok();
}

// The XChaCha20-Poly1305 key for `passphrase`, `salt` and `params`.
Result<SecretBytes> DeriveKey(std::string_view passphrase, std::string_view salt,
                              const KdfParams& params) {
  std::string key(crypto_aead_xchacha20poly1305_ietf_KEYBYTES, '\0');
  SecretBytes out(std::move(key));
  if (crypto_pwhash(reinterpret_cast<unsigned char*>(out.data()), out.size(), passphrase.data(),
                    passphrase.size(), U(salt), params.opslimit,
                    static_cast<size_t>(params.memlimit_kib) * 1024,
                    crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return Status(Code::kResourceExhausted, "Argon2id could not allocate " +
                                                std::to_string(params.memlimit_kib / 1024) +
                                                " MiB to derive the key file's key");
  }
  return out;
}

// The decoded body of a protected file's text; kInvalidArgument if it is not one.
Result<SecretBytes> ProtectedBody(std::string_view text, const std::string& path) {
  std::string_view s = text;
  if (!s.empty() && s.back() == '\n') s.remove_suffix(1);
  if (!s.empty() && s.back() == '\r') s.remove_suffix(1);
  if (s.substr(0, kProtectedSeedHeader.size()) != kProtectedSeedHeader) {
    return Status(Code::kInvalidArgument, path + " is not a passphrase-protected Vigil key file");
  }
  Result<Bytes> body = Base64Decode(s.substr(kProtectedSeedHeader.size()));
  if (!body.ok() || body->size() != kBodySize) {
    if (body.ok()) sodium_memzero(body->data(), body->size());
    return Status(Code::kInvalidArgument, path + " is damaged: a protected key file holds " +
                                              std::to_string(kBodySize) +
                                              " bytes of base64 after its header");
  }
  return SecretBytes(std::move(*body));
}

}  // namespace

SecretBytes::SecretBytes(SecretBytes&& other) noexcept : bytes_(std::move(other.bytes_)) {
  other.Wipe();
}

SecretBytes& SecretBytes::operator=(SecretBytes&& other) noexcept {
  if (this != &other) {
    Wipe();
    bytes_ = std::move(other.bytes_);
    other.Wipe();
  }
  return *this;
}

void SecretBytes::Wipe() {
  // A moved-from std::string may keep a short string in its own storage: wipe the capacity.
  if (bytes_.capacity() > 0) {
    bytes_.resize(bytes_.capacity());
    sodium_memzero(bytes_.data(), bytes_.size());
  }
  bytes_.clear();
}

Result<SecretBytes> ReadKeyFile(const std::string& path, bool secret) {
  // O_NONBLOCK: a FIFO planted at the path must not block the command; O_NOCTTY likewise.
  // A secret is never read through a symbolic link (O_NOFOLLOW); a public key may be.
  const int raw = ::open(path.c_str(),
                         O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY | (secret ? O_NOFOLLOW : 0));
  if (raw < 0) {
    const int err = errno;
    if (err == ENOENT) return Status(Code::kNotFound, "no key file at " + path);
    if (err == ELOOP) {
      return Status(
          Code::kInvalidArgument,
          "key file " + path + " is a symbolic link; refusing to follow it (give the real path)");
    }
    if (err == EACCES) {
      return Status(Code::kPermissionDenied,
                    "cannot read key file " + path + ": permission denied");
    }
    return Status(Code::kIoError, "cannot open key file " + path + ": " + std::strerror(err));
  }
  ScopedFd fd(raw);
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) {
    return Status(Code::kIoError, "cannot stat key file " + path + ": " + std::strerror(errno));
  }
  if (!S_ISREG(st.st_mode)) {
    return Status(Code::kInvalidArgument, "key file " + path + " is not a regular file");
  }
  if (secret && (st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    return Status(Code::kPermissionDenied,
                  "secret key file " + path +
                      " is readable by other users; refusing to use it. Run: chmod 600 " + path);
  }
  if (st.st_size < 0 || static_cast<uint64_t>(st.st_size) > kMaxKeyFileSize) {
    return Status(Code::kInvalidArgument, path + " is not a Vigil key file (larger than " +
                                              std::to_string(kMaxKeyFileSize) + " bytes)");
  }
  // One byte more than allowed, so a file that grew after fstat is noticed.
  std::array<char, kMaxKeyFileSize + 1> buf;
  size_t n = 0;
  Status status;
  while (n < buf.size()) {
    const ssize_t r = ::read(fd.get(), buf.data() + n, buf.size() - n);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) {
      status = Status(Code::kIoError, "cannot read key file " + path + ": " + std::strerror(errno));
      break;
    }
    if (r == 0) break;
    n += static_cast<size_t>(r);
  }
  if (status.ok() && n > kMaxKeyFileSize) {
    status = Status(Code::kInvalidArgument, path + " is not a Vigil key file (larger than " +
                                                std::to_string(kMaxKeyFileSize) + " bytes)");
  }
  std::string text;
  if (status.ok()) {
    text.reserve(n);  // one allocation of the final size: no stray copies from growing
    text.assign(buf.data(), n);
  }
  sodium_memzero(buf.data(), buf.size());
  if (!status.ok()) return status;
  return SecretBytes(std::move(text));
}

bool IsProtectedKeyFile(std::string_view text) {
  return text.substr(0, kProtectedSeedHeader.size()) == kProtectedSeedHeader;
}

Result<SecretBytes> ProtectSeed(std::string_view seed, std::string_view public_key,
                                std::string_view passphrase, const KdfParams& params) {
  EnsureSodium();
  if (seed.size() != kSeedSize || public_key.size() != kPublicKeySize) {
    return Status(Code::kInvalidArgument, "an Ed25519 seed and public key are 32 bytes each");
  }
  if (passphrase.empty()) return Status(Code::kInvalidArgument, "the passphrase is empty");
  VIGIL_RETURN_IF_ERROR(CheckParams(params, "key file"));
  std::string body;
  body.reserve(kBodySize);
  body.append(public_key);
  std::string salt(kSaltSize, '\0');
  randombytes_buf(salt.data(), salt.size());
  body.append(salt);
  PutBigEndian32(body, params.opslimit);
  PutBigEndian32(body, params.memlimit_kib);
  std::string nonce(kNonceSize, '\0');
  randombytes_buf(nonce.data(), nonce.size());
  body.append(nonce);
  Result<SecretBytes> key = DeriveKey(passphrase, salt, params);
  if (!key.ok()) return key.status();
  const std::string ad = AssociatedData(body);
  body.resize(kBodySize);
  unsigned long long sealed_len = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(
      reinterpret_cast<unsigned char*>(body.data() + kOffSealed), &sealed_len, U(seed), seed.size(),
      U(ad), ad.size(), nullptr, U(nonce), U(key->view()));
  std::string line(kProtectedSeedHeader);
  line.append(Base64Encode(body));  // the body holds no secret: public, salt, cost, ciphertext
  line.push_back('\n');
  return SecretBytes(std::move(line));
}

Result<ProtectedKeyInfo> InspectProtectedKeyFile(std::string_view text, const std::string& path) {
  Result<SecretBytes> body = ProtectedBody(text, path);
  if (!body.ok()) return body.status();
  const std::string_view b = body->view();
  ProtectedKeyInfo info;
  info.public_key = std::string(b.substr(0, kPublicKeySize));
  info.params.opslimit = DecodeBigEndian32(b.substr(kOffOps, 4));
  info.params.memlimit_kib = DecodeBigEndian32(b.substr(kOffMem, 4));
  VIGIL_RETURN_IF_ERROR(CheckParams(info.params, path));
  return info;
}

Result<SecretBytes> OpenProtectedSeed(std::string_view text, std::string_view passphrase,
                                      const std::string& path) {
  EnsureSodium();
  Result<ProtectedKeyInfo> info = InspectProtectedKeyFile(text, path);
  if (!info.ok()) return info.status();
  Result<SecretBytes> body = ProtectedBody(text, path);
  if (!body.ok()) return body.status();
  const std::string_view b = body->view();
  Result<SecretBytes> key = DeriveKey(passphrase, b.substr(kOffSalt, kSaltSize), info->params);
  if (!key.ok()) return key.status();
  const std::string ad = AssociatedData(b);
  SecretBytes seed(std::string(kSeedSize, '\0'));
  unsigned long long seed_len = 0;
  const Status wrong(Code::kUnauthenticated,
                     "wrong passphrase or damaged file: " + path + " does not open");
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(
          reinterpret_cast<unsigned char*>(seed.data()), &seed_len, nullptr,
          U(b.substr(kOffSealed)), kSealedSize, U(ad), ad.size(),
          U(b.substr(kOffNonce, kNonceSize)), U(key->view())) != 0 ||
      seed_len != kSeedSize) {
    return wrong;
  }
  // The stored public key is authenticated, but check it is the seed's own all the same.
  std::array<unsigned char, crypto_sign_PUBLICKEYBYTES> pk;
  std::array<unsigned char, crypto_sign_SECRETKEYBYTES> sk;
  crypto_sign_seed_keypair(pk.data(), sk.data(), U(seed.view()));
  sodium_memzero(sk.data(), sk.size());
  if (sodium_memcmp(pk.data(), b.data(), kPublicKeySize) != 0) return wrong;
  return seed;
}

}  // namespace vigil
