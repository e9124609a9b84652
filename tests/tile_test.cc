// Tests for ledger/tile: the C2SP tlog-tiles path encoding and the strict parser that gives
// every tile exactly one path.
#include "ledger/log/tile.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <random>
#include <string>

namespace vigil {
namespace {

TEST_CASE("EncodeTileIndex follows the C2SP path element encoding", "[tile]") {
  CHECK(EncodeTileIndex(0) == "000");
  CHECK(EncodeTileIndex(1) == "001");
  CHECK(EncodeTileIndex(67) == "067");
  CHECK(EncodeTileIndex(999) == "999");
  CHECK(EncodeTileIndex(1000) == "x001/000");
  CHECK(EncodeTileIndex(1234) == "x001/234");
  CHECK(EncodeTileIndex(1234067) == "x001/x234/067");  // the spec's example
  CHECK(EncodeTileIndex(1000000) == "x001/x000/000");
  CHECK(EncodeTileIndex(999999) == "x999/999");
  CHECK(EncodeTileIndex(UINT64_MAX) == "x018/x446/x744/x073/x709/x551/615");
}

TEST_CASE("TilePath spells hash tiles, entry bundles and partial widths", "[tile]") {
  CHECK(TilePath(TileRef{0, 0, 256}) == "0/000");
  CHECK(TilePath(TileRef{1, 1234067, 8}) == "1/x001/x234/067.p/8");
  CHECK(TilePath(TileRef{TileRef::kEntries, 1234067, 256}) == "entries/x001/x234/067");
  CHECK(TilePath(TileRef{TileRef::kEntries, 0, 1}) == "entries/000.p/1");
  CHECK(TilePath(TileRef{63, 5, 255}) == "63/005.p/255");
}

TEST_CASE("ParseTilePath round-trips canonical paths", "[tile]") {
  struct Case {
    const char* path;
    TileRef want;
  };
  const Case cases[] = {
      {"0/000", {0, 0, 256}},
      {"0/001", {0, 1, 256}},
      {"0/x001/x234/067", {0, 1234067, 256}},
      {"1/x001/x234/067.p/8", {1, 1234067, 8}},
      {"2/x001/000", {2, 1000, 256}},
      {"63/999", {63, 999, 256}},
      {"0/000.p/1", {0, 0, 1}},
      {"0/000.p/255", {0, 0, 255}},
      {"entries/000", {TileRef::kEntries, 0, 256}},
      {"entries/x001/x234/067", {TileRef::kEntries, 1234067, 256}},
      {"entries/x001/x234/067.p/100", {TileRef::kEntries, 1234067, 100}},
      {"0/x018/x446/x744/x073/x709/x551/615", {0, UINT64_MAX, 256}},
  };
  for (const Case& c : cases) {
    INFO(c.path);
    Result<TileRef> t = ParseTilePath(c.path);
    INFO(t.status().ToString());
    REQUIRE(t.ok());
    CHECK(*t == c.want);
    CHECK(t->full() == (c.want.width == 256));
    CHECK(TilePath(*t) == c.path);
  }

  // And every TileRef survives TilePath -> ParseTilePath.
  std::mt19937_64 rng(7);
  for (int i = 0; i < 5000; ++i) {
    TileRef t;
    const uint64_t r = rng();
    t.level = (r % 9 == 0) ? TileRef::kEntries : static_cast<int>(r % 64);
    const int digits = static_cast<int>((r >> 8) % 20);
    t.index = digits == 0 ? 0 : rng() >> (64 - 3 * digits);  // ~digits decimal digits
    t.width = (r >> 16) % 3 == 0 ? TileRef::kWidth : static_cast<uint32_t>(1 + (r >> 24) % 255);
    INFO(TilePath(t));
    Result<TileRef> back = ParseTilePath(TilePath(t));
    REQUIRE(back.ok());
    CHECK(*back == t);
  }
}

TEST_CASE("ParseTilePath rejects every non-canonical or unsafe path", "[tile]") {
  const char* bad[] = {
      // traversal and odd characters
      "..",
      "0/..",
      "0/../000",
      "../0/000",
      "0/./000",
      "0/000/..",
      "entries/../000",
      "0/000?x",
      "0/000#x",
      "0/0%30",
      " 0/000",
      "0/000 ",
      "0\\000",
      // leading-zero index elements: x000/... is never canonical
      "0/x000/001",
      "0/x000/000",
      "0/x000/x001/000",
      "entries/x000/067",
      // malformed index elements
      "0/0000",
      "0/00",
      "0/0",
      "0/x1/000",
      "0/X001/000",
      "0/x001",
      "0/x0001/000",
      "0/001/000",
      "0/x001/x23/067",
      "0/+12",
      "0/-01",
      "0/abc",
      "0/x018/x446/x744/x073/x709/x551/616",
      "0/x100/x000/x000/x000/x000/x000/x000/000",
      // widths: 0, 256 and more, leading zeros, malformed
      "0/000.p/0",
      "0/000.p/256",
      "0/000.p/1000",
      "0/000.p/007",
      "0/000.p/01",
      "0/000.p/",
      "0/000.p",
      "0/000.p/-1",
      "0/000.p/+5",
      "0/000.p/5.p/5",
      "0/000.q/5",
      "0/000.P/5",
      "0/x001.p/000",
      "entries/000.p/0",
      "entries/000.p/256",
      // levels above 63, non-canonical levels
      "64/000",
      "99/000",
      "1000/000",
      "00/000",
      "01/000",
      "-1/000",
      "+1/000",
      "a/000",
      "18446744073709551616/000",
      // empty elements and trailing slashes
      "",
      "/",
      "0",
      "0/",
      "/0/000",
      "0//000",
      "0/000/",
      "0/x001//234",
      "0/000.p/5/",
      "entries",
      "entries/",
      "entries//000",
      "entries/000/",
      // names that are not "entries"
      "entry/000",
      "Entries/000",
      "entries2/000",
      "data/000",
  };
  for (const char* path : bad) {
    INFO("\"" << path << "\"");
    Result<TileRef> t = ParseTilePath(path);
    CHECK_FALSE(t.ok());
    if (!t.ok()) CHECK(t.status().code() == Code::kInvalidArgument);
  }
}

}  // namespace
}  // namespace vigil
