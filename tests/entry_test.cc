// Tests for ledger/entry: the canonical entry bytes (a known answer, round trips with and
// without cosigners, and refusal of every non-canonical spelling), and RFC 3339 timestamps.
#include "ledger/log/entry.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "keys/encoding.h"
#include "keys/key.h"
#include "ledger/state/payload.h"

namespace {
constexpr char kOrigin[] = "vigil.test.example/entries";
}  // namespace

namespace vigil {
namespace {

constexpr char kZeroHash64[] = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
constexpr char kZeroSig64[] =
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==";

// The simplest entry: every field at its zero value except signer and payload.
Entry ZeroEntry() {
  Entry e;
  e.signer = "0123456789abcdef";
  e.payload = R"({"a":1})";
  e.sig = std::string(64, '\0');
  return e;
}

std::string ZeroEntryBytes() {
  return std::string(R"({"v":1,"seq":0,"ts":"1970-01-01T00:00:00.000Z","prev":")") + kZeroHash64 +
         R"(","signer":"0123456789abcdef","payload":"{\"a\":1}","sig":")" + kZeroSig64 + R"("})";
}

// A realistic entry: real key, real signature, a payload with characters that need escaping
// and non-ASCII UTF-8.
Entry RichEntry(const SecretKey& key) {
  Entry e;
  e.seq = 1234567;
  e.ts_ms = 1795878245123;  // 2026-11-28T15:04:05.123Z
  e.prev = Sha256("the previous entry");
  e.signer = key.Id();
  e.payload =
      "{\"type\":\"participant.register\",\"id\":\"r-1\",\"actor\":\"authority\","
      "\"at\":\"2026-11-28T22:04:05+07:00\",\"legal_name\":\"C\xc3\xb4ng ty H\xc3\xa0 "
      "N\xe1\xbb\x99i \\\"Quote\\\" back\\\\slash\",\"note\":\"tab\\tline\\nend\"}";
  e.sig = key.Sign(SignContext::kEntry, kOrigin, e.payload);
  return e;
}

void ExpectRejected(const std::string& bytes) {
  INFO("bytes: " << bytes);
  Result<Entry> e = DecodeEntry(bytes);
  REQUIRE_FALSE(e.ok());
  CHECK(e.status().code() == Code::kCorruption);
}

// Replaces the first occurrence of `from` in `s` by `to` (REQUIREs that it occurs).
std::string ReplaceOnce(std::string s, const std::string& from, const std::string& to) {
  size_t pos = s.find(from);
  REQUIRE(pos != std::string::npos);
  s.replace(pos, from.size(), to);
  return s;
}

// Replaces the closing brace of `s` by `tail`.
std::string WithTail(const std::string& s, const std::string& tail) {
  REQUIRE(!s.empty());
  REQUIRE(s.back() == '}');
  return s.substr(0, s.size() - 1) + tail;
}

TEST_CASE("EncodeEntry writes the documented bytes", "[entry]") {
  CHECK(EncodeEntry(ZeroEntry()) == ZeroEntryBytes());
  Entry e = ZeroEntry();
  e.cosigners = {{"fedcba9876543210", std::string(64, '\0')}};
  CHECK(EncodeEntry(e) == ZeroEntryBytes().substr(0, ZeroEntryBytes().size() - 1) +
                              R"(,"cosigners":[{"signer":"fedcba9876543210","sig":")" + kZeroSig64 +
                              R"("}]})");
}

TEST_CASE("DecodeEntry round-trips EncodeEntry", "[entry]") {
  SecretKey key = SecretKey::Generate();

  SECTION("without cosigners") {
    for (const Entry& e : {ZeroEntry(), RichEntry(key)}) {
      std::string bytes = EncodeEntry(e);
      CHECK(bytes.find('\n') == std::string::npos);  // one line
      Result<Entry> back = DecodeEntry(bytes);
      INFO(back.status().ToString());
      REQUIRE(back.ok());
      CHECK(*back == e);
      CHECK(back->cosigners.empty());
      CHECK(EncodeEntry(*back) == bytes);
    }
  }

  SECTION("with cosigners") {
    SecretKey witness1 = SecretKey::Generate();
    SecretKey witness2 = SecretKey::Generate();
    Entry e = RichEntry(key);
    e.cosigners = {{witness1.Id(), witness1.Sign(SignContext::kEntry, kOrigin, e.payload)},
                   {witness2.Id(), witness2.Sign(SignContext::kEntry, kOrigin, e.payload)}};
    std::string bytes = EncodeEntry(e);
    Result<Entry> back = DecodeEntry(bytes);
    INFO(back.status().ToString());
    REQUIRE(back.ok());
    CHECK(*back == e);
    REQUIRE(back->cosigners.size() == 2);
    CHECK(back->cosigners[0].signer == witness1.Id());
    CHECK(back->cosigners[1].sig == e.cosigners[1].sig);
    CHECK(bytes.rfind(",\"cosigners\":[{\"signer\":\"" + witness1.Id() + "\"", std::string::npos) !=
          std::string::npos);
  }

  SECTION("the largest seq and negative times") {
    Entry e = ZeroEntry();
    e.seq = UINT64_MAX;
    e.ts_ms = -1;
    Result<Entry> back = DecodeEntry(EncodeEntry(e));
    INFO(back.status().ToString());
    REQUIRE(back.ok());
    CHECK(*back == e);
  }
}

TEST_CASE("DecodeEntry refuses every non-canonical spelling", "[entry]") {
  const std::string good = ZeroEntryBytes();
  REQUIRE(DecodeEntry(good).ok());

  SECTION("whitespace") {
    ExpectRejected(ReplaceOnce(good, R"("v":1)", R"("v": 1)"));
    ExpectRejected(ReplaceOnce(good, R"(,"seq")", R"(, "seq")"));
    ExpectRejected(" " + good);
    ExpectRejected(good + " ");
    ExpectRejected(good + "\n");
    ExpectRejected(good + "\r\n");
    ExpectRejected("\xef\xbb\xbf" + good);  // a byte-order mark
  }

  SECTION("reordered fields") {
    ExpectRejected(WithTail(ReplaceOnce(good, R"("v":1,"seq":0,)", R"("seq":0,)"), R"(,"v":1})"));
    std::string swapped =
        R"({"seq":0,"v":1)" + good.substr(std::string(R"({"v":1,"seq":0)").size());
    ExpectRejected(swapped);
    Entry e = ZeroEntry();
    e.cosigners = {{"fedcba9876543210", std::string(64, '\0')}};
    std::string with = EncodeEntry(e);
    // cosigner object with its fields swapped
    ExpectRejected(ReplaceOnce(
        with, std::string(R"({"signer":"fedcba9876543210","sig":")") + kZeroSig64 + "\"}",
        std::string(R"({"sig":")") + kZeroSig64 + R"(","signer":"fedcba9876543210"})"));
  }

  SECTION("changed fields and types") {
    ExpectRejected(ReplaceOnce(good, R"("v":1)", R"("v":2)"));
    ExpectRejected(ReplaceOnce(good, R"("v":1)", R"("v":1.0)"));
    ExpectRejected(ReplaceOnce(good, R"("seq":0)", R"("seq":0.0)"));
    ExpectRejected(ReplaceOnce(good, R"("seq":0)", R"("seq":"0")"));
    ExpectRejected(ReplaceOnce(good, R"("seq":0)", R"("seq":-1)"));
    ExpectRejected(ReplaceOnce(good, R"("seq":0)", R"("seq":1e0)"));
    // times: valid RFC 3339 but not the canonical UTC-with-ms form
    ExpectRejected(ReplaceOnce(good, "00:00:00.000Z", "00:00:00Z"));
    ExpectRejected(ReplaceOnce(good, "00:00:00.000Z", "00:00:00.000+00:00"));
    ExpectRejected(ReplaceOnce(good, "00:00:00.000Z", "00:00:00.0000Z"));
    ExpectRejected(ReplaceOnce(good, "00:00:00.000Z", "00:00:00.000z"));
    ExpectRejected(ReplaceOnce(good, "1970-01-01T00:00:00.000Z", "garbage"));
    // base64 that decodes but is not canonical, or does not decode
    ExpectRejected(ReplaceOnce(good, kZeroHash64, std::string(kZeroHash64, 43)));  // no '='
    ExpectRejected(ReplaceOnce(good, kZeroHash64, std::string(kZeroHash64, 42) + "B="));
    ExpectRejected(ReplaceOnce(good, kZeroSig64, "!!"));
    ExpectRejected(ReplaceOnce(good, kZeroHash64, "AAAA"));  // 3 bytes, not a hash
    // strings spelt with escapes nlohmann would not write
    ExpectRejected(ReplaceOnce(good, R"({\"a\":1})", R"({\"\u0061\":1})"));
    ExpectRejected(
        ReplaceOnce(good, R"("signer":"0123456789abcdef")", R"("signer":"0123456789abcde\u0066")"));
    ExpectRejected(ReplaceOnce(good, R"({\"a\":1})", R"({\"a\":1}\/)"));
    // payload of the wrong type
    ExpectRejected(ReplaceOnce(good, R"("{\"a\":1}")", R"({"a":1})"));
  }

  SECTION("missing, extra and repeated fields") {
    ExpectRejected(ReplaceOnce(good, R"("v":1,)", ""));
    ExpectRejected(ReplaceOnce(good, R"(,"signer":"0123456789abcdef")", ""));
    ExpectRejected(ReplaceOnce(good, R"("v":1,)", R"("v":1,"x":0,)"));
    ExpectRejected(WithTail(good, R"(,"extra":true})"));
    ExpectRejected(ReplaceOnce(good, R"("seq":0,)", R"("seq":0,"seq":0,)"));
    ExpectRejected(WithTail(good, R"(,"cosigners":[]})"));
    ExpectRejected(WithTail(good, R"(,"cosigners":null})"));
  }

  SECTION("not an entry at all") {
    ExpectRejected("");
    ExpectRejected("{}");
    ExpectRejected("[]");
    ExpectRejected("null");
    ExpectRejected(good.substr(0, good.size() - 1));
    ExpectRejected(good + good);
  }

  SECTION("over the size limit") {
    Entry e = ZeroEntry();
    e.payload = std::string(Entry::kMaxSize, 'x');
    ExpectRejected(EncodeEntry(e));
  }
}

TEST_CASE("FormatTimestamp writes UTC with milliseconds", "[entry][time]") {
  CHECK(FormatTimestamp(0) == "1970-01-01T00:00:00.000Z");
  CHECK(FormatTimestamp(1795878245123) == "2026-11-28T15:04:05.123Z");
  CHECK(FormatTimestamp(1709164800000) == "2024-02-29T00:00:00.000Z");
  CHECK(FormatTimestamp(951868799999) == "2000-02-29T23:59:59.999Z");
  CHECK(FormatTimestamp(4107542400000) == "2100-03-01T00:00:00.000Z");
  CHECK(FormatTimestamp(-1) == "1969-12-31T23:59:59.999Z");
  CHECK(FormatTimestamp(7) == "1970-01-01T00:00:00.007Z");
}

TEST_CASE("ParseTimestamp reads RFC 3339 date-times", "[entry][time]") {
  struct Case {
    const char* text;
    int64_t ms;
  };
  const Case cases[] = {
      {"1970-01-01T00:00:00Z", 0},
      {"1970-01-01T00:00:00.000Z", 0},
      {"2026-11-28T15:04:05.123Z", 1795878245123},
      {"2026-11-28T15:04:05.123z", 1795878245123},
      {"2026-11-28t15:04:05.123Z", 1795878245123},
      {"2026-11-28T22:04:05.123+07:00", 1795878245123},
      {"2026-11-28T22:04:05+07:00", 1795878245000},
      {"2026-11-29T05:04:05+14:00", 1795878245000},
      {"2026-11-28T15:04:05+00:00", 1795878245000},
      {"2026-11-28T15:04:05-00:00", 1795878245000},
      {"2026-01-01T00:30:00-05:30", 1767247200000},
      {"2025-12-31T19:00:00-05:00", 1767225600000},  // offset crosses the year
      {"2024-02-29T00:00:00Z", 1709164800000},       // leap day
      {"2024-02-29T07:00:00+07:00", 1709164800000},
      {"2000-02-29T23:59:59.999Z", 951868799999},  // 2000 is a leap year
      {"2100-03-01T00:00:00Z", 4107542400000},
      {"2026-11-28T15:04:05.1Z", 1795878245100},  // fractions of any length
      {"2026-11-28T15:04:05.12Z", 1795878245120},
      {"2026-11-28T15:04:05.123456789Z", 1795878245123},  // truncated, not rounded
      {"2026-11-28T15:04:05.9999Z", 1795878245999},
      {"1969-12-31T23:59:59.999Z", -1},
  };
  for (const Case& c : cases) {
    INFO(c.text);
    Result<int64_t> ms = ParseTimestamp(c.text);
    INFO(ms.status().ToString());
    REQUIRE(ms.ok());
    CHECK(*ms == c.ms);
  }
}

TEST_CASE("FormatTimestamp and ParseTimestamp are inverse", "[entry][time]") {
  std::mt19937_64 rng(20261128);
  // From 1900 to 2400, both sides of the epoch.
  std::uniform_int_distribution<int64_t> dist(-2208988800000, 13569465600000);
  for (int i = 0; i < 2000; ++i) {
    const int64_t ms = dist(rng);
    const std::string text = FormatTimestamp(ms);
    INFO(ms << " " << text);
    Result<int64_t> back = ParseTimestamp(text);
    REQUIRE(back.ok());
    CHECK(*back == ms);
  }
}

TEST_CASE("ParseTimestamp rejects what is not RFC 3339", "[entry][time]") {
  const char* bad[] = {
      "",
      "garbage",
      "2026-13-01T00:00:00Z",  // month 13
      "2026-00-01T00:00:00Z",  // month 0
      "2026-02-30T00:00:00Z",  // Feb 30
      "2026-02-29T00:00:00Z",  // not a leap year
      "2100-02-29T00:00:00Z",  // centuries are not leap years
      "2026-04-31T00:00:00Z",  // April has 30 days
      "2026-01-00T00:00:00Z",  // day 0
      "2026-01-32T00:00:00Z",
      "2026-11-28T15:04:05",      // missing zone
      "2026-11-28T15:04:05.123",  // missing zone
      "2026-11-28",               // a date, not a date-time
      "2026-11-28T15:04Z",        // missing seconds
      "2026-11-28T24:00:00Z",     // hour 24
      "2026-11-28T15:60:00Z",     // minute 60
      "2026-11-28T15:04:61Z",
      "2026-11-28T15:04:05.Z",     // empty fraction
      "2026-11-28T15:04:05,123Z",  // comma fraction
      "2026-11-28T15:04:05+0700",  // offset without colon
      "2026-11-28T15:04:05+07",
      "2026-11-28T15:04:05+7:00",
      "2026-11-28T15:04:05+24:00",
      "2026-11-28T15:04:05+07:60",
      "2026-11-28T15:04:05ZZ",  // trailing bytes
      "2026-11-28T15:04:05Z ",
      " 2026-11-28T15:04:05Z",
      "2026-11-28T15:04:05Z\n",
      "2026-11-28X15:04:05Z",
      "2026-1-28T15:04:05Z",  // one-digit month
      "26-11-28T15:04:05Z",
      "2026/11/28T15:04:05Z",
      "+2026-11-28T15:04:05Z",
      "2026-11-28T15:04:05+07:00junk",
      "2026-11-28T1a:04:05Z",
  };
  for (const char* text : bad) {
    INFO("\"" << text << "\"");
    Result<int64_t> ms = ParseTimestamp(text);
    CHECK_FALSE(ms.ok());
    if (!ms.ok()) CHECK(ms.status().code() == Code::kInvalidArgument);
  }
}

TEST_CASE("ParseDate reads full-dates only", "[entry][time]") {
  Result<int64_t> leap = ParseDate("2024-02-29");
  REQUIRE(leap.ok());
  CHECK(*leap == 1709164800000);
  CHECK(ParseDate("1970-01-01").ok());
  for (const char* bad : {"2023-02-29", "2026-13-01", "2026-1-01", "2026-01-01T00:00:00Z",
                          "2026-01-01 ", "", "20260101"}) {
    INFO(bad);
    CHECK_FALSE(ParseDate(bad).ok());
  }
}

TEST_CASE("ParseJson refuses a repeated key at any depth and names it", "[payload]") {
  const std::pair<std::string_view, std::string_view> refused[] = {
      {R"({"a":1,"a":2})", R"("a")"},
      {R"({"x":{"b":1,"c":2,"b":3}})", R"("b")"},
      {R"([{"k":1},{"k":1,"k":1}])", R"("k")"},
      {R"({"o":[{"p":{"q":1,"q":1}}],"r":2})", R"("q")"},
  };
  for (const auto& [text, name] : refused) {
    INFO(text);
    Result<nlohmann::json> j = ParseJson(text);
    REQUIRE_FALSE(j.ok());
    CHECK(j.status().message() == "JSON with a duplicate key " + std::string(name));
  }
  // The same key in different objects, nested or side by side, is not a repeat.
  for (std::string_view text : {R"({"a":{"a":{"a":1}},"b":[{"a":1},{"a":2}]})",
                                R"([{"k":1,"j":2},{"j":1,"k":2},{}])", R"({"":1,"e":{"":2}})"}) {
    INFO(text);
    Result<nlohmann::json> j = ParseJson(text);
    REQUIRE(j.ok());
    CHECK(j->dump() == nlohmann::json::parse(text).dump());
  }
}

TEST_CASE("AppendJsonString writes what nlohmann's dump writes, byte for byte", "[entry]") {
  // Every control character, the two escaped ones, DEL, and UTF-8 of each length, in random
  // strings; then invalid UTF-8, which both refuse.
  const std::vector<std::string> pieces = [] {
    std::vector<std::string> p;
    for (int c = 0; c < 0x20; ++c) p.emplace_back(1, static_cast<char>(c));
    for (const char* s :
         {"\"", "\\", "\x7f", "a", "/", "Hà Nội", "\xc2\x80", "\xdf\xbf", "\xe0\xa0\x80",
          "\xef\xbf\xbf", "\xed\x9f\xbf", "\xf0\x90\x80\x80", "\xf4\x8f\xbf\xbf", "{\"k\":1}"}) {
      p.emplace_back(s);
    }
    return p;
  }();
  std::mt19937 rng(7);
  for (int round = 0; round < 2000; ++round) {
    std::string s;
    const auto n = std::uniform_int_distribution<int>(0, 12)(rng);
    for (int i = 0; i < n; ++i) {
      s += pieces[std::uniform_int_distribution<size_t>(0, pieces.size() - 1)(rng)];
    }
    std::string out = "x";
    AppendJsonString(&out, s);
    INFO(nlohmann::json(s).dump());
    REQUIRE(out == "x" + nlohmann::json(s).dump());
    // And DecodeEntry reads every such string back, in each string field of an entry.
    Entry e = ZeroEntry();
    e.payload = s;
    e.signer = s + "s";
    e.cosigners = {{"c" + s, std::string(64, '\x01')}, {s + "\"", std::string(64, '\xff')}};
    Result<Entry> back = DecodeEntry(EncodeEntry(e));
    REQUIRE(back.ok());
    CHECK(*back == e);
  }
  for (const char* bad :
       {"\x80", "\xc0\x80", "\xc1\xbf", "\xe0\x80\x80", "\xed\xa0\x80", "\xf0\x80\x80\x80",
        "\xf4\x90\x80\x80", "\xf5\x80\x80\x80", "\xe1\x80", "ok\xff"}) {
    std::string out;
    CHECK_THROWS_AS(AppendJsonString(&out, bad), nlohmann::json::type_error);
    CHECK_THROWS_AS(nlohmann::json(std::string(bad)).dump(), nlohmann::json::type_error);
  }
}

TEST_CASE("ParseJson builds the tree nlohmann's parser builds, and refuses what it refuses",
          "[payload]") {
  for (
      std::string_view text :
      {R"({"type":"chemical.purchase","items":[{"qty":"1.5","n":-3,"f":2.5e3,"u":18446744073709551615}],"ok":true,"no":false,"z":null})",
       R"([])", R"({})", R"("s\u00e9\n")", R"(12)", R"([[[],{}],{"a":[1,{"b":[]}]}])",
       R"( {"a" : [ 1 , 2 ] } )"}) {
    INFO(text);
    Result<nlohmann::json> j = ParseJson(text);
    REQUIRE(j.ok());
    CHECK(*j == nlohmann::json::parse(text));
  }
  for (std::string_view text : {R"({"a":1)", R"({"a":1}x)", R"([1,])", R"()", R"({"a":01})"}) {
    INFO(text);
    Result<nlohmann::json> j = ParseJson(text);
    REQUIRE_FALSE(j.ok());
    CHECK(j.status().message().starts_with("not valid JSON (error near byte "));
  }
  std::string deep(16, '[');
  deep += std::string(16, ']');
  CHECK(ParseJson(deep).ok());
  std::string deeper(17, '[');
  deeper += std::string(17, ']');
  CHECK(ParseJson(deeper).status().message() == "JSON nested deeper than 16 levels");
}

}  // namespace
}  // namespace vigil
