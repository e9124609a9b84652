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

// A key that may verify notes, as named in a verifier key string.
struct NoteVerifier {
  std::string name;       // key name; for a log, its origin
  uint32_t key_hash = 0;  // first 4 bytes of SHA-256(name || 0x0A || 0x01 || public key), BE
  PublicKey key;
};

// Key hash of an Ed25519 note key (signed-note: type byte 0x01).
uint32_t NoteKeyHash(std::string_view name, const PublicKey& key);

// "<name>+<8 hex digits of key hash>+<base64(0x01 || public key)>".
std::string VerifierKeyString(std::string_view name, const PublicKey& key);

// Parses a verifier key string. Errors (kInvalidArgument) name what is wrong: bad name, key
// hash not 8 hex digits or not matching the key, unknown key type, bad base64. Splits at the
// first two '+' signs only, since the base64 part may itself contain '+'.
Result<NoteVerifier> ParseVerifierKey(std::string_view vkey);

// Signs `text` (must be non-empty, valid UTF-8 and end in '\n'; checked with assert) and
// returns the whole note: text, blank line, one signature line.
std::string SignNote(std::string_view text, std::string_view name, const SecretKey& key);

// A note whose signatures were checked.
struct OpenedNote {
  std::string text;                      // the signed text, ending in '\n'
  std::vector<std::string> verified_by;  // names of the known keys whose signatures verified
};

// Verifies `note` against `known` keys, following signed-note v1.0.0: the text ends at the
// last "\n\n"; signature lines from unknown keys (name/hash not in `known`) are ignored; a
// signature from a known key that fails to verify rejects the whole note (kCorruption); a
// note with no verified signature at all is rejected (kPermissionDenied). Malformed notes
// (no blank line, a bad signature line, over 1 MiB) are kInvalidArgument.
Result<OpenedNote> OpenNote(std::string_view note, const std::vector<NoteVerifier>& known);

}  // namespace vigil

#endif  // VIGIL_KEYS_NOTE_H_
