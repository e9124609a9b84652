// The compact state encodings of store format 2 (ledger/state_codec.h): every value decodes to
// exactly what was encoded, records of an unexpected shape fall back to a lossless form, keys
// keep seq order, and damaged bytes are reported, never misread.
#include <catch2/catch.hpp>
#include <cstdint>
#include <limits>
#include <string>

#include "ledger/state/state_codec.h"

namespace vigil {
namespace {

using Json = nlohmann::json;

TEST_CASE("varints and strings round-trip at their edges", "[codec]") {
  for (uint64_t v : {uint64_t{0}, uint64_t{1}, uint64_t{127}, uint64_t{128}, uint64_t{300},
                     std::numeric_limits<uint64_t>::max()}) {
    std::string s;
    codec::PutVarint(s, v);
    std::string_view in = s;
    uint64_t back = 1;
    REQUIRE(codec::GetVarint(in, &back));
    CHECK(back == v);
    CHECK(in.empty());
  }
  for (int64_t v : {int64_t{0}, int64_t{-1}, int64_t{1}, int64_t{-64}, int64_t{64},
                    std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max()}) {
    std::string s;
    codec::PutSigned(s, v);
    std::string_view in = s;
    int64_t back = 7;
    REQUIRE(codec::GetSigned(in, &back));
    CHECK(back == v);
  }
  std::string s;
  codec::PutString(s, std::string("a\0b", 3));
  std::string_view in = s;
  std::string back;
  REQUIRE(codec::GetString(in, &back));
  CHECK(back == std::string("a\0b", 3));
  std::string_view cut = std::string_view(s).substr(0, 2);
  CHECK_FALSE(codec::GetString(cut, &back));
}

TEST_CASE("entry records carry type, actor, personal flag and effect exactly", "[codec]") {
  const Json stock_effect = {
      {"stock", Json::array({{{"participant", "acme"}, {"substance", "67-64-1"}, {"delta", -5}},
                             {{"participant", "beta"}, {"substance", "75-09-2"}, {"delta", 7}}})},
      {"acq", {{"key", "acq/acme/67-64-1/" + codec::TimeBytes(5) + codec::SeqBytes(9)},
               {"stat", "acqstat/acme/67-64-1"},
               {"amount", 12}}},
      {"transfer", "transfer/acme/T1"}};
  const Json odd_effect = {{"stock", "not a list"}, {"key", codec::SeqBytes(3)}};
  for (const Json& effect : {Json::object(), stock_effect, odd_effect}) {
    codec::EntryInfo info{13, "acme", true, effect};
    const std::string bytes = codec::EncodeEntryInfo(info);
    Result<codec::EntryInfo> back = codec::DecodeEntryInfo(bytes);
    REQUIRE(back.ok());
    CHECK(back->type_code == 13);
    CHECK(back->actor == "acme");
    CHECK(back->personal);
    CHECK(back->effect == effect);
    CHECK_FALSE(codec::DecodeEntryInfo(bytes.substr(0, bytes.size() - 1)).ok());
  }
  // The actor's own stock changes do not repeat its id.
  codec::EntryInfo info{10, "a-long-business-id", false, stock_effect};
  CHECK(codec::EncodeEntryInfo(info).find("a-long-business-id", 4) == std::string::npos);
}

TEST_CASE("entry and trail keys sort in seq order", "[codec]") {
  CHECK(codec::EntryKey(255) < codec::EntryKey(256));
  CHECK(codec::EntryKey(9) < codec::EntryKey(10));
  CHECK(codec::TrailKey("acme", 255) < codec::TrailKey("acme", 256));
  CHECK(codec::TrailKey("acme", ~uint64_t{0} - 1) < codec::TrailOpenKey("acme"));
  CHECK(codec::TrailKey("acme", 1).rfind(codec::TrailPrefix("acme"), 0) == 0);
  CHECK(codec::TrailOpenKey("acme").rfind(codec::TrailPrefix("acme"), 0) == 0);
  // "~" sorts after every other state key, so entry records are appended at the end.
  CHECK(codec::EntryKey(0) > std::string("voided/") + std::string(20, '9'));
  CHECK(codec::TimeBytes(-5) == codec::TimeBytes(0));
}

TEST_CASE("trail chunks carry each item's seq, type and stock after it", "[codec]") {
  std::string chunk;
  const std::vector<codec::TrailItem> items = {
      {0, 1, {}},
      {7, 12, {{"67-64-1", 0}, {"75-09-2", 123456789012}}},
      {100000, 10, {{"67-64-1", -3}}},
      {100001, 21, {}}};
  for (const codec::TrailItem& item : items) REQUIRE(codec::AppendTrailItem(chunk, item));
  Result<std::vector<codec::TrailItem>> back = codec::DecodeTrailChunk(chunk);
  REQUIRE(back.ok());
  REQUIRE(back->size() == items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    CHECK((*back)[i].seq == items[i].seq);
    CHECK((*back)[i].type_code == items[i].type_code);
    CHECK((*back)[i].stock == items[i].stock);
  }
  // Items without stock changes take 3 bytes here (seq delta, type, count).
  std::string small;
  REQUIRE(codec::AppendTrailItem(small, {5, 3, {}}));
  const size_t one = small.size();
  REQUIRE(codec::AppendTrailItem(small, {6, 3, {}}));
  CHECK(small.size() - one == 3);
  // Seqs only grow; damaged chunks are reported.
  CHECK_FALSE(codec::AppendTrailItem(small, {6, 3, {}}));
  CHECK_FALSE(codec::DecodeTrailChunk("").ok());
  CHECK_FALSE(codec::DecodeTrailChunk(chunk.substr(0, chunk.size() - 1)).ok());
  CHECK_FALSE(codec::DecodeTrailChunk(std::string("\x05\x03\x00\x00\x03\x00", 6)).ok());
}

TEST_CASE("transfer, acquisition and statistics records are compact and exact", "[codec]") {
  const std::string key = "transfer/acme/T-1/x";  // a transfer id may hold '/'
  Json t = {{"from", "acme"}, {"to", "beta"}, {"transfer_id", "T-1/x"},
            {"substance", "67-64-1"}, {"amount", 1000}, {"dispatched_seq", uint64_t{42}},
            {"dispatched_at", "2026-06-01T08:00:00.000Z"}, {"due", "2026-06-11T08:00:00.000Z"},
            {"status", "open"}};
  auto same = [&](const Json& j) {
    const std::string v = codec::EncodeJson(key, j);
    std::optional<Json> back = codec::DecodeJson(key, v);
    REQUIRE(back.has_value());
    CHECK(back->dump() == j.dump());
    return v;
  };
  CHECK(same(t)[0] == '\x01');
  CHECK(same(t).size() < 40);
  t["status"] = "received";
  t["received_seq"] = uint64_t{50};
  t["received_amount"] = 990;
  t["received_at"] = "2026-06-02T09:30:00.000Z";
  CHECK(same(t)[0] == '\x01');
  // Shapes the compact form does not cover stay JSON text, unchanged.
  Json extra = t;
  extra["note"] = "x";
  CHECK(same(extra)[0] == '{');
  Json offset = t;
  offset["due"] = "2026-06-11T15:00:00+07:00";  // not the canonical form of that time
  CHECK(same(offset)[0] == '{');
  Json other_status = t;
  other_status["status"] = "lost";
  CHECK(same(other_status)[0] == '{');

  const std::string acq = "acq/acme/67-64-1/" + codec::TimeBytes(1) + codec::SeqBytes(2);
  const Json a = {{"amount", 5000}, {"supplier", "party:0301447823"}};
  CHECK(codec::EncodeJson(acq, a)[0] == '\x01');
  CHECK(codec::DecodeJson(acq, codec::EncodeJson(acq, a)) == a);
  const Json stat = {{"count", 3}, {"total", -2}};
  CHECK(codec::DecodeJson("acqstat/acme/67-64-1", codec::EncodeJson("acqstat/acme/67-64-1", stat)) == stat);
  // Other records are JSON text; damaged bytes are reported.
  CHECK(codec::EncodeJson("setting/receipt_days", Json(10)) == "10");
  CHECK_FALSE(codec::DecodeJson(key, "\x01\x09").has_value());
  CHECK_FALSE(codec::DecodeJson("setting/x", "\x01").has_value());
  CHECK_FALSE(codec::DecodeJson("setting/x", "{").has_value());
}

}  // namespace
}  // namespace vigil
