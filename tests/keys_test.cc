// Tests for keys/key and keys/encoding: key ids, domain-separated signatures, key files and
// their permissions, and the strictness of the byte encodings.
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "keys/coding.h"
#include "keys/encoding.h"
#include "keys/key.h"
#include "tests/test_util.h"

namespace vigil {
namespace {

using testing::ReadFile;

constexpr char kOrigin[] = "vigil.test.example/keys";

// A fresh directory under $TMPDIR (or /tmp), removed with everything in it at scope exit.
class TempDir {
 public:
  TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string templ =
        std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/vigil_keys_test.XXXXXX";
    REQUIRE(::mkdtemp(templ.data()) != nullptr);
    path_ = templ;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

void WriteFile(const std::string& path, const std::string& contents, mode_t mode) {
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << contents;
  }
  REQUIRE(::chmod(path.c_str(), mode) == 0);
}

mode_t FileMode(const std::string& path) {
  struct stat st;
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

Bytes Unhex(std::string_view hex) {
  Result<Bytes> b = HexDecode(hex);
  REQUIRE(b.ok());
  return *b;
}

// RFC 8032 section 7.1, TEST 1.
constexpr std::string_view kRfcSeed =
    "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
constexpr std::string_view kRfcPublic =
    "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
constexpr std::string_view kRfcSignature =
    "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9"
    "b46bd25bf5f0595bbe24655141438e7a100b";

TEST_CASE("Ed25519 matches RFC 8032 test 1", "[keys]") {
  Result<SecretKey> key = SecretKey::FromSeed(Unhex(kRfcSeed));
  REQUIRE(key.ok());
  CHECK(HexEncode(key->public_key().bytes()) == kRfcPublic);
  CHECK(HexEncode(key->SignRaw("")) == kRfcSignature);
  CHECK(key->public_key().VerifyRaw("", Unhex(kRfcSignature)));
}

TEST_CASE("key ids are the first 8 bytes of SHA-256 of the public key, in lowercase hex",
          "[keys]") {
  Result<SecretKey> rfc = SecretKey::FromSeed(Unhex(kRfcSeed));
  REQUIRE(rfc.ok());
  const std::string expected = HexEncode(AsView(Sha256(Unhex(kRfcPublic))).substr(0, 8));
  CHECK(rfc->Id() == expected);
  CHECK(rfc->public_key().Id() == expected);

  for (int i = 0; i < 20; ++i) {
    SecretKey key = SecretKey::Generate();
    const std::string id = key.Id();
    CHECK(id.size() == 16);
    CHECK(id.find_first_not_of("0123456789abcdef") == std::string::npos);
    CHECK(id == HexEncode(AsView(Sha256(key.public_key().bytes())).substr(0, 8)));
  }
  CHECK(SecretKey::Generate().Id() != SecretKey::Generate().Id());
}

TEST_CASE("public keys parse from exactly 32 bytes", "[keys]") {
  SecretKey key = SecretKey::Generate();
  const PublicKey& pk = key.public_key();
  Result<PublicKey> back = PublicKey::FromBase64(pk.ToBase64());
  REQUIRE(back.ok());
  CHECK(*back == pk);
  CHECK(PublicKey::FromBytes(std::string(31, 'k')).status().code() == Code::kInvalidArgument);
  CHECK(PublicKey::FromBytes(std::string(33, 'k')).status().code() == Code::kInvalidArgument);
  CHECK(PublicKey::FromBase64(Base64Encode(std::string(31, 'k'))).status().code() ==
        Code::kInvalidArgument);
  CHECK(PublicKey::FromBase64("not base64!").status().code() == Code::kInvalidArgument);
  CHECK(SecretKey::FromSeed(std::string(31, 's')).status().code() == Code::kInvalidArgument);
}

TEST_CASE("signatures are bound to their context", "[keys]") {
  CHECK(ContextLine(SignContext::kEntry) == "vigil/v2/entry\n");
  CHECK(ContextLine(SignContext::kRequest) == "vigil/v2/request\n");
  CHECK(SignaturePrefix(SignContext::kEntry, kOrigin) ==
        "vigil/v2/entry\n" + std::string(kOrigin) + "\n");

  SecretKey key = SecretKey::Generate();
  const PublicKey& pk = key.public_key();
  const std::string msg = R"({"id":"a1","kind":"test"})";
  const std::string sig = key.Sign(SignContext::kEntry, kOrigin, msg);
  REQUIRE(sig.size() == SecretKey::kSignatureSize);

  CHECK(pk.Verify(SignContext::kEntry, kOrigin, msg, sig));
  CHECK_FALSE(pk.Verify(SignContext::kRequest, kOrigin, msg, sig));
  CHECK_FALSE(pk.VerifyRaw(msg, sig));
  // The documented framing: context line, origin, newline, message.
  CHECK(sig == key.SignRaw("vigil/v2/entry\n" + std::string(kOrigin) + "\n" + msg));
  // Bound to one log: the same message signed for another origin does not verify here.
  CHECK_FALSE(pk.Verify(SignContext::kEntry, "vigil.other.example/log", msg, sig));
  CHECK(key.Sign(SignContext::kEntry, kOrigin, msg) == sig);  // Ed25519 is deterministic

  const std::string req = key.Sign(SignContext::kRequest, kOrigin, msg);
  CHECK(pk.Verify(SignContext::kRequest, kOrigin, msg, req));
  CHECK_FALSE(pk.Verify(SignContext::kEntry, kOrigin, msg, req));

  SECTION("tampering fails") {
    std::string tampered = msg;
    tampered[7] = 'b';
    CHECK_FALSE(pk.Verify(SignContext::kEntry, kOrigin, tampered, sig));
    CHECK_FALSE(pk.Verify(SignContext::kEntry, kOrigin, msg + " ", sig));
    std::string bad_sig = sig;
    bad_sig[10] = static_cast<char>(bad_sig[10] ^ 0x04);
    CHECK_FALSE(pk.Verify(SignContext::kEntry, kOrigin, msg, bad_sig));
    CHECK_FALSE(pk.Verify(SignContext::kEntry, kOrigin, msg, sig.substr(0, 63)));
    CHECK_FALSE(pk.Verify(SignContext::kEntry, kOrigin, msg, sig + "x"));
    CHECK_FALSE(pk.Verify(SignContext::kEntry, kOrigin, msg, ""));
    CHECK_FALSE(SecretKey::Generate().public_key().Verify(SignContext::kEntry, kOrigin, msg, sig));
  }
}

TEST_CASE("secret keys survive a move", "[keys]") {
  SecretKey a = SecretKey::Generate();
  const PublicKey pk = a.public_key();
  SecretKey b = std::move(a);
  CHECK(b.public_key() == pk);
  CHECK(pk.Verify(SignContext::kEntry, kOrigin, "m", b.Sign(SignContext::kEntry, kOrigin, "m")));
  SecretKey c = SecretKey::Generate();
  c = std::move(b);
  CHECK(pk.Verify(SignContext::kEntry, kOrigin, "m", c.Sign(SignContext::kEntry, kOrigin, "m")));
}

TEST_CASE("key files: save and load", "[keys]") {
  TempDir dir;
  const std::string path = dir.File("signer.key");
  SecretKey key = SecretKey::Generate();
  REQUIRE(key.Save(path).ok());
  CHECK(FileMode(path) == 0600);

  Result<SecretKey> loaded = SecretKey::Load(path);
  REQUIRE(loaded.ok());
  CHECK(loaded->public_key() == key.public_key());
  CHECK(loaded->Sign(SignContext::kEntry, kOrigin, "x") ==
        key.Sign(SignContext::kEntry, kOrigin, "x"));

  SECTION("Save refuses to overwrite") {
    const std::string before = ReadFile(path);
    Status s = SecretKey::Generate().Save(path);
    CHECK(s.code() == Code::kConflict);
    CHECK(ReadFile(path) == before);
    CHECK(FileMode(path) == 0600);
  }
  SECTION("a missing file is kNotFound") {
    CHECK(SecretKey::Load(dir.File("absent.key")).status().code() == Code::kNotFound);
    CHECK(key.Save(dir.File("no/such/dir.key")).code() == Code::kIoError);
  }
  SECTION("public key files") {
    const std::string pub = dir.File("signer.pub");
    REQUIRE(SavePublicKey(key.public_key(), pub).ok());
    CHECK(FileMode(pub) == 0644);
    Result<PublicKey> pk = LoadPublicKey(pub);
    REQUIRE(pk.ok());
    CHECK(*pk == key.public_key());
    CHECK(SavePublicKey(key.public_key(), pub).code() == Code::kConflict);
    CHECK(LoadPublicKey(path).status().code() == Code::kInvalidArgument);  // a secret key file
    CHECK(SecretKey::Load(pub).status().code() != Code::kOk);
  }
}

TEST_CASE("Load refuses key files others can read, without leaking the seed", "[keys]") {
  TempDir dir;
  const std::string path = dir.File("signer.key");
  REQUIRE(SecretKey::Generate().Save(path).ok());
  const std::string contents = ReadFile(path);
  const size_t space = contents.find(' ');
  REQUIRE(space != std::string::npos);
  const std::string seed_b64 = contents.substr(space + 1, 44);
  REQUIRE(seed_b64.size() == 44);
  REQUIRE(Base64Decode(seed_b64).ok());

  for (mode_t mode : {mode_t{0640}, mode_t{0604}, mode_t{0644}, mode_t{0660}, mode_t{0606},
                      mode_t{0610}, mode_t{0601}}) {
    INFO("mode " << std::oct << mode);
    REQUIRE(::chmod(path.c_str(), mode) == 0);
    Result<SecretKey> k = SecretKey::Load(path);
    REQUIRE_FALSE(k.ok());
    CHECK(k.status().code() == Code::kPermissionDenied);
    CHECK(k.status().message().find("chmod 600") != std::string::npos);
    CHECK(k.status().ToString().find(seed_b64) == std::string::npos);
    CHECK(k.status().ToString().find(seed_b64.substr(0, 16)) == std::string::npos);
  }
  REQUIRE(::chmod(path.c_str(), 0400) == 0);
  CHECK(SecretKey::Load(path).ok());
}

TEST_CASE("damaged key files are kInvalidArgument and never echo their contents", "[keys]") {
  TempDir dir;
  SecretKey key = SecretKey::Generate();
  const std::string good_path = dir.File("good.key");
  REQUIRE(key.Save(good_path).ok());
  const std::string good = ReadFile(good_path);
  const size_t space = good.find(' ');
  const std::string header = good.substr(0, space + 1);
  const std::string seed_b64 = good.substr(space + 1, 44);

  const std::vector<std::pair<std::string, std::string>> damaged = {
      {"empty", ""},
      {"header only", header + "\n"},
      {"wrong header", "vigil-ed25519-seed-v2 " + seed_b64 + "\n"},
      {"no header", seed_b64 + "\n"},
      {"truncated seed", header + seed_b64.substr(0, 40) + "\n"},
      {"31-byte seed", header + Base64Encode(std::string(31, 's')) + "\n"},
      {"33-byte seed", header + Base64Encode(std::string(33, 's')) + "\n"},
      {"bad base64 character", header + "!" + seed_b64.substr(1) + "\n"},
      {"trailing garbage", header + seed_b64 + " extra\n"},
      {"too large", header + seed_b64 + "\n" + std::string(8192, '#')},
  };
  int n = 0;
  for (const auto& [what, contents] : damaged) {
    INFO(what);
    const std::string path = dir.File("damaged" + std::to_string(n++) + ".key");
    WriteFile(path, contents, 0600);
    Result<SecretKey> k = SecretKey::Load(path);
    REQUIRE_FALSE(k.ok());
    CHECK(k.status().code() == Code::kInvalidArgument);
    CHECK(k.status().ToString().find(seed_b64.substr(0, 16)) == std::string::npos);
  }
}

TEST_CASE("base64 is standard, padded and strict", "[encoding]") {
  // RFC 4648 section 10.
  const std::vector<std::pair<std::string, std::string>> vectors = {
      {"", ""},
      {"f", "Zg=="},
      {"fo", "Zm8="},
      {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="},
      {"fooba", "Zm9vYmE="},
      {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [raw, text] : vectors) {
    CHECK(Base64Encode(raw) == text);
    Result<Bytes> back = Base64Decode(text);
    REQUIRE(back.ok());
    CHECK(*back == raw);
  }
  CHECK(Base64Encode("\xfb\xff") == "+/8=");  // the standard alphabet, not the URL one
  CHECK(*Base64Decode("+/8=") == "\xfb\xff");

  std::string all(256, '\0');
  for (size_t i = 0; i < all.size(); ++i) all[i] = static_cast<char>(i);
  CHECK(*Base64Decode(Base64Encode(all)) == all);

  for (std::string_view bad :
       {"Zg",       "Zg=",         "Zg===",  "Zm8",      "Zm9v=", "=Zm9",     "Zm9v\n",
        " Zm9v",    "Zm9v ",       "Zm 9v",  "Zm9v!AAA", "-_8=",  "Zm9v\r\n", "Z===",
        "Zg==Zg==", "Zm9vYmFy==",  "Zh==",   "Zm9=",  // non-zero padding bits
        "Zm9\x85",  "Zm9\xc2\x85", "Zm9\xff"}) {      // libsodium took 0x85 as '/'
    INFO(bad);
    CHECK(Base64Decode(bad).status().code() == Code::kInvalidArgument);
  }
}

TEST_CASE("hex is lowercase out and strict in", "[encoding]") {
  CHECK(HexEncode("") == "");
  CHECK(HexEncode(std::string("\x00\x01\xab\xff", 4)) == "0001abff");
  CHECK(*HexDecode("0001abff") == std::string("\x00\x01\xab\xff", 4));
  CHECK(*HexDecode("0001ABFF") == std::string("\x00\x01\xab\xff", 4));
  CHECK(*HexDecode("") == "");
  for (std::string_view bad :
       {"0", "abc", "0g", "zz", "0x12", " 12", "12 ", "1 2", "12\n", "-1", "12:34"}) {
    INFO(bad);
    CHECK(HexDecode(bad).status().code() == Code::kInvalidArgument);
  }
}

TEST_CASE("SHA-256 matches the FIPS 180-2 vectors", "[encoding]") {
  CHECK(HexEncode(AsView(Sha256(""))) ==
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(HexEncode(AsView(Sha256("abc"))) ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(Sha256("ab", "c") == Sha256("abc"));
  CHECK(Sha256("", "abc") == Sha256("abc"));

  Result<Hash> h = HashFromBase64(Base64(Sha256("abc")));
  REQUIRE(h.ok());
  CHECK(*h == Sha256("abc"));
  CHECK(HashFromBase64(Base64Encode(std::string(31, 'h'))).status().code() ==
        Code::kInvalidArgument);
  CHECK(HashFromBase64(Base64Encode(std::string(33, 'h'))).status().code() ==
        Code::kInvalidArgument);
  CHECK(HashFromBase64("***").status().code() == Code::kInvalidArgument);
}

TEST_CASE("big-endian 64-bit integers round-trip and sort as numbers", "[encoding]") {
  CHECK(EncodeBigEndian64(0x0102030405060708u) == "\x01\x02\x03\x04\x05\x06\x07\x08");
  CHECK(EncodeBigEndian64(0) == std::string(8, '\0'));
  CHECK(EncodeBigEndian64(UINT64_MAX) == std::string(8, '\xff'));
  const uint64_t values[] = {0,
                             1,
                             255,
                             256,
                             65535,
                             65536,
                             0x7fffffffffffffffu,
                             0x8000000000000000u,
                             UINT64_MAX - 1,
                             UINT64_MAX};
  for (uint64_t v : values) {
    CHECK(EncodeBigEndian64(v).size() == 8);
    CHECK(DecodeBigEndian64(EncodeBigEndian64(v)) == v);
  }
  for (size_t i = 1; i < std::size(values); ++i) {
    CHECK(EncodeBigEndian64(values[i - 1]) < EncodeBigEndian64(values[i]));
  }
}

TEST_CASE("big-endian 16- and 32-bit integers round-trip", "[encoding]") {
  std::string out;
  PutBigEndian16(out, 0x0102);
  PutBigEndian32(out, 0x03040506u);
  PutBigEndian64(out, 0x0708090a0b0c0d0eu);
  CHECK(out == "\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e");
  CHECK(DecodeBigEndian16(out.substr(0, 2)) == 0x0102);
  CHECK(DecodeBigEndian32(out.substr(2, 4)) == 0x03040506u);
  CHECK(DecodeBigEndian64(out.substr(6)) == 0x0708090a0b0c0d0eu);
  for (uint32_t v : {0u, 1u, 255u, 256u, 65535u, 0xffffffffu}) {
    std::string b;
    PutBigEndian32(b, v);
    CHECK(DecodeBigEndian32(b) == v);
  }
}

TEST_CASE("ConstantTimeEqual compares bytes and lengths", "[encoding]") {
  CHECK(ConstantTimeEqual("", ""));
  CHECK(ConstantTimeEqual("secret", "secret"));
  CHECK_FALSE(ConstantTimeEqual("secret", "secreT"));
  CHECK_FALSE(ConstantTimeEqual("secret", "Secret"));
  CHECK_FALSE(ConstantTimeEqual("secret", "secret "));
  CHECK_FALSE(ConstantTimeEqual("secret", ""));
  CHECK(ConstantTimeEqual(std::string("a\0b", 3), std::string("a\0b", 3)));
  CHECK_FALSE(ConstantTimeEqual(std::string("a\0b", 3), std::string("a\0c", 3)));
}

}  // namespace
}  // namespace vigil
