#include "keys/note.h"

#include <cassert>
#include <cstdint>
#include <cstdio>
#include <string>

#include "keys/coding.h"

namespace vigil {

namespace {

constexpr std::string_view kSigPrefix = "\xE2\x80\x94 ";  // U+2014 em dash, then a space
constexpr size_t kMaxNoteSize = size_t{1} << 20;
// Go's note.Open stops at 100; the spec asks that at least 16 be accepted.
constexpr size_t kMaxSignatures = 100;
constexpr size_t kKeyHashSize = 4;
constexpr size_t kTimeSize = 8;  // a cosignature's big-endian timestamp
constexpr size_t kEd25519SigSize = 64;

// Decodes one UTF-8 code point starting at s[i]. Returns its length, or 0 if the bytes there
// are not well-formed UTF-8 (overlong forms, surrogates and values past U+10FFFF included).
size_t DecodeRune(std::string_view s, size_t i, uint32_t* rune) {
  const auto byte = [&](size_t k) { return static_cast<uint8_t>(s[k]); };
  const uint8_t b0 = byte(i);
  if (b0 < 0x80) {
    *rune = b0;
    return 1;
  }
  size_t len;
  uint32_t min;
  uint32_t r;
  if ((b0 & 0xE0) == 0xC0) {
    len = 2, min = 0x80, r = b0 & 0x1Fu;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3, min = 0x800, r = b0 & 0x0Fu;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4, min = 0x10000, r = b0 & 0x07u;
  } else {
    return 0;
  }
  if (s.size() - i < len) return 0;
  for (size_t k = 1; k < len; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    r = (r << 6) | (byte(i + k) & 0x3Fu);
  }
  if (r < min || r > 0x10FFFF || (r >= 0xD800 && r <= 0xDFFF)) return 0;
  *rune = r;
  return len;
}

// Unicode White_Space (what Go's unicode.IsSpace reports), the spaces a key name may not hold.
bool IsUnicodeSpace(uint32_t r) {
  return (r >= 0x09 && r <= 0x0D) || r == 0x20 || r == 0x85 || r == 0xA0 || r == 0x1680 ||
         (r >= 0x2000 && r <= 0x200A) || r == 0x2028 || r == 0x2029 || r == 0x202F || r == 0x205F ||
         r == 0x3000;
}

// True if `s` is well-formed UTF-8 with no ASCII control character other than '\n', the
// character rules of a whole signed note.
bool IsNoteText(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    uint32_t r = 0;
    const size_t n = DecodeRune(s, i, &r);
    if (n == 0 || (r < 0x20 && r != '\n')) return false;
    i += n;
  }
  return true;
}

// Key names: non-empty UTF-8 with no Unicode space, no '+' and (since names are written into
// notes) no control character.
bool IsValidKeyName(std::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size();) {
    uint32_t r = 0;
    const size_t n = DecodeRune(name, i, &r);
    if (n == 0 || r < 0x20 || r == 0x7F || r == '+' || IsUnicodeSpace(r)) return false;
    i += n;
  }
  return true;
}

std::string KeyHashHex(uint32_t hash) {
  char buf[9];
  std::snprintf(buf, sizeof buf, "%08x", hash);
  return buf;
}

std::string EncodeKeyHash(uint32_t hash) {
  std::string out;
  PutBigEndian32(out, hash);
  return out;
}

// The key hash in the first kKeyHashSize bytes of `bytes` (precondition: at least that many).
uint32_t DecodeKeyHash(std::string_view bytes) {
  return DecodeBigEndian32(bytes.substr(0, kKeyHashSize));
}

// The note key encoding: signature type byte, then the 32-byte public key.
std::string TypedKey(const PublicKey& key, NoteKeyType type) {
  std::string out(1, static_cast<char>(type));
  out.append(key.bytes());
  return out;
}

Status Malformed(const std::string& what) {
  return Status(Code::kInvalidArgument, "malformed signed note: " + what);
}

Status BadVerifierKey(const std::string& what) {
  return Status(Code::kInvalidArgument,
                "malformed verifier key (want <name>+<8 hex digits>+<base64 key>): " + what);
}

}  // namespace

uint32_t NoteKeyHash(std::string_view name, const PublicKey& key, NoteKeyType type) {
  std::string prefix(name);
  prefix.push_back('\n');
  return DecodeKeyHash(AsView(Sha256(prefix, TypedKey(key, type))));
}

std::string VerifierKeyString(std::string_view name, const PublicKey& key, NoteKeyType type) {
  assert(IsValidKeyName(name));
  std::string out(name);
  out += '+';
  out += KeyHashHex(NoteKeyHash(name, key, type));
  out += '+';
  out += Base64Encode(TypedKey(key, type));
  return out;
}

Result<NoteVerifier> ParseVerifierKey(std::string_view vkey) {
  const size_t plus1 = vkey.find('+');
  const size_t plus2 = plus1 == std::string_view::npos ? plus1 : vkey.find('+', plus1 + 1);
  if (plus2 == std::string_view::npos) return BadVerifierKey("expected two '+' separators");
  const std::string_view name = vkey.substr(0, plus1);
  const std::string_view hash_hex = vkey.substr(plus1 + 1, plus2 - plus1 - 1);
  const std::string_view key_b64 = vkey.substr(plus2 + 1);

  if (!IsValidKeyName(name)) {
    return BadVerifierKey("the key name must be non-empty UTF-8 without spaces or '+'");
  }
  Result<Bytes> hash_raw = HexDecode(hash_hex);
  if (hash_hex.size() != 2 * kKeyHashSize || !hash_raw.ok()) {
    return BadVerifierKey("the key hash must be exactly 8 hex digits");
  }
  Result<Bytes> typed = Base64Decode(key_b64);
  if (!typed.ok()) return BadVerifierKey("the key is not valid base64");
  const uint8_t type = typed->empty() ? 0 : static_cast<uint8_t>((*typed)[0]);
  if (type != static_cast<uint8_t>(NoteKeyType::kEd25519) &&
      type != static_cast<uint8_t>(NoteKeyType::kCosignature)) {
    return BadVerifierKey(
        "unknown key type (supported: Ed25519, type 0x01; tlog-cosignature v1, type 0x04)");
  }
  Result<PublicKey> key = PublicKey::FromBytes(std::string_view(*typed).substr(1));
  if (!key.ok()) return BadVerifierKey(key.status().message());

  NoteVerifier v;
  v.name = std::string(name);
  v.key_hash = DecodeKeyHash(*hash_raw);
  v.key = *key;
  v.type = static_cast<NoteKeyType>(type);
  if (v.key_hash != NoteKeyHash(name, v.key, v.type)) {
    return BadVerifierKey("the key hash " + std::string(hash_hex) + " does not match the key");
  }
  return v;
}

namespace {

std::string SignatureLine(std::string_view name, std::string_view blob) {
  std::string line(kSigPrefix);
  line += name;
  line += ' ';
  line += Base64Encode(blob);
  line += '\n';
  return line;
}

}  // namespace

std::string SignNote(std::string_view text, std::string_view name, const SecretKey& key) {
  assert(!text.empty() && text.back() == '\n' && IsNoteText(text));
  assert(IsValidKeyName(name));
  const std::string blob = EncodeKeyHash(NoteKeyHash(name, key.public_key())) + key.SignRaw(text);
  std::string note(text);
  note += '\n';
  note += SignatureLine(name, blob);
  return note;
}

std::string CosignedMessage(std::string_view body, uint64_t time) {
  std::string msg = "cosignature/v1\ntime " + std::to_string(time) + "\n";
  msg += body;
  return msg;
}

std::string CosignatureLine(std::string_view body, std::string_view name, const SecretKey& key,
                            uint64_t time) {
  assert(!body.empty() && body.back() == '\n' && IsNoteText(body));
  assert(IsValidKeyName(name));
  std::string blob = EncodeKeyHash(NoteKeyHash(name, key.public_key(), NoteKeyType::kCosignature));
  PutBigEndian64(blob, time);
  blob += key.SignRaw(CosignedMessage(body, time));
  return SignatureLine(name, blob);
}

Result<OpenedNote> OpenNote(std::string_view note, const std::vector<NoteVerifier>& known) {
  if (note.size() > kMaxNoteSize) return Malformed("larger than 1 MiB");
  if (!IsNoteText(note)) {
    return Malformed("not valid UTF-8, or holds a control character other than newline");
  }
  const size_t split = note.rfind("\n\n");
  if (split == std::string_view::npos) return Malformed("no blank line before the signatures");
  const std::string_view text = note.substr(0, split + 1);
  std::string_view sigs = note.substr(split + 2);
  if (sigs.empty() || sigs.back() != '\n') {
    return Malformed("no signature lines, or the last one does not end in a newline");
  }

  OpenedNote opened;
  opened.text = std::string(text);
  std::vector<const NoteVerifier*> verified;
  for (size_t count = 1; !sigs.empty(); ++count) {
    const std::string where = "signature line " + std::to_string(count) + ": ";
    if (count > kMaxSignatures) return Malformed("more than 100 signature lines");
    const size_t eol = sigs.find('\n');  // found: `sigs` ends in '\n'
    std::string_view line = sigs.substr(0, eol);
    sigs.remove_prefix(eol + 1);

    if (line.substr(0, kSigPrefix.size()) != kSigPrefix) {
      return Malformed(where + "does not start with an em dash (U+2014) and a space");
    }
    line.remove_prefix(kSigPrefix.size());
    const size_t space = line.find(' ');
    if (space == std::string_view::npos) return Malformed(where + "no space after the key name");
    const std::string_view name = line.substr(0, space);
    const std::string_view b64 = line.substr(space + 1);
    if (!IsValidKeyName(name)) {
      return Malformed(where + "the key name must be non-empty, without spaces or '+'");
    }
    Result<Bytes> blob = Base64Decode(b64);
    if (!blob.ok()) return Malformed(where + "the signature is not valid base64");
    if (blob->size() <= kKeyHashSize) {
      return Malformed(where + "too short to hold a 4-byte key hash and a signature");
    }
    const uint32_t hash = DecodeKeyHash(*blob);

    const NoteVerifier* verifier = nullptr;
    for (const NoteVerifier& v : known) {
      if (v.name != name || v.key_hash != hash) continue;
      if (verifier != nullptr && verifier->key != v.key) {
        return Status(Code::kInvalidArgument, "two known keys share the name " + v.name +
                                                  " and key hash " + KeyHashHex(hash));
      }
      verifier = &v;
    }
    if (verifier == nullptr) continue;  // unknown key: ignored, as the spec requires

    // Every signature by a known key is checked, repeats included: one bad one taints the note.
    std::string_view sig = std::string_view(*blob).substr(kKeyHashSize);
    uint64_t time = 0;  // a cosignature's; 0 for a plain signature
    bool good = false;
    if (verifier->type != NoteKeyType::kCosignature) {
      good = verifier->key.VerifyRaw(text, sig);
    } else if (sig.size() == kTimeSize + kEd25519SigSize) {
      time = DecodeBigEndian64(sig.substr(0, kTimeSize));
      // tlog-cosignature: the timestamp must not exceed 2^63 - 1.
      good = time <= uint64_t{INT64_MAX} &&
             verifier->key.VerifyRaw(CosignedMessage(text, time), sig.substr(kTimeSize));
    }
    if (!good) {
      return Status(Code::kCorruption, "signed note: the signature by known key " + verifier->name +
                                           "+" + KeyHashHex(hash) +
                                           " does not verify; the note was altered or forged");
    }
    bool seen = false;
    for (const NoteVerifier* v : verified) seen = seen || v == verifier;
    if (!seen) {
      verified.push_back(verifier);
      opened.verified_by.push_back(verifier->name);
      opened.times.push_back(time);
    }
  }
  if (verified.empty()) {
    return Status(Code::kPermissionDenied, "signed note: no signature by a known key (checked " +
                                               std::to_string(known.size()) + " known key(s))");
  }
  return opened;
}

}  // namespace vigil
