// The wire format of C2SP tlog-witness v1.0.0 (c2sp.org/tlog-witness), in one place: the body of
// POST <prefix>/add-checkpoint and the body of its 409 answer. Both the witness (ledger/witness/
// witness.h, api/witness_server.h) and the log that asks witnesses (api/witnessing.h,
// api/witness_client.h) build and parse it here.
//
// add-checkpoint body:  "old <size>\n", up to 63 lines of one base64 hash each (a consistency
//                       proof from <size> to the checkpoint's size, RFC 6962 §2.1.2), an empty
//                       line, then the signed checkpoint note.
// 409 body:             "<size>\n" with Content-Type text/x.tlog.size.
// 200 body:             one or more signature lines ("— <name> <base64>\n"): cosignatures.
//
// Pure functions; thread-safe.
#ifndef VIGIL_LEDGER_WITNESS_PROTOCOL_H_
#define VIGIL_LEDGER_WITNESS_PROTOCOL_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "keys/encoding.h"
#include "keys/result.h"

namespace vigil::witness {

// The most consistency proof lines a client may send (the spec's limit).
inline constexpr size_t kMaxProofLines = 63;
// The Content-Type of a 409 answer's body.
inline constexpr char kSizeContentType[] = "text/x.tlog.size";
// The Content-Type Vigil gives a 200 answer's cosignature lines (the spec names none).
inline constexpr char kCosignatureContentType[] = "text/plain; charset=utf-8";
// The largest add-checkpoint body the witness reads (a checkpoint with a few signatures and 63
// proof lines is under 4 KiB; a note may carry more signatures, but not 64 KiB of them).
inline constexpr size_t kMaxRequestBytes = 64 * 1024;

struct AddCheckpointRequest {
  uint64_t old_size = 0;
  std::vector<Hash> proof;  // consistency proof from old_size to the checkpoint's size
  std::string checkpoint;   // the signed checkpoint note, as the log signed it
  bool operator==(const AddCheckpointRequest&) const = default;
};

// The request body. Asserts proof.size() <= kMaxProofLines.
std::string FormatAddCheckpoint(const AddCheckpointRequest& request);

// Parses a request body. kInvalidArgument naming what is wrong: no "old " line, a size that is
// not decimal or has a leading zero, a proof line that is not base64 of 32 bytes, more than 63
// proof lines, no empty line before the checkpoint, an empty checkpoint, a line not ended by
// '\n'. The checkpoint note itself is not checked here (its signatures are the witness's job).
Result<AddCheckpointRequest> ParseAddCheckpoint(std::string_view body);

// "<size>\n".
std::string FormatSizeBody(uint64_t size);
// Parses a 409 body; kInvalidArgument unless it is exactly "<decimal, no leading zero>\n".
Result<uint64_t> ParseSizeBody(std::string_view body);

// A decimal tree size as the spec writes it ("0", or no leading zero), or kInvalidArgument
// naming `what`.
Result<uint64_t> ParseDecimalSize(std::string_view text, std::string_view what);

}  // namespace vigil::witness

#endif  // VIGIL_LEDGER_WITNESS_PROTOCOL_H_
