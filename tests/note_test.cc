// Tests for keys/note: C2SP signed notes with Ed25519, checked against the known answers
// published with Go's golang.org/x/mod/sumdb/note, the reference implementation.
#include "keys/note.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "keys/coding.h"
#include "keys/encoding.h"
#include "keys/key.h"

namespace vigil {
namespace {

// From the golang.org/x/mod/sumdb/note package documentation and example_test.go. The signer
// key is "PRIVATE+KEY+PeterNeumann+c74f20a3+" followed by kPeterSigner: base64 of the type
// byte 0x01 and the 32-byte Ed25519 seed.
constexpr std::string_view kPeterVerifier =
    "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
constexpr std::string_view kPeterSigner = "AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
constexpr std::string_view kPeterText =
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n";
constexpr std::string_view kPeterSigLine =
    "\xE2\x80\x94 PeterNeumann "
    "x08go/ZJkuBS9UG/"
    "SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
// The documentation's second signer: GenerateKey reading from an all-zero source, so the seed
// is 32 zero bytes.
constexpr std::string_view kEnochSigLine =
    "\xE2\x80\x94 EnochRoot "
    "rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/"
    "5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n";

constexpr std::string_view kDash = "\xE2\x80\x94 ";

std::string PeterNote() { return std::string(kPeterText) + "\n" + std::string(kPeterSigLine); }

NoteVerifier PeterVerifier() {
  Result<NoteVerifier> v = ParseVerifierKey(kPeterVerifier);
  REQUIRE(v.ok());
  return *v;
}

SecretKey PeterKey() {
  Result<Bytes> typed = Base64Decode(kPeterSigner);
  REQUIRE(typed.ok());
  REQUIRE(typed->size() == 33);
  REQUIRE(static_cast<uint8_t>((*typed)[0]) == 0x01);
  Result<SecretKey> key = SecretKey::FromSeed(std::string_view(*typed).substr(1));
  REQUIRE(key.ok());
  return std::move(key).value();
}

SecretKey ZeroSeedKey() { return SecretKey::FromSeed(std::string(32, '\0')).value(); }

NoteVerifier VerifierFor(std::string_view name, const SecretKey& key) {
  Result<NoteVerifier> v = ParseVerifierKey(VerifierKeyString(name, key.public_key()));
  REQUIRE(v.ok());
  return *v;
}

// The signature line(s) of a note made by SignNote: everything after the blank line.
std::string SigLines(const std::string& note, std::string_view text) {
  return note.substr(text.size() + 1);
}

// A signature line for `name` carrying `blob` (key hash and signature) in base64.
std::string SigLine(std::string_view name, std::string_view blob) {
  return std::string(kDash) + std::string(name) + " " + Base64Encode(blob) + "\n";
}

Code OpenCode(std::string_view note, const std::vector<NoteVerifier>& known) {
  return OpenNote(note, known).status().code();
}

TEST_CASE("Go's PeterNeumann note verifies", "[note]") {
  NoteVerifier v = PeterVerifier();
  CHECK(v.name == "PeterNeumann");
  CHECK(v.key_hash == 0xc74f20a3u);
  CHECK(VerifierKeyString(v.name, v.key) == kPeterVerifier);

  Result<OpenedNote> opened = OpenNote(PeterNote(), {v});
  REQUIRE(opened.ok());
  CHECK(opened->text == kPeterText);
  CHECK(opened->verified_by == std::vector<std::string>{"PeterNeumann"});
}

TEST_CASE("the key hash is SHA-256(name, 0x0A, 0x01, key), first 4 bytes big-endian", "[note]") {
  NoteVerifier v = PeterVerifier();
  CHECK(NoteKeyHash("PeterNeumann", v.key) == 0xc74f20a3u);
  Hash h = Sha256("PeterNeumann\n\x01", v.key.bytes());
  uint32_t expected =
      (uint32_t{h[0]} << 24) | (uint32_t{h[1]} << 16) | (uint32_t{h[2]} << 8) | uint32_t{h[3]};
  CHECK(NoteKeyHash("PeterNeumann", v.key) == expected);
  CHECK(NoteKeyHash("PeterNeumann2", v.key) != expected);
}

TEST_CASE("re-signing Go's text with the derived key gives identical bytes", "[note]") {
  SecretKey key = PeterKey();
  CHECK(key.public_key() == PeterVerifier().key);
  CHECK(SignNote(kPeterText, "PeterNeumann", key) == PeterNote());
}

TEST_CASE("Go's doubly signed note: second signer has the all-zero seed", "[note]") {
  SecretKey enoch = ZeroSeedKey();
  std::string signed_by_enoch = SignNote(kPeterText, "EnochRoot", enoch);
  CHECK(SigLines(signed_by_enoch, kPeterText) == kEnochSigLine);

  std::string both = PeterNote() + std::string(kEnochSigLine);
  NoteVerifier peter = PeterVerifier();
  NoteVerifier enoch_v = VerifierFor("EnochRoot", enoch);

  Result<OpenedNote> opened = OpenNote(both, {peter, enoch_v});
  REQUIRE(opened.ok());
  CHECK(opened->text == kPeterText);
  CHECK(opened->verified_by == std::vector<std::string>{"PeterNeumann", "EnochRoot"});

  opened = OpenNote(both, {enoch_v});
  REQUIRE(opened.ok());
  CHECK(opened->verified_by == std::vector<std::string>{"EnochRoot"});
}

TEST_CASE("signatures from unknown keys are ignored", "[note]") {
  NoteVerifier peter = PeterVerifier();
  SecretKey stranger = SecretKey::Generate();
  const std::string stranger_line =
      SigLines(SignNote(kPeterText, "stranger", stranger), kPeterText);

  SECTION("an unknown name and hash beside a known signature") {
    Result<OpenedNote> opened = OpenNote(PeterNote() + stranger_line, {peter});
    REQUIRE(opened.ok());
    CHECK(opened->verified_by == std::vector<std::string>{"PeterNeumann"});
  }
  SECTION("a garbage signature from an unknown key is not checked") {
    std::string junk = SigLine("stranger", std::string(68, '\x5a'));
    Result<OpenedNote> opened =
        OpenNote(std::string(kPeterText) + "\n" + junk + std::string(kPeterSigLine), {peter});
    REQUIRE(opened.ok());
    CHECK(opened->verified_by == std::vector<std::string>{"PeterNeumann"});
  }
  SECTION("a known name with another key hash is a different, unknown key") {
    std::string blob = std::string("\xc7\x4f\x20\xa4", 4) + PeterKey().SignRaw("forged\n");
    CHECK(OpenNote(PeterNote() + SigLine("PeterNeumann", blob), {peter}).ok());
  }
  SECTION("a known key hash under another name is a different, unknown key") {
    std::string blob = std::string("\xc7\x4f\x20\xa3", 4) + std::string(64, '\0');
    CHECK(OpenNote(PeterNote() + SigLine("PaulNeumann", blob), {peter}).ok());
  }
  SECTION("a longer signature of another type (a 0x04 cosignature is 72 bytes)") {
    CHECK(OpenNote(PeterNote() + SigLine("witness.example", std::string(76, 'w')), {peter}).ok());
  }
  SECTION("a note signed only by unknown keys is refused") {
    std::string note = std::string(kPeterText) + "\n" + stranger_line;
    CHECK(OpenCode(note, {peter}) == Code::kPermissionDenied);
    CHECK(OpenCode(PeterNote(), {}) == Code::kPermissionDenied);
    CHECK(OpenCode(PeterNote(), {VerifierFor("stranger", stranger)}) == Code::kPermissionDenied);
  }
}

TEST_CASE("a bad signature from a known key rejects the whole note", "[note]") {
  NoteVerifier peter = PeterVerifier();
  SecretKey enoch = ZeroSeedKey();
  NoteVerifier enoch_v = VerifierFor("EnochRoot", enoch);
  Result<Bytes> blob = Base64Decode(
      "x08go/ZJkuBS9UG/"
      "SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=");
  REQUIRE(blob.ok());
  REQUIRE(blob->size() == 68);

  SECTION("one flipped bit in the signature") {
    Bytes bad = *blob;
    bad[40] = static_cast<char>(bad[40] ^ 0x01);
    std::string note = std::string(kPeterText) + "\n" + SigLine("PeterNeumann", bad);
    CHECK(OpenCode(note, {peter}) == Code::kCorruption);
  }
  SECTION("one changed byte in the text") {
    std::string note = PeterNote();
    note[3] = 'Y';
    CHECK(OpenCode(note, {peter}) == Code::kCorruption);
  }
  SECTION("a signature of the wrong length from a known key") {
    std::string note =
        std::string(kPeterText) + "\n" + SigLine("PeterNeumann", blob->substr(0, 67));
    CHECK(OpenCode(note, {peter}) == Code::kCorruption);
  }
  SECTION("a valid signature does not excuse a bad one from another known key") {
    Bytes bad = SigLines(SignNote("other text\n", "EnochRoot", enoch), "other text\n");
    std::string note = PeterNote() + bad;
    CHECK(OpenCode(note, {peter}) == Code::kOk);  // Enoch unknown: ignored
    CHECK(OpenCode(note, {peter, enoch_v}) == Code::kCorruption);
  }
  SECTION("a repeated signature by the same key is checked too") {
    Bytes bad = *blob;
    bad[67] = static_cast<char>(bad[67] ^ 0x80);
    std::string note = PeterNote() + SigLine("PeterNeumann", bad);
    CHECK(OpenCode(note, {peter}) == Code::kCorruption);
    Result<OpenedNote> twice = OpenNote(PeterNote() + std::string(kPeterSigLine), {peter});
    REQUIRE(twice.ok());
    CHECK(twice->verified_by == std::vector<std::string>{"PeterNeumann"});
  }
}

TEST_CASE("the text ends at the last blank line", "[note]") {
  SecretKey key = SecretKey::Generate();
  NoteVerifier v = VerifierFor("vigil.example/log", key);

  for (std::string_view text : {"header\n\nbody\n", "a\n\n\nb\n", "trailing blank\n\n", "\n"}) {
    std::string note = SignNote(text, "vigil.example/log", key);
    Result<OpenedNote> opened = OpenNote(note, {v});
    REQUIRE(opened.ok());
    CHECK(opened->text == text);
  }

  SECTION("a blank line slipped among the signatures moves the split") {
    // The first signature line now belongs to the text, so it no longer verifies.
    std::string note = SignNote("body\n", "vigil.example/log", key);
    SecretKey other = SecretKey::Generate();
    std::string extra = "\n" + SigLines(SignNote("body\n", "other", other), "body\n");
    CHECK(OpenCode(note + extra, {v}) == Code::kPermissionDenied);
    CHECK(OpenCode(note + extra, {v, VerifierFor("other", other)}) == Code::kCorruption);
  }
}

TEST_CASE("verifier keys whose base64 contains '+' parse", "[note]") {
  int found = 0;
  for (int i = 0; i < 1000 && found < 5; ++i) {
    SecretKey key = SecretKey::Generate();
    std::string vkey = VerifierKeyString("vigil.example/log", key.public_key());
    const size_t key_start = vkey.find('+', vkey.find('+') + 1) + 1;
    if (vkey.find('+', key_start) == std::string::npos) continue;
    ++found;
    INFO(vkey);
    Result<NoteVerifier> v = ParseVerifierKey(vkey);
    REQUIRE(v.ok());
    CHECK(v->name == "vigil.example/log");
    CHECK(v->key == key.public_key());
    CHECK(v->key_hash == NoteKeyHash("vigil.example/log", key.public_key()));
    CHECK(VerifierKeyString(v->name, v->key) == vkey);
    CHECK(OpenNote(SignNote("t\n", "vigil.example/log", key), {*v}).ok());
  }
  CHECK(found == 5);
}

TEST_CASE("ParseVerifierKey rejects malformed keys", "[note]") {
  const std::string_view key64 = "ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
  const std::string k(key64);
  PublicKey pk = PeterVerifier().key;
  // "PeterNeumann+<matching hash>+<base64 of typed>": only the key bytes are wrong.
  const auto with_hash = [](const std::string& typed) {
    const std::string hash = HexEncode(AsView(Sha256("PeterNeumann\n", typed)).substr(0, 4));
    return "PeterNeumann+" + hash + "+" + Base64Encode(typed);
  };
  const std::string raw(pk.bytes());

  const std::vector<std::string> bad = {
      "",
      "PeterNeumann",
      "PeterNeumann+c74f20a3",
      "PeterNeumann+c74f20a3" + k,
      "PeterNeumann+c74f20a4+" + k,                // key hash does not match
      "PeterNeumann+c74f20a+" + k,                 // 7 hex digits
      "PeterNeumann+0c74f20a3+" + k,               // 9 hex digits
      "PeterNeumann+c74f20ag+" + k,                // not hex
      "PeterNeumann++" + k,                        // empty hash
      "+c74f20a3+" + k,                            // empty name
      "Peter Neumann+c74f20a3+" + k,               // space in name
      "Peter\tNeumann+c74f20a3+" + k,              // control character in name
      "Peter\xC2\xA0Neumann+c74f20a3+" + k,        // U+00A0 no-break space in name
      "Peter\xFFNeumann+c74f20a3+" + k,            // not UTF-8
      "PeterNeumann+c74f20a3+" + k.substr(0, 43),  // bad padding
      "PeterNeumann+c74f20a3+" + k + "=",          // bad padding
      "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq_LDE4izWy10TW",  // URL alphabet
      "PeterNeumann+c74f20a3+",                                              // no key
      with_hash("\x02" + raw),                                               // unknown key type
      with_hash("\x01" + raw.substr(1)),                                     // 31-byte key
      with_hash("\x01" + raw + "x"),                                         // 33-byte key
  };
  for (const std::string& vkey : bad) {
    INFO(vkey);
    Result<NoteVerifier> v = ParseVerifierKey(vkey);
    REQUIRE_FALSE(v.ok());
    CHECK(v.status().code() == Code::kInvalidArgument);
  }
  CHECK(ParseVerifierKey("PeterNeumann+C74F20A3+" + k).ok());  // hex digits in either case
  CHECK(with_hash("\x01" + raw) == kPeterVerifier);            // the helper itself is right
}

TEST_CASE("malformed notes are rejected with kInvalidArgument", "[note]") {
  NoteVerifier peter = PeterVerifier();
  const std::string text(kPeterText);
  const std::string sig_b64 =
      "x08go/ZJkuBS9UG/"
      "SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=";
  const std::string good = text + "\n" + std::string(kDash) + "PeterNeumann " + sig_b64 + "\n";
  REQUIRE(OpenNote(good, {peter}).ok());

  const std::vector<std::pair<std::string, std::string>> bad = {
      {"empty", ""},
      {"no blank line", text + std::string(kPeterSigLine)},
      {"no signature lines", text + "\n"},
      {"no final newline", good.substr(0, good.size() - 1)},
      {"hyphens, not an em dash", text + "\n-- PeterNeumann " + sig_b64 + "\n"},
      {"en dash", text + "\n\xE2\x80\x93 PeterNeumann " + sig_b64 + "\n"},
      {"em dash without space", text + "\n\xE2\x80\x94PeterNeumann " + sig_b64 + "\n"},
      {"no signature after name", text + "\n" + std::string(kDash) + "PeterNeumann\n"},
      {"empty signature", text + "\n" + std::string(kDash) + "PeterNeumann \n"},
      {"empty name", text + "\n" + std::string(kDash) + " " + sig_b64 + "\n"},
      {"'+' in name", text + "\n" + std::string(kDash) + "Peter+Neumann " + sig_b64 + "\n"},
      {"two spaces", text + "\n" + std::string(kDash) + "PeterNeumann  " + sig_b64 + "\n"},
      {"bad base64 character",
       text + "\n" + std::string(kDash) + "PeterNeumann !" + sig_b64.substr(1) + "\n"},
      {"base64 without padding", text + "\n" + std::string(kDash) + "PeterNeumann " +
                                     sig_b64.substr(0, sig_b64.size() - 1) + "\n"},
      {"trailing space", good.substr(0, good.size() - 1) + " \n"},
      {"carriage return", good.substr(0, good.size() - 1) + "\r\n"},
      {"key hash cut short", text + "\n" + SigLine("PeterNeumann", "\xc7\x4f\x20")},
      {"key hash but no signature", text + "\n" + SigLine("PeterNeumann", "\xc7\x4f\x20\xa3")},
      {"a non-signature line after the signatures", good + "hello\n"},
      {"tab in the text", "If you\tthink\n\n" + std::string(kPeterSigLine)},
      {"invalid UTF-8 in the text", "caf\xC3\n\n" + std::string(kPeterSigLine)},
      {"overlong UTF-8 in the text", "a\xC0\xAF\n\n" + std::string(kPeterSigLine)},
      {"UTF-8 surrogate in the text", "a\xED\xA0\x80\n\n" + std::string(kPeterSigLine)},
      {"over 1 MiB", std::string(1 << 20, 'a') + "\n" + good},
  };
  for (const auto& [what, note] : bad) {
    INFO(what);
    CHECK(OpenCode(note, {peter}) == Code::kInvalidArgument);
  }

  SECTION("more than 100 signature lines") {
    std::string many = good;
    for (int i = 0; i < 100; ++i) many += SigLine("stranger", std::string(68, 's'));
    CHECK(OpenCode(many, {peter}) == Code::kInvalidArgument);
    std::string hundred = good;
    for (int i = 0; i < 99; ++i) hundred += SigLine("stranger", std::string(68, 's'));
    CHECK(OpenCode(hundred, {peter}) == Code::kOk);
  }
}

TEST_CASE("two different known keys with one name and key hash are refused", "[note]") {
  NoteVerifier peter = PeterVerifier();
  NoteVerifier impostor = peter;
  impostor.key = SecretKey::Generate().public_key();  // a crafted key hash collision
  CHECK(OpenCode(PeterNote(), {peter, impostor}) == Code::kInvalidArgument);
  CHECK(OpenCode(PeterNote(), {peter, peter}) == Code::kOk);  // the same key twice is harmless
}

TEST_CASE("non-ASCII UTF-8 text and names sign and verify", "[note]") {
  SecretKey key = SecretKey::Generate();
  const std::string name =
      "nh\xC3\xA0-n\xC6\xB0\xE1\xBB\x9B"
      "c.example/s\xE1\xBB\x95";
  const std::string text = "H\xC3\xA0 N\xE1\xBB\x99i \xF0\x9F\x93\x9C\n42\n";
  Result<OpenedNote> opened = OpenNote(SignNote(text, name, key), {VerifierFor(name, key)});
  REQUIRE(opened.ok());
  CHECK(opened->text == text);
  CHECK(opened->verified_by == std::vector<std::string>{name});
}

// C2SP tlog-cosignature v1 (the known answer of issue 17, computed from the spec): the seed is
// the bytes 0x00..0x1f.
constexpr char kWitnessName[] = "witness.example/w1";
constexpr char kWitnessVkey[] =
    "witness.example/w1+e75f6532+BAOhB7/zzhC+HXDdGOdLwJln5NYwm6UNXx3chmQSVTG4";
constexpr char kSofaBody[] =
    "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
constexpr uint64_t kSofaTime = 1679315147;
constexpr char kSofaCosignature[] =
    "\xE2\x80\x94 witness.example/w1 "
    "519lMgAAAABkGFDLBuRDazBLVac2NE+Y+IjbjQOcXLfF9CSDZVUIoS83rE1nFZsVE8YiWV6Ngr7lV8H6bdoBQGP/"
    "l73euDMQ9k+bBQ==\n";

std::string EncodeBigEndian32Bytes(uint32_t v) {
  std::string out;
  PutBigEndian32(out, v);
  return out;
}

SecretKey CountingSeedKey() {
  std::string seed;
  for (int i = 0; i < 32; ++i) seed.push_back(static_cast<char>(i));
  return SecretKey::FromSeed(seed).value();
}

TEST_CASE("tlog-cosignature v1: the known answer", "[note][witness]") {
  SecretKey w = CountingSeedKey();
  CHECK(VerifierKeyString(kWitnessName, w.public_key(), NoteKeyType::kCosignature) == kWitnessVkey);
  CHECK(CosignatureLine(kSofaBody, kWitnessName, w, kSofaTime) == kSofaCosignature);

  Result<NoteVerifier> v = ParseVerifierKey(kWitnessVkey);
  REQUIRE(v.ok());
  CHECK(v->type == NoteKeyType::kCosignature);
  CHECK(v->key == w.public_key());
  // A note holding only the cosignature opens with the witness key and reports its time.
  const std::string note = std::string(kSofaBody) + "\n" + kSofaCosignature;
  Result<OpenedNote> opened = OpenNote(note, {*v});
  REQUIRE(opened.ok());
  CHECK(opened->verified_by == std::vector<std::string>{kWitnessName});
  CHECK(opened->times == std::vector<uint64_t>{kSofaTime});
}

TEST_CASE("a cosignature is not a plain signature, nor valid for another time or body",
          "[note][witness]") {
  SecretKey w = CountingSeedKey();
  NoteVerifier cosigner = ParseVerifierKey(kWitnessVkey).value();
  NoteVerifier plain = VerifierFor(kWitnessName, w);  // the same key as an Ed25519 note key
  CHECK(plain.key_hash != cosigner.key_hash);         // the type byte is in the key hash

  const std::string note = std::string(kSofaBody) + "\n" + kSofaCosignature;
  // Under the plain key (another key hash) the line is unknown: no known signature.
  CHECK(OpenCode(note, {plain}) == Code::kPermissionDenied);
  // A plain signature by the witness key, relabelled with the cosignature key hash, fails.
  std::string blob = EncodeBigEndian32Bytes(cosigner.key_hash) + w.SignRaw(kSofaBody);
  const std::string relabelled =
      std::string("\xE2\x80\x94 ") + kWitnessName + " " + Base64Encode(blob) + "\n";
  CHECK(OpenCode(std::string(kSofaBody) + "\n" + relabelled, {cosigner}) == Code::kCorruption);
  // The same cosignature claimed for another time (bytes 4..11) fails to verify.
  const std::string later = CosignatureLine(kSofaBody, kWitnessName, w, kSofaTime + 1);
  CHECK(later != kSofaCosignature);
  const std::string body2 =
      "example.com/behind-the-sofa\n20852164\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
  CHECK(OpenCode(body2 + "\n" + kSofaCosignature, {cosigner}) == Code::kCorruption);
  // A cosignature line of the wrong length by a known witness key is a bad signature.
  const std::string short_line =
      std::string("\xE2\x80\x94 ") + kWitnessName + " 519lMgAAAABkGFDL\n";
  CHECK(OpenCode(std::string(kSofaBody) + "\n" + short_line, {cosigner}) == Code::kCorruption);
}

}  // namespace
}  // namespace vigil
