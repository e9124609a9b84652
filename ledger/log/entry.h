// Log entries (DESIGN §4.1): the exact bytes the server stores, hashes and serves.
//
// An entry is one line of JSON with fields in this fixed order:
//   {"v":1,"seq":N,"ts":"<UTC ms>","prev":"<b64>","signer":"<key id>","payload":"<json string>",
//    "sig":"<b64>"}
// and, only when the record needs a second signature (e.g. a witnessed disposal), a final
// field ,"cosigners":[{"signer":"<key id>","sig":"<b64>"},...] before the closing brace.
// EncodeEntry is the one writer of these bytes; DecodeEntry accepts only bytes EncodeEntry
// would produce, so any edit to a stored entry is either caught by its hash or refused here.
#ifndef VIGIL_LEDGER_LOG_ENTRY_H_
#define VIGIL_LEDGER_LOG_ENTRY_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "keys/encoding.h"
#include "keys/result.h"

namespace vigil {

// A signature by a registered key other than the submitter's, over the same context and
// payload as the entry's own signature.
struct Cosignature {
  std::string signer;  // key id
  std::string sig;     // 64 raw bytes
  bool operator==(const Cosignature&) const = default;
};

struct Entry {
  static constexpr size_t kMaxSize = 65535;  // the tile entry-bundle limit

  uint64_t seq = 0;
  int64_t ts_ms = 0;    // server acceptance time, ms since the Unix epoch, UTC
  Hash prev{};          // leaf hash of entry seq-1; zeros for entry 0
  std::string signer;   // key id of the submitter
  std::string payload;  // the client's payload bytes, exactly as signed
  std::string sig;      // 64 raw bytes: Ed25519 over "vigil/v2/entry\n" + origin + "\n" + payload
  std::vector<Cosignature> cosigners;
  bool operator==(const Entry&) const = default;
};

// The canonical bytes of `e`. Precondition: payload is valid UTF-8 (checked by the caller when
// it parsed the payload as JSON).
std::string EncodeEntry(const Entry& e);

// Parses stored entry bytes. kCorruption if they are not exactly what EncodeEntry writes.
Result<Entry> DecodeEntry(std::string_view bytes);

// Appends `s` to `*out` as a JSON string, byte for byte as nlohmann::json(s).dump() writes it
// (the entry's canonical form): `"` and `\` escaped, \b \t \n \f \r short, other control
// characters as \u00xx, everything else (UTF-8 included) as is. Invalid UTF-8 throws
// nlohmann::json::type_error, as dump() does.
void AppendJsonString(std::string* out, std::string_view s);

// The wall clock in ms since the Unix epoch: the server's acceptance time. Never called by the
// state machine, whose time comes from the entries.
int64_t NowMs();

// "2026-11-28T15:04:05.123Z" (UTC, always milliseconds).
std::string FormatTimestamp(int64_t ms);

// Parses an RFC 3339 date-time ("2026-11-28T15:04:05Z", with optional fraction and a Z or
// ±hh:mm offset) to ms since the epoch; fractions beyond ms are truncated.
// kInvalidArgument naming the problem otherwise.
Result<int64_t> ParseTimestamp(std::string_view text);

// Parses an RFC 3339 full-date ("2026-03-01") to ms at 00:00 UTC of that day.
Result<int64_t> ParseDate(std::string_view text);

}  // namespace vigil

#endif  // VIGIL_LEDGER_LOG_ENTRY_H_
