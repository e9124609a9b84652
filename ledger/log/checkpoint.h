// Signed checkpoints (C2SP tlog-checkpoint v1.0.0 inside a C2SP signed note; DESIGN §4.3).
//
// Body: "<origin>\n<size>\n<base64 root>\n". The key name is the origin. Pure and thread-safe.
#ifndef VIGIL_LEDGER_LOG_CHECKPOINT_H_
#define VIGIL_LEDGER_LOG_CHECKPOINT_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "keys/encoding.h"
#include "keys/key.h"
#include "keys/note.h"
#include "keys/result.h"

namespace vigil {

struct Checkpoint {
  std::string origin;
  uint64_t size = 0;
  Hash root{};
  bool operator==(const Checkpoint&) const = default;
};

// The three body lines, each ending in '\n'.
std::string CheckpointBody(const Checkpoint& c);

// Parses a checkpoint body (extension lines after the third are allowed and ignored).
// kInvalidArgument naming the bad line otherwise: empty origin, size with leading zeros or
// non-digits, root not 32 bytes of base64.
Result<Checkpoint> ParseCheckpointBody(std::string_view text);

// The signed note for `c`, signed by the log key under the key name `c.origin`.
std::string SignCheckpoint(const Checkpoint& c, const SecretKey& log_key);

// Verifies `note` with the log's verifier and parses it. Errors: those of OpenNote, and
// kCorruption if the checkpoint's origin is not the verifier's key name.
Result<Checkpoint> OpenCheckpoint(std::string_view note, const NoteVerifier& log);

}  // namespace vigil

#endif  // VIGIL_LEDGER_LOG_CHECKPOINT_H_
