// C2SP signed notes (c2sp.org/signed-note, v1.0.0) with Ed25519 signatures.
//
// A note is UTF-8 text ending in '\n', a blank line, then one or more signature lines
// "— <name> <base64(4-byte key hash || signature)>\n". Checkpoints (DESIGN §4.3) are signed
// notes. All functions are pure and thread-safe.
#ifndef VIGIL_KEYS_NOTE_H_
#define VIGIL_KEYS_NOTE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "keys/key.h"
#include "keys/result.h"

namespace vigil {

// The signature types this code signs and verifies (the signed-note type byte).
enum class NoteKeyType : uint8_t {
  kEd25519 = 0x01,      // signed-note: Ed25519 over the note text (a log's checkpoint key)
  kCosignature = 0x04,  // C2SP tlog-cosignature v1: a witness's timestamped Ed25519 cosignature
};

// A key that may verify notes, as named in a verifier key string.
struct NoteVerifier {
  std::string name;       // key name; for a log, its origin; for a witness, its name
  uint32_t key_hash = 0;  // first 4 bytes of SHA-256(name || 0x0A || type || public key), BE
  PublicKey key;
  NoteKeyType type = NoteKeyType::kEd25519;
};

// Key hash of a note key of `type`.
uint32_t NoteKeyHash(std::string_view name, const PublicKey& key,
                     NoteKeyType type = NoteKeyType::kEd25519);

// "<name>+<8 hex digits of key hash>+<base64(type || public key)>".
std::string VerifierKeyString(std::string_view name, const PublicKey& key,
                              NoteKeyType type = NoteKeyType::kEd25519);

// Parses a verifier key string of either type. Errors (kInvalidArgument) name what is wrong:
// bad name, key hash not 8 hex digits or not matching the key, unknown key type, bad base64.
// Splits at the first two '+' signs only, since the base64 part may itself contain '+'.
Result<NoteVerifier> ParseVerifierKey(std::string_view vkey);

// The message a tlog-cosignature v1 signs: "cosignature/v1\ntime <time>\n" then `body` (a
// checkpoint body: the note text, ending in '\n').
std::string CosignedMessage(std::string_view body, uint64_t time);

// A tlog-cosignature v1 signature line for `body`, made at `time` (seconds since the Unix
// epoch) by the witness key `key` named `name`: "— <name> <base64(key hash || 8-byte
// big-endian time || Ed25519 signature of CosignedMessage)>\n". Append it to a signed note
// whose text is `body`.
std::string CosignatureLine(std::string_view body, std::string_view name, const SecretKey& key,
                            uint64_t time);

// Signs `text` (must be non-empty, valid UTF-8 and end in '\n'; checked with assert) and
// returns the whole note: text, blank line, one signature line.
std::string SignNote(std::string_view text, std::string_view name, const SecretKey& key);

// A note whose signatures were checked.
struct OpenedNote {
  std::string text;                      // the signed text, ending in '\n'
  std::vector<std::string> verified_by;  // names of the known keys whose signatures verified
  std::vector<uint64_t> times;           // for each of verified_by: a cosignature's time, else 0
};

// Verifies `note` against `known` keys, following signed-note v1.0.0: the text ends at the
// last "\n\n"; signature lines from unknown keys (name/hash not in `known`) are ignored; a
// signature from a known key that fails to verify rejects the whole note (kCorruption); a
// note with no verified signature at all is rejected (kPermissionDenied). Malformed notes
// (no blank line, a bad signature line, over 1 MiB) are kInvalidArgument. A known key of type
// kCosignature verifies tlog-cosignature v1 lines; a line by it that is not 4 + 8 + 64 bytes
// is kCorruption like a bad signature.
Result<OpenedNote> OpenNote(std::string_view note, const std::vector<NoteVerifier>& known);

}  // namespace vigil

#endif  // VIGIL_KEYS_NOTE_H_
