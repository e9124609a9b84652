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
#ifndef VIGIL_LEDGER_STATE_CODEC_H_
#define VIGIL_LEDGER_STATE_CODEC_H_

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

// "trail/<participant>/" + seq bytes: every entry that concerns a participant. The value is
// the entry's type code, then, for each substance whose stock of this participant the entry
// changed, the substance id and the stock after the entry (base units).
std::string TrailPrefix(std::string_view participant);
std::string TrailKey(std::string_view participant, uint64_t seq);
struct TrailRecord {
  uint8_t type_code = 0;
  std::vector<std::pair<std::string, int64_t>> stock;  // (substance, stock after the entry)
};
std::string EncodeTrail(const TrailRecord& t);
Result<TrailRecord> DecodeTrail(std::string_view value);
// The seq at the end of a trail key (0 if the key is too short).
uint64_t TrailSeq(std::string_view key);

// The value stored for a JSON state record at `key` and back. "transfer/", "acq/" and
// "acqstat/" records get a compact binary form (first byte 0x01); every other record, and any
// of those whose shape the compact form does not cover, is JSON text.
std::string EncodeJson(std::string_view key, const nlohmann::json& value);
// nullopt if the stored bytes are damaged.
std::optional<nlohmann::json> DecodeJson(std::string_view key, std::string_view value);

}  // namespace vigil::codec

#endif  // VIGIL_LEDGER_STATE_CODEC_H_
