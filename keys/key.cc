#include "keys/key.h"

#include <sodium.h>

#include <cstring>

#include "keys/file.h"
#include "keys/passphrase.h"

namespace vigil {

namespace {

constexpr std::string_view kSecretHeader = kPlainSeedHeader;
constexpr std::string_view kPublicHeader = "vigil-ed25519-public-v1 ";

const unsigned char* U(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

std::string WithContext(SignContext context, std::string_view origin, std::string_view msg) {
  std::string m = SignaturePrefix(context, origin);
  m.append(msg);
  return m;
}

// Writes a new key file (keys/file.h WriteNewFile: fsynced with its directory, removed again if
// it cannot be written whole), naming a key file in the refusal to overwrite one.
Status WriteKeyFile(const std::string& path, std::string_view contents, unsigned mode) {
  Status s = WriteNewFile(path, contents, mode);
  if (s.code() == Code::kConflict) {
    return Status(Code::kConflict, path + " already exists; refusing to overwrite a key file");
  }
  return s;
}

// Returns the base64 text after `header` on the file's single line.
Result<std::string> KeyFileBody(const std::string& path, std::string_view text,
                                std::string_view header) {
  std::string_view s = text;
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.remove_suffix(1);
  if (s.substr(0, header.size()) != header) {
    return Status(Code::kInvalidArgument,
                  path + " is not a Vigil key file (expected it to start with \"" +
                      std::string(header.substr(0, header.size() - 1)) + "\")");
  }
  return std::string(s.substr(header.size()));
}

// The secret of a secret file's `text` (one line: `header`, then base64).
Result<Bytes> SecretFromText(const std::string& path, std::string_view text,
                             std::string_view header) {
  Result<std::string> body = KeyFileBody(path, text, header);
  if (!body.ok()) return body.status();
  Result<Bytes> secret = Base64Decode(*body);
  sodium_memzero(body->data(), body->size());
  if (!secret.ok()) {
    return Status(Code::kInvalidArgument, path + " is damaged: its secret is not base64");
  }
  return secret;
}

}  // namespace

std::string_view ContextLine(SignContext context) {
  switch (context) {
    case SignContext::kEntry:
      return "vigil/v2/entry\n";
    case SignContext::kRequest:
      return "vigil/v2/request\n";
  }
  return "";
}

std::string SignaturePrefix(SignContext context, std::string_view origin) {
  std::string p(ContextLine(context));
  p.append(origin);
  p += '\n';
  return p;
}

Result<PublicKey> PublicKey::FromBytes(std::string_view raw) {
  if (raw.size() != kSize) {
    return Status(Code::kInvalidArgument,
                  "an Ed25519 public key is 32 bytes, got " + std::to_string(raw.size()));
  }
  PublicKey k;
  std::memcpy(k.key_.data(), raw.data(), kSize);
  return k;
}

Result<PublicKey> PublicKey::FromBase64(std::string_view text) {
  Result<Bytes> raw = Base64Decode(text);
  if (!raw.ok()) return Status(Code::kInvalidArgument, "public key: " + raw.status().message());
  return FromBytes(*raw);
}

std::string PublicKey::Id() const {
  Hash h = Sha256(bytes());
  return HexEncode(std::string_view(reinterpret_cast<const char*>(h.data()), 8));
}

bool PublicKey::VerifyRaw(std::string_view msg, std::string_view sig) const {
  EnsureSodium();
  if (sig.size() != crypto_sign_BYTES) return false;
  return crypto_sign_verify_detached(U(sig), U(msg), msg.size(), key_.data()) == 0;
}

bool PublicKey::Verify(SignContext context, std::string_view origin, std::string_view msg,
                       std::string_view sig) const {
  return VerifyRaw(WithContext(context, origin, msg), sig);
}

SecretKey SecretKey::Generate() {
  EnsureSodium();
  std::array<uint8_t, kSeedSize> seed;
  randombytes_buf(seed.data(), seed.size());
  // value() on the temporary Result moves the key out; operator* would try to copy it.
  SecretKey k =
      FromSeed(std::string_view(reinterpret_cast<const char*>(seed.data()), kSeedSize)).value();
  sodium_memzero(seed.data(), seed.size());
  return k;
}

Result<SecretKey> SecretKey::FromSeed(std::string_view seed) {
  EnsureSodium();
  if (seed.size() != kSeedSize) {
    return Status(Code::kInvalidArgument, "an Ed25519 seed is 32 bytes");
  }
  SecretKey k;
  std::array<uint8_t, 32> pk;
  crypto_sign_seed_keypair(pk.data(), k.sk_.data(), U(seed));
  k.public_ = *PublicKey::FromBytes(std::string_view(reinterpret_cast<char*>(pk.data()), 32));
  return k;
}

Result<SecretKey> SecretKey::Load(const std::string& path) { return Load(path, AskPassphrase); }

Result<SecretKey> SecretKey::Load(const std::string& path, const PassphraseFn& passphrase) {
  Result<SecretBytes> text = ReadKeyFile(path, /*secret=*/true);
  if (!text.ok()) return text.status();
  if (IsProtectedKeyFile(text->view())) {
    // Framing and cost are checked before anyone is asked for a passphrase.
    Result<ProtectedKeyInfo> info = InspectProtectedKeyFile(text->view(), path);
    if (!info.ok()) return info.status();
    Result<SecretBytes> pass = passphrase(path);
    if (!pass.ok()) return pass.status();
    Result<SecretBytes> seed = OpenProtectedSeed(text->view(), pass->view(), path);
    if (!seed.ok()) return seed.status();
    return FromSeed(seed->view());
  }
  Result<Bytes> seed = SecretFromText(path, text->view(), kSecretHeader);
  if (!seed.ok()) return seed.status();
  if (seed->size() != kSeedSize) {
    sodium_memzero(seed->data(), seed->size());
    return Status(Code::kInvalidArgument, path + " is damaged: the seed is not 32 bytes of base64");
  }
  Result<SecretKey> k = FromSeed(*seed);
  sodium_memzero(seed->data(), seed->size());
  return k;
}

Status SecretKey::Save(const std::string& path) const {
  return WriteSecretFile(path, kSecretHeader,
                         std::string_view(reinterpret_cast<const char*>(sk_.data()), kSeedSize));
}

Status SecretKey::SaveProtected(const std::string& path, std::string_view passphrase,
                                const KdfParams& params) const {
  Result<SecretBytes> line =
      ProtectSeed(std::string_view(reinterpret_cast<const char*>(sk_.data()), kSeedSize),
                  public_.bytes(), passphrase, params);
  if (!line.ok()) return line.status();
  return WriteKeyFile(path, line->view(), 0600);
}

Status WriteSecretFile(const std::string& path, std::string_view header, std::string_view secret) {
  std::string b64 = Base64Encode(secret);
  std::string line = std::string(header) + b64 + "\n";
  Status s = WriteKeyFile(path, line, 0600);
  sodium_memzero(b64.data(), b64.size());
  sodium_memzero(line.data(), line.size());
  return s;
}

Result<Bytes> ReadSecretFile(const std::string& path, std::string_view header) {
  Result<SecretBytes> text = ReadKeyFile(path, /*secret=*/true);
  if (!text.ok()) return text.status();
  return SecretFromText(path, text->view(), header);
}

SecretKey::SecretKey(SecretKey&& other) noexcept : sk_(other.sk_), public_(other.public_) {
  sodium_memzero(other.sk_.data(), other.sk_.size());
}

SecretKey& SecretKey::operator=(SecretKey&& other) noexcept {
  if (this != &other) {
    sk_ = other.sk_;
    public_ = other.public_;
    sodium_memzero(other.sk_.data(), other.sk_.size());
  }
  return *this;
}

SecretKey::~SecretKey() { sodium_memzero(sk_.data(), sk_.size()); }

std::string SecretKey::SignRaw(std::string_view msg) const {
  std::string sig(crypto_sign_BYTES, '\0');
  crypto_sign_detached(reinterpret_cast<unsigned char*>(sig.data()), nullptr, U(msg), msg.size(),
                       sk_.data());
  return sig;
}

std::string SecretKey::Sign(SignContext context, std::string_view origin,
                            std::string_view msg) const {
  return SignRaw(WithContext(context, origin, msg));
}

Status SavePublicKey(const PublicKey& key, const std::string& path) {
  return WriteKeyFile(path, std::string(kPublicHeader) + key.ToBase64() + "\n", 0644);
}

Result<PublicKey> LoadPublicKey(const std::string& path) {
  Result<SecretBytes> text = ReadKeyFile(path, /*secret=*/false);
  if (!text.ok()) return text.status();
  Result<std::string> body = KeyFileBody(path, text->view(), kPublicHeader);
  if (!body.ok()) return body.status();
  return PublicKey::FromBase64(*body);
}

}  // namespace vigil
