#include "ledger/personal.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "keys/encoding.h"
#include "ledger/payload.h"

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
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    if (!create) return Status(Code::kNotFound, "no personal-data key at " + path);
    randombytes_buf(v.key_.data(), v.key_.size());
    std::string line = std::string(kHeader) +
                       Base64Encode(std::string_view(reinterpret_cast<char*>(v.key_.data()), 32)) + "\n";
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    bool ok = fd >= 0 && ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) &&
              ::fsync(fd) == 0;
    if (fd >= 0) ::close(fd);
    sodium_memzero(line.data(), line.size());
    if (!ok) return Status(Code::kIoError, "cannot write " + path + ": " + std::strerror(errno));
    return v;
  }
  if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    return Status(Code::kPermissionDenied, "key file " + path +
                                               " is readable by other users; refusing to use it. "
                                               "Run: chmod 600 " + path);
  }
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status(Code::kIoError, "cannot read " + path + ": " + std::strerror(errno));
  char buf[256];
  ssize_t n = ::read(fd, buf, sizeof buf);
  ::close(fd);
  std::string_view text(buf, n > 0 ? static_cast<size_t>(n) : 0);
  while (!text.empty() && text.back() == '\n') text.remove_suffix(1);
  Result<Bytes> key = text.substr(0, kHeader.size()) == kHeader
                          ? Base64Decode(text.substr(kHeader.size()))
                          : Result<Bytes>(Status(Code::kInvalidArgument, ""));
  sodium_memzero(buf, sizeof buf);
  if (!key.ok() || key->size() != 32) {
    return Status(Code::kInvalidArgument, path + " is not a Vigil personal-data key file");
  }
  std::memcpy(v.key_.data(), key->data(), 32);
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
                                 nonce + crypto_secretbox_NONCEBYTES, clen, nonce, key_.data()) != 0) {
    return Status(Code::kCorruption, "personal data does not decrypt with this key (altered?)");
  }
  return out;
}

}  // namespace vigil
