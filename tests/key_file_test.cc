// Tests for keys/key_file and keys/passphrase: passphrase-protected key files (round trip,
// wrong passphrase, every field damaged, costs too large refused before anything is derived),
// and the hygiene of reading any key file (symbolic links, FIFOs, size, mode).
#include "keys/key_file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <string>

#include "keys/coding.h"
#include "keys/encoding.h"
#include "keys/key.h"
#include "keys/passphrase.h"
#include "tests/test_util.h"

namespace vigil {
namespace {

using testing::ReadFile;
using testing::TempDir;

// Cheap Argon2id for the many cases here; one case uses the default cost.
const KdfParams kCheap{1, 64};

void WriteFile(const std::string& path, const std::string& contents, mode_t mode) {
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << contents;
  }
  REQUIRE(::chmod(path.c_str(), mode) == 0);
}

// A PassphraseFn that gives `pass` and counts how often it was asked.
PassphraseFn Give(const std::string& pass, int* asked = nullptr) {
  return [pass, asked](const std::string&) -> Result<SecretBytes> {
    if (asked != nullptr) ++*asked;
    return SecretBytes(std::string(pass));
  };
}

// The decoded 128-byte body of a protected file's text, and back.
std::string Body(const std::string& text) {
  std::string b64 = text.substr(kProtectedSeedHeader.size());
  if (!b64.empty() && b64.back() == '\n') b64.pop_back();
  Result<Bytes> body = Base64Decode(b64);
  REQUIRE(body.ok());
  REQUIRE(body->size() == 128);
  return *body;
}
std::string Text(const std::string& body) {
  return std::string(kProtectedSeedHeader) + Base64Encode(body) + "\n";
}

TEST_CASE("protected key files: round trip", "[keys][key_file]") {
  TempDir dir;
  const std::string path = dir.File("clerk.key");
  SecretKey key = SecretKey::Generate();
  const std::string pass = "mật khẩu đúng 123";
  REQUIRE(key.SaveProtected(path, pass, kCheap).ok());
  struct stat st;
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0600);
  const std::string text = ReadFile(path);
  CHECK(text.rfind(kProtectedSeedHeader, 0) == 0);
  CHECK(text.size() == kProtectedSeedHeader.size() + 172 + 1);
  const std::string body = Body(text);
  CHECK(body.substr(0, 32) == key.public_key().bytes());  // the public key, in the clear
  CHECK(DecodeBigEndian32(body.substr(48, 4)) == kCheap.opslimit);
  CHECK(DecodeBigEndian32(body.substr(52, 4)) == kCheap.memlimit_kib);

  int asked = 0;
  Result<SecretKey> loaded = SecretKey::Load(path, Give(pass, &asked));
  REQUIRE(loaded.ok());
  CHECK(asked == 1);
  CHECK(loaded->public_key() == key.public_key());
  CHECK(loaded->Sign(SignContext::kEntry, "o", "x") == key.Sign(SignContext::kEntry, "o", "x"));

  Result<ProtectedKeyInfo> info = InspectProtectedKeyFile(text, path);
  REQUIRE(info.ok());
  CHECK(info->public_key == key.public_key().bytes());

  SECTION("two files of one key share no salt or nonce") {
    const std::string again = dir.File("again.key");
    REQUIRE(key.SaveProtected(again, pass, kCheap).ok());
    const std::string other = Body(ReadFile(again));
    CHECK(other.substr(32, 16) != body.substr(32, 16));
    CHECK(other.substr(56, 24) != body.substr(56, 24));
  }
  SECTION("the default cost: t=3, 64 MiB") {
    const std::string strong = dir.File("strong.key");
    REQUIRE(key.SaveProtected(strong, pass).ok());
    const std::string b = Body(ReadFile(strong));
    CHECK(DecodeBigEndian32(b.substr(48, 4)) == 3);
    CHECK(DecodeBigEndian32(b.substr(52, 4)) == 65536);
    Result<SecretKey> k = SecretKey::Load(strong, Give(pass));
    REQUIRE(k.ok());
    CHECK(k->public_key() == key.public_key());
  }
  SECTION("refuses to overwrite, an empty passphrase, and costs out of bounds") {
    CHECK(key.SaveProtected(path, pass, kCheap).code() == Code::kConflict);
    CHECK(key.SaveProtected(dir.File("e.key"), "", kCheap).code() == Code::kInvalidArgument);
    CHECK(key.SaveProtected(dir.File("t.key"), pass, {11, 64}).code() == Code::kInvalidArgument);
    CHECK(key.SaveProtected(dir.File("m.key"), pass, {1, 2 * 1024 * 1024}).code() ==
          Code::kInvalidArgument);
    CHECK(key.SaveProtected(dir.File("z.key"), pass, {0, 64}).code() == Code::kInvalidArgument);
  }
}

TEST_CASE("protected key files: the test vector of formats.md", "[keys][key_file]") {
  // Made with PyNaCl (libsodium's Argon2id and XChaCha20-Poly1305, independent of this code):
  // seed 00..1f, salt 10..1f, t=2, 64 KiB, nonce 40..57, passphrase "mật khẩu đúng 123".
  const std::string text =
      "vigil-ed25519-seed-v2-argon2id "
      "A6EHv/"
      "POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbgQERITFBUWFxgZGhscHR4fAAAAAgAAAEBAQUJDREVGR0hJSktMTU5P"
      "UFFSU1RVVldjTdH+PY/Dg6TTZvb6D7d9+1hjX5XfRxtvF3VRWen5hVlcDB0m5t0+hlQUBPaig3I=\n";
  Result<SecretBytes> seed = OpenProtectedSeed(text, "mật khẩu đúng 123", "vector");
  REQUIRE(seed.ok());
  std::string expected;
  for (int i = 0; i < 32; ++i) expected.push_back(static_cast<char>(i));
  CHECK(seed->view() == expected);
  Result<SecretKey> key = SecretKey::FromSeed(seed->view());
  REQUIRE(key.ok());
  CHECK(HexEncode(key->public_key().bytes()) ==
        "03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8");
  CHECK(OpenProtectedSeed(text, "mật khẩu đúng 124", "vector").status().code() ==
        Code::kUnauthenticated);
}

TEST_CASE("protected key files: wrong passphrase and damage are clear errors", "[keys][key_file]") {
  TempDir dir;
  const std::string path = dir.File("clerk.key");
  SecretKey key = SecretKey::Generate();
  REQUIRE(key.SaveProtected(path, "right", kCheap).ok());
  const std::string text = ReadFile(path);
  const std::string body = Body(text);

  Result<SecretKey> wrong = SecretKey::Load(path, Give("wrong"));
  REQUIRE_FALSE(wrong.ok());
  CHECK(wrong.status().code() == Code::kUnauthenticated);
  CHECK(wrong.status().message().find("wrong passphrase or damaged file") != std::string::npos);
  CHECK(SecretKey::Load(path, Give("righ")).status().code() == Code::kUnauthenticated);
  CHECK(SecretKey::Load(path, Give("right\n")).status().code() == Code::kUnauthenticated);

  // One byte changed in each field: the AEAD covers the sealed seed and authenticates the rest.
  const std::vector<std::pair<std::string, size_t>> fields = {
      {"public key", 5}, {"salt", 40},        {"opslimit", 51}, {"memlimit", 55},
      {"nonce", 60},     {"sealed seed", 90}, {"tag", 127},
  };
  int n = 0;
  for (const auto& [what, offset] : fields) {
    INFO(what);
    std::string damaged = body;
    damaged[offset] = static_cast<char>(damaged[offset] ^ 0x02);
    const std::string p = dir.File("damaged" + std::to_string(n++) + ".key");
    WriteFile(p, Text(damaged), 0600);
    Result<SecretKey> k = SecretKey::Load(p, Give("right"));
    REQUIRE_FALSE(k.ok());
    CHECK(k.status().code() == Code::kUnauthenticated);
  }
  const std::vector<std::pair<std::string, std::string>> framing = {
      {"truncated body", std::string(kProtectedSeedHeader) + Base64Encode(body.substr(0, 127))},
      {"longer body", std::string(kProtectedSeedHeader) + Base64Encode(body + "x")},
      {"not base64", std::string(kProtectedSeedHeader) + "!" + Text(body).substr(32)},
      {"header only", std::string(kProtectedSeedHeader) + "\n"},
  };
  for (const auto& [what, contents] : framing) {
    INFO(what);
    const std::string p = dir.File("framing" + std::to_string(n++) + ".key");
    WriteFile(p, contents, 0600);
    int asked = 0;
    Result<SecretKey> k = SecretKey::Load(p, Give("right", &asked));
    REQUIRE_FALSE(k.ok());
    CHECK(k.status().code() == Code::kInvalidArgument);
    CHECK(asked == 0);
  }
}

TEST_CASE("protected key files: a cost too large is refused before deriving", "[keys][key_file]") {
  TempDir dir;
  SecretKey key = SecretKey::Generate();
  const std::string path = dir.File("k.key");
  REQUIRE(key.SaveProtected(path, "pw", kCheap).ok());
  const std::string body = Body(ReadFile(path));
  const std::vector<std::pair<uint32_t, uint32_t>> costs = {
      {kCheap.opslimit, 0xFFFFFFFF},       // 4 TiB
      {kCheap.opslimit, 4 * 1024 * 1024},  // 4 GiB
      {kCheap.opslimit, kMaxMemlimitKib + 1},  {kCheap.opslimit, 0},
      {kCheap.opslimit, kMinMemlimitKib - 1},  {0xFFFFFFFF, kCheap.memlimit_kib},
      {kMaxOpslimit + 1, kCheap.memlimit_kib}, {0, kCheap.memlimit_kib},
  };
  int n = 0;
  for (const auto& [ops, mem] : costs) {
    INFO("opslimit " << ops << ", memlimit " << mem << " KiB");
    std::string b = body.substr(0, 48);
    PutBigEndian32(b, ops);
    PutBigEndian32(b, mem);
    b.append(body.substr(56));
    const std::string p = dir.File("cost" + std::to_string(n++) + ".key");
    WriteFile(p, Text(b), 0600);
    int asked = 0;
    Result<SecretKey> k = SecretKey::Load(p, Give("pw", &asked));
    REQUIRE_FALSE(k.ok());
    CHECK(k.status().code() == Code::kInvalidArgument);
    CHECK(asked == 0);
  }
}

TEST_CASE("key files are read with care: links, FIFOs, size, mode", "[keys][key_file]") {
  TempDir dir;
  SecretKey key = SecretKey::Generate();
  const std::string plain = dir.File("plain.key");
  const std::string sealed = dir.File("sealed.key");
  REQUIRE(key.Save(plain).ok());
  REQUIRE(key.SaveProtected(sealed, "pw", kCheap).ok());
  for (const std::string& target : {plain, sealed}) {
    INFO(target);
    const std::string link = target + ".link";
    REQUIRE(::symlink(target.c_str(), link.c_str()) == 0);
    int asked = 0;
    Result<SecretKey> k = SecretKey::Load(link, Give("pw", &asked));
    REQUIRE_FALSE(k.ok());
    CHECK(k.status().code() == Code::kInvalidArgument);
    CHECK(k.status().message().find("symbolic link") != std::string::npos);
    CHECK(asked == 0);
    CHECK(SecretKey::Load(target, Give("pw")).ok());
  }
  SECTION("a file open to group or others, before any passphrase") {
    for (mode_t mode : {mode_t{0640}, mode_t{0604}, mode_t{0620}, mode_t{0602}}) {
      INFO("mode " << std::oct << mode);
      REQUIRE(::chmod(sealed.c_str(), mode) == 0);
      int asked = 0;
      Result<SecretKey> k = SecretKey::Load(sealed, Give("pw", &asked));
      CHECK(k.status().code() == Code::kPermissionDenied);
      CHECK(k.status().message().find("chmod 600") != std::string::npos);
      CHECK(asked == 0);
    }
  }
  SECTION("a file larger than 4 KiB, protected or not") {
    const std::string big = dir.File("big.key");
    WriteFile(big, ReadFile(sealed) + std::string(5000, '\n'), 0600);
    int asked = 0;
    Result<SecretKey> k = SecretKey::Load(big, Give("pw", &asked));
    CHECK(k.status().code() == Code::kInvalidArgument);
    CHECK(asked == 0);
    const std::string huge = dir.File("huge.key");
    WriteFile(huge, std::string(10 * 1024 * 1024, 'A'), 0600);
    CHECK(SecretKey::Load(huge, Give("pw")).status().code() == Code::kInvalidArgument);
    CHECK(ReadSecretFile(huge, kPlainSeedHeader).status().code() == Code::kInvalidArgument);
  }
  SECTION("a FIFO or a directory is not a key file, and does not block") {
    const std::string fifo = dir.File("fifo.key");
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    CHECK(SecretKey::Load(fifo, Give("pw")).status().code() == Code::kInvalidArgument);
    CHECK(SecretKey::Load(dir.path(), Give("pw")).status().code() == Code::kInvalidArgument);
  }
  SECTION("public key files: no symlink check, but the size") {
    const std::string pub = dir.File("k.pub");
    REQUIRE(SavePublicKey(key.public_key(), pub).ok());
    const std::string link = dir.File("k.pub.link");
    REQUIRE(::symlink(pub.c_str(), link.c_str()) == 0);
    CHECK(LoadPublicKey(link).ok());
    const std::string big = dir.File("big.pub");
    WriteFile(big, ReadFile(pub) + std::string(5000, '\n'), 0644);
    CHECK(LoadPublicKey(big).status().code() == Code::kInvalidArgument);
  }
}

TEST_CASE("passphrase sources: VIGIL_PASSPHRASE, then the descriptor", "[keys][key_file]") {
  TempDir dir;
  SecretKey key = SecretKey::Generate();
  const std::string path = dir.File("k.key");
  REQUIRE(key.SaveProtected(path, "from somewhere", kCheap).ok());

  REQUIRE(::setenv(kPassphraseEnv, "from somewhere", 1) == 0);
  Result<SecretKey> k = SecretKey::Load(path);
  REQUIRE(k.ok());
  CHECK(k->public_key() == key.public_key());
  REQUIRE(::setenv(kPassphraseEnv, "not it", 1) == 0);
  CHECK(SecretKey::Load(path).status().code() == Code::kUnauthenticated);
  REQUIRE(::unsetenv(kPassphraseEnv) == 0);

  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  const std::string line = "from somewhere\r\nignored\n";
  REQUIRE(::write(fds[1], line.data(), line.size()) == static_cast<ssize_t>(line.size()));
  ::close(fds[1]);
  SetPassphraseFd(fds[0]);
  // The descriptor is read once and its line kept for every key file of the command.
  CHECK(SecretKey::Load(path).ok());
  CHECK(SecretKey::Load(path).ok());
  SetPassphraseFd(-1);
  ::close(fds[0]);

  REQUIRE(::pipe(fds) == 0);
  ::close(fds[1]);
  SetPassphraseFd(fds[0]);
  Result<SecretKey> empty = SecretKey::Load(path);
  CHECK(empty.status().code() == Code::kInvalidArgument);
  CHECK(empty.status().message().find("empty") != std::string::npos);
  SetPassphraseFd(-1);
  ::close(fds[0]);
}

}  // namespace
}  // namespace vigil
