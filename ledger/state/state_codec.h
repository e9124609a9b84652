// Compact encodings of the derived state's high-volume records (store format 2; see
// docs/formats.md §15 and the key lists in domain.h, registry.h and catalog.h). Internal to
// ledger/: the state machine writes these, the queries and the verifier read them.
//
// Integers are LEB128 varints (signed ones zigzag-encoded first); a string is its varint
// length followed by its bytes; a seq or time inside a key is 8 bytes big-endian, so keys still
// sort in seq / time order. Every compact value is checked at write time to decode back to
// exactly the JSON it stands for; a value that would not (an unexpected shape) is stored as
// JSON text instead, so nothing is ever lost to the encoding. All functions are pure and
// deterministic: the server and the verifier's replay write the same bytes.
#ifndef VIGIL_LEDGER_STATE_STATE_CODEC_H_
#define VIGIL_LEDGER_STATE_STATE_CODEC_H_

#include "ledger/layering.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "keys/result.h"

namespace vigil::codec {

void PutVarint(std::string& out, uint64_t v);
void PutSigned(std::string& out, int64_t v);
void PutString(std::string& out, std::string_view s);
// Each reads from the front of `in` and advances it; false if `in` is too short or malformed.
bool GetVarint(std::string_view& in, uint64_t* v);
bool GetSigned(std::string_view& in, int64_t* v);
bool GetString(std::string_view& in, std::string* s);

// 8 bytes big-endian (of max(v, 0) for times).
std::string SeqBytes(uint64_t seq);
std::string TimeBytes(int64_t ms);

// "~" + seq: the one record every entry gets (its type, actor, personal flag and effect).
// "~" sorts after every other state key, so these records are appended at the end of the
// table and fill its pages.
std::string EntryKey(uint64_t seq);
struct EntryInfo {
  uint8_t type_code = 0;  // RecordType::code
  std::string actor;
  bool personal = false;             // the payload carries a personal_commitment
  nlohmann::json effect = nlohmann::json::object();  // what a correction undoes (domain.h)
};
std::string EncodeEntryInfo(const EntryInfo& info);
Result<EntryInfo> DecodeEntryInfo(std::string_view value);

// A participant's trail (every entry that concerns it) is kept in chunks of items, so that
// each entry adds a few bytes rather than a record:
//   "trail/<participant>/" + 0xff x 8       the open chunk, which new items are appended to;
//   "trail/<participant>/" + seq bytes      a closed chunk whose last item is entry seq.
// The open chunk is closed (moved to its last seq) once it reaches kTrailChunkBytes. Keys sort
// in seq order and the open chunk last, so a prefix scan reads the items in seq order; the
// chunk holding the first item after seq s is the first key >= TrailKey(p, s + 1).
// An item: varint (seq - previous item's seq, or seq for the chunk's first) ‖ type code (1
// byte) ‖ varint n ‖ n x (string substance ‖ signed stock of this participant after the
// entry): the stock history.
inline constexpr size_t kTrailChunkBytes = 384;
std::string TrailPrefix(std::string_view participant);
std::string TrailKey(std::string_view participant, uint64_t last_seq);
std::string TrailOpenKey(std::string_view participant);
struct TrailItem {
  uint64_t seq = 0;
  uint8_t type_code = 0;
  std::vector<std::pair<std::string, int64_t>> stock;  // (substance, stock after the entry)
};
// Appends `item` to `chunk` (which may be empty); its seq must exceed the chunk's last.
// False if `chunk` is damaged.
bool AppendTrailItem(std::string& chunk, const TrailItem& item);
Result<std::vector<TrailItem>> DecodeTrailChunk(std::string_view chunk);

// The value stored for a JSON state record at `key` and back. "transfer/", "acq/" and
// "acqstat/" records get a compact binary form (first byte 0x01); every other record, and any
// of those whose shape the compact form does not cover, is JSON text.
std::string EncodeJson(std::string_view key, const nlohmann::json& value);
// nullopt if the stored bytes are damaged.
std::optional<nlohmann::json> DecodeJson(std::string_view key, std::string_view value);

}  // namespace vigil::codec

#endif  // VIGIL_LEDGER_STATE_STATE_CODEC_H_
