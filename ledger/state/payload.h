// Record payloads (DESIGN §5): the JSON object a participant signs. This file parses the
// common envelope {type, id, actor, at} with the limits every parser in Vigil applies.
#ifndef VIGIL_LEDGER_STATE_PAYLOAD_H_
#define VIGIL_LEDGER_STATE_PAYLOAD_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "keys/result.h"
#include "ledger/layering.h"

namespace vigil {

// Deepest nesting accepted in any JSON Vigil parses (payloads, request bodies).
inline constexpr int kMaxJsonDepth = 16;
// Longest payload id, actor id or type accepted.
inline constexpr size_t kMaxIdLength = 128;

// Parses `text` as JSON, refusing nesting deeper than kMaxJsonDepth, invalid UTF-8, trailing
// bytes and an object with the same key twice (detail "JSON with a duplicate key \"k\""; which of
// two equal keys counts differs between parsers). Never throws. kInvalidArgument with the reason
// otherwise.
Result<nlohmann::json> ParseJson(std::string_view text);

struct Payload {
  nlohmann::json body;  // the whole object
  std::string type;     // e.g. "participant.register"
  std::string id;       // client-chosen, unique per actor
  std::string actor;    // participant id of the signer
  int64_t at_ms = 0;    // when it happened (from "at", RFC 3339)
};

// Parses the payload bytes and checks the envelope: a JSON object with string "type", "id"
// (1..128 printable ASCII characters), "actor", and "at" (RFC 3339). kInvalidArgument naming
// the first problem otherwise.
Result<Payload> ParsePayload(std::string_view bytes);

}  // namespace vigil

#endif  // VIGIL_LEDGER_STATE_PAYLOAD_H_
