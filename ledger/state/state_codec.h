// Compact encodings of the derived state's high-volume records (store format 3; see
// docs/formats.md §15; their keys are built and parsed by state_keys.h). Internal to ledger/:
// the state machine writes these, the queries and the verifier read them.
//
// Integers are LEB128 varints (signed ones zigzag-encoded first); a string is its varint
// length followed by its bytes (both from keys/coding.h). Every compact value is checked at
// write time to decode back to exactly the JSON it stands for; a value that would not (an
// unexpected shape) is stored as JSON text instead, so nothing is ever lost to the encoding. All
// functions are pure and deterministic: the server and the verifier's replay write the same bytes.
#ifndef VIGIL_LEDGER_STATE_STATE_CODEC_H_
#define VIGIL_LEDGER_STATE_STATE_CODEC_H_

#include <cstdint>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "keys/coding.h"
#include "keys/result.h"
#include "ledger/layering.h"

namespace vigil::codec {

// The record every entry gets at statekey::EntryKey (its type, actor, personal flag, effect
// and `at`).
struct EntryInfo {
  uint8_t type_code = 0;  // RecordType::code
  std::string actor;
  bool personal = false;                             // the payload carries a personal_commitment
  nlohmann::json effect = nlohmann::json::object();  // what a correction undoes (domain.h)
  int64_t at_ms = 0;  // the payload's "at": answers to the entry may not predate it
};
std::string EncodeEntryInfo(const EntryInfo& info);
Result<EntryInfo> DecodeEntryInfo(std::string_view value);
// The personal flag of an EntryInfo value alone, without decoding the rest (verification
// reads it for every entry). kCorruption if the value is too short to hold it.
Result<bool> EntryInfoPersonal(std::string_view value);

// The value of a day bucket (statekey::WindowKey: the amount acquired; statekey::FlowKey: the
// amounts in and out): signed varints, in order. DecodeCounts is false if `value` does not
// hold exactly that many.
std::string EncodeCounts(std::initializer_list<int64_t> counts);
bool DecodeCounts(std::string_view value, std::initializer_list<int64_t*> counts);

// A participant's trail (every entry that concerns it) is kept in chunks of items, so that
// each entry adds a few bytes rather than a record:
//   statekey::TrailOpenKey(p)          the open chunk, which new items are appended to;
//   statekey::TrailKey(p, seq)         a closed chunk whose last item is entry seq.
// The open chunk is closed (moved to its last seq) once it reaches kTrailChunkBytes. Keys sort
// in seq order and the open chunk last, so a scan of statekey::TrailPrefix(p) reads the items
// in seq order; the chunk holding the first item after seq s is the first key >=
// statekey::TrailKey(p, s + 1).
// An item: varint (seq - previous item's seq, or seq for the chunk's first) ‖ type code (1
// byte) ‖ varint n ‖ n x (string substance ‖ signed stock of this participant after the
// entry): the stock history.
inline constexpr size_t kTrailChunkBytes = 384;
struct TrailItem {
  uint64_t seq = 0;
  uint8_t type_code = 0;
  std::vector<std::pair<std::string, int64_t>> stock;  // (substance, stock after the entry)
};
// Appends `item` to `chunk` (which may be empty); its seq must exceed the chunk's last.
// False if `chunk` is damaged.
bool AppendTrailItem(std::string& chunk, const TrailItem& item);
Result<std::vector<TrailItem>> DecodeTrailChunk(std::string_view chunk);

// The value stored for a JSON state record at `key` and back. Transfer and
// acquisition-statistics records (statekey::kTransferPrefix, kAcqStatPrefix) get
// a compact binary form (first byte 0x01); every other record, and any of those whose shape
// the compact form does not cover, is JSON text.
std::string EncodeJson(std::string_view key, const nlohmann::json& value);
// nullopt if the stored bytes are damaged.
std::optional<nlohmann::json> DecodeJson(std::string_view key, std::string_view value);

}  // namespace vigil::codec

#endif  // VIGIL_LEDGER_STATE_STATE_CODEC_H_
