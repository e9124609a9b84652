// Signed checkpoints (C2SP tlog-checkpoint v1.0.0 inside a C2SP signed note; DESIGN §4.3).
//
// Body: "<origin>\n<size>\n<base64 root>\n". The key name is the origin. Pure and thread-safe.
#ifndef VIGIL_LEDGER_LOG_CHECKPOINT_H_
#define VIGIL_LEDGER_LOG_CHECKPOINT_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

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

// Which witnesses must have cosigned a checkpoint (C2SP tlog-cosignature v1) before a client
// believes it: `quorum` of `witnesses` (each of type NoteKeyType::kCosignature).
struct WitnessPolicy {
  std::vector<NoteVerifier> witnesses;
  size_t quorum = 0;
};

struct WitnessedCheckpoint {
  Checkpoint checkpoint;
  std::vector<std::string>
      cosigned_by;                    // names of the policy's witnesses whose cosignature verified
  std::vector<uint64_t> cosigned_at;  // their timestamps (seconds), in the same order
};

// OpenCheckpoint, then the policy: kPermissionDenied ("cosigned by 1 of 3 witnesses (w1); the
// policy needs 2") below the quorum; kInvalidArgument for a policy that cannot be met (quorum
// above the number of witnesses, a witness key that is not a cosignature key or is named like
// the log). A bad cosignature by a listed witness is kCorruption, as in OpenNote.
Result<WitnessedCheckpoint> OpenWitnessedCheckpoint(std::string_view note, const NoteVerifier& log,
                                                    const WitnessPolicy& policy);

}  // namespace vigil

#endif  // VIGIL_LEDGER_LOG_CHECKPOINT_H_
