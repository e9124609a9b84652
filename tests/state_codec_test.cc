// The compact state encodings of store format 3 (ledger/state/state_codec.h): every value decodes
// to exactly what was encoded, records of an unexpected shape fall back to a lossless form, keys
// keep seq order, and damaged bytes are reported, never misread. Also the decoded forms the
// verifier's memory store keeps beside such values (state_store.h): never one older than the value.
#include "ledger/state/state_codec.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <limits>
#include <string>

#include "keys/coding.h"
#include "ledger/state/state_keys.h"
#include "ledger/state/state_store.h"

namespace vigil {
namespace {

using Json = nlohmann::json;

TEST_CASE("varints and strings round-trip at their edges", "[codec]") {
  for (uint64_t v : {uint64_t{0}, uint64_t{1}, uint64_t{127}, uint64_t{128}, uint64_t{300},
                     std::numeric_limits<uint64_t>::max()}) {
    std::string s;
    PutVarint(s, v);
    std::string_view in = s;
    uint64_t back = 1;
    REQUIRE(GetVarint(in, &back));
    CHECK(back == v);
    CHECK(in.empty());
  }
  for (int64_t v : {int64_t{0}, int64_t{-1}, int64_t{1}, int64_t{-64}, int64_t{64},
                    std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max()}) {
    std::string s;
    PutSigned(s, v);
    std::string_view in = s;
    int64_t back = 7;
    REQUIRE(GetSigned(in, &back));
    CHECK(back == v);
  }
  std::string s;
  PutString(s, std::string("a\0b", 3));
  std::string_view in = s;
  std::string back;
  REQUIRE(GetString(in, &back));
  CHECK(back == std::string("a\0b", 3));
  std::string_view cut = std::string_view(s).substr(0, 2);
  CHECK_FALSE(GetString(cut, &back));
}

TEST_CASE("entry records carry type, actor, personal flag and effect exactly", "[codec]") {
  const Json stock_effect = {
      {"stock",
       Json::array(
           {{{"participant", "acme"}, {"substance", "67-64-1"}, {"delta", -5}, {"day", 20605}},
            {{"participant", "beta"}, {"substance", "75-09-2"}, {"delta", 7}, {"day", -1}}})},
      {"window",
       {{"subject", "e:0100000001"}, {"substance", "67-64-1"}, {"day", 20605}, {"amount", 12}}},
      {"transfer", "transfer/acme/T1"},
      {"supplier", "supplied/acme/67-64-1/party:0100000001"}};
  const Json odd_effect = {{"stock", "not a list"}, {"key", statekey::SeqBytes(3)}};
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
  CHECK(statekey::EntryKey(255) < statekey::EntryKey(256));
  CHECK(statekey::EntryKey(9) < statekey::EntryKey(10));
  CHECK(statekey::TrailKey("acme", 255) < statekey::TrailKey("acme", 256));
  CHECK(statekey::TrailKey("acme", ~uint64_t{0} - 1) < statekey::TrailOpenKey("acme"));
  CHECK(statekey::TrailKey("acme", 1).rfind(statekey::TrailPrefix("acme"), 0) == 0);
  CHECK(statekey::TrailOpenKey("acme").rfind(statekey::TrailPrefix("acme"), 0) == 0);
  // "~" sorts after every other state key, so entry records are appended at the end.
  CHECK(statekey::EntryKey(0) > std::string("voided/") + std::string(20, '9'));
  CHECK(statekey::TimeBytes(-5) == statekey::TimeBytes(0));
}

TEST_CASE("state keys have their documented bytes and parse back", "[codec]") {
  // The builders spell docs/formats.md §15 exactly: these bytes are the store format.
  CHECK(statekey::EntryKey(1) == std::string("~\0\0\0\0\0\0\0\x01", 9));
  CHECK(statekey::TrailKey("acme", 2) == std::string("trail/acme/\0\0\0\0\0\0\0\x02", 19));
  CHECK(statekey::TrailOpenKey("acme") == "trail/acme/" + std::string(8, '\xff'));
  CHECK(statekey::IdKey("acme", "p-1") == std::string("id/acme\0p-1", 11));
  CHECK(statekey::ParticipantKey("acme") == "participant/acme");
  CHECK(statekey::KeyKey("k1") == "key/k1");
  CHECK(statekey::StockKey("acme", "67-64-1") == "stock/acme/67-64-1");
  CHECK(statekey::StockPrefix("acme") == "stock/acme/");
  CHECK(statekey::SettingKey("receipt_days") == "setting/receipt_days");
  CHECK(statekey::ThresholdKey("67-64-1") == "threshold/67-64-1");
  CHECK(statekey::CatalogKey("VN-ETH") == "catalog/VN-ETH");
  CHECK(statekey::CatalogIdentKey("ethanol") == "catalog_ident/ethanol");
  CHECK(statekey::ChecklistKey("venue", "V18") == "checklist/venue/V18");
  CHECK(statekey::ChecklistPrefix("stock") == "checklist/stock/");
  CHECK(statekey::TransferKey("acme", "T/1") == "transfer/acme/T/1");
  CHECK(statekey::DueKey(1234, "acme", "T1") == "due/000000000001234/acme/T1");
  CHECK(statekey::DueKey(-1, "acme", "T1") == "due/000000000000000/acme/T1");
  CHECK(statekey::WindowKey("e:0100000001", "67-64-1", 0x01020304) ==
        "win/e:0100000001/67-64-1/\x01\x02\x03\x04");
  CHECK(statekey::WindowKey("p:acme", "67-64-1", -3) ==
        "win/p:acme/67-64-1/" + std::string(4, '\0'));
  CHECK(statekey::FlowKey("acme", "67-64-1", 258) ==
        "flow/acme/67-64-1/" + std::string("\0\0\x01\x02", 4));
  CHECK(statekey::SupplierKey("acme", "67-64-1", "party:01/2") ==
        "supplied/acme/67-64-1/party:01/2");
  CHECK(statekey::AcqStatKey("acme", "67-64-1") == "acqstat/acme/67-64-1");
  CHECK(statekey::CountKey("acme", "67-64-1") == "count/acme/67-64-1");
  CHECK(statekey::LicenceKey("KD-1") == "licence/KD-1");
  CHECK(statekey::LicenceWarnKey("KD-1") == "licence_warn/KD-1");
  CHECK(statekey::ExpiryKey(86400000, "acme", "KD-1") == "expiry/000000086400000/acme/KD-1");
  // Licence numbers in the so/ky hieu form hold '/': the number is the rest of the key.
  CHECK(statekey::LicenceKey("05/2026/GP-UBND") == "licence/05/2026/GP-UBND");
  CHECK(statekey::LicenceWarnKey("123/GP-BCT") == "licence_warn/123/GP-BCT");
  CHECK(statekey::ExpiryKey(86400000, "acme", "123/GP-BCT") ==
        "expiry/000000086400000/acme/123/GP-BCT");
  CHECK(statekey::TaxCodeKey("0101234567") == "taxcode/0101234567");
  CHECK(statekey::TaxCodeKey("0101234567-001") == "taxcode/0101234567-001");
  CHECK(statekey::InspectionKey(42) == "inspection/00000000000000000042");
  CHECK(statekey::InspectionKey(std::string("00000000000000000042")) ==
        statekey::InspectionKey(42));
  CHECK(statekey::InspByKey("insp", 42) == "insp_by/insp/00000000000000000042");
  CHECK(statekey::InspVenueKey("acme", "v1", 42) == "insp_venue/acme/v1/00000000000000000042");
  CHECK(statekey::VenueViolKey("acme", "v1", 7, 42) ==
        "venueviol/acme/v1/000000000000007/00000000000000000042");
  CHECK(statekey::AlertKey(42, 1) == "alert/00000000000000000042/1");
  CHECK(statekey::AlertByKey("acme", 42, 1) == "alert_by/acme/00000000000000000042/1");
  CHECK(statekey::VoidedKey(3) == "voided/00000000000000000003");
  CHECK(statekey::ErasedKey(3) == "erased/00000000000000000003");
  CHECK(statekey::TrailCursor("acme", 12) == "trail/acme/00000000000000000012");

  // Every parser takes back what its builder made, and nothing else.
  CHECK(statekey::ParseParticipantKey(statekey::ParticipantKey("acme")) == "acme");
  CHECK_FALSE(statekey::ParseParticipantKey("key/acme").has_value());
  CHECK(statekey::ParseKeyKey(statekey::KeyKey("k1")) == "k1");
  CHECK(statekey::ParseSettingKey(statekey::SettingKey("x")) == "x");
  CHECK_FALSE(statekey::ParseSettingKey("settings/x").has_value());

  std::optional<statekey::TransferKeyParts> t = statekey::ParseTransferKey("transfer/acme/T/1");
  REQUIRE(t.has_value());
  CHECK(t->from == "acme");
  CHECK(t->transfer_id == "T/1");
  CHECK_FALSE(statekey::ParseTransferKey("transfer/acme").has_value());

  const std::string due = statekey::DueKey(1234, "acme", "T/1");
  std::optional<statekey::DueKeyParts> d = statekey::ParseDueKey(due);
  REQUIRE(d.has_value());
  CHECK(d->due_ms == 1234);
  CHECK(d->from == "acme");
  CHECK(d->transfer_id == "T/1");
  CHECK_FALSE(statekey::ParseDueKey("due/12/acme/T1").has_value());

  const std::string expiry = statekey::ExpiryKey(99, "acme", "KD-1");
  std::optional<statekey::ExpiryKeyParts> e = statekey::ParseExpiryKey(expiry);
  REQUIRE(e.has_value());
  CHECK(e->warn_ms == 99);
  CHECK(e->participant == "acme");
  CHECK(e->number == "KD-1");
  CHECK_FALSE(statekey::ParseExpiryKey("expiry/000000000000099/acme").has_value());
  e = statekey::ParseExpiryKey(statekey::ExpiryKey(99, "acme", "05/2026/GP-UBND"));
  REQUIRE(e.has_value());
  CHECK(e->participant == "acme");
  CHECK(e->number == "05/2026/GP-UBND");

  std::optional<statekey::VenueViolKeyParts> v =
      statekey::ParseVenueViolKey(statekey::VenueViolKey("acme", "v1", 7, 42));
  REQUIRE(v.has_value());
  CHECK(v->at_ms == 7);
  CHECK(v->seq == 42);
  CHECK_FALSE(statekey::ParseVenueViolKey("venueviol/acme/v1/").has_value());

  const std::string flow = statekey::FlowPrefix("acme", "67-64-1");
  CHECK(statekey::ParseDayKey(statekey::FlowKey("acme", "67-64-1", 20605), flow) == 20605);
  CHECK_FALSE(statekey::ParseDayKey(flow + "12345", flow).has_value());
  CHECK_FALSE(statekey::ParseDayKey(statekey::FlowKey("acme", "67-64-1", 1),
                                    statekey::WindowPrefix("acme", "67-64-1"))
                  .has_value());

  CHECK(statekey::ParseTrailCursor("acme", statekey::TrailCursor("acme", 12)) == uint64_t{12});
  CHECK_FALSE(statekey::ParseTrailCursor("acme", statekey::TrailCursor("acm", 12)).has_value());
  CHECK_FALSE(statekey::ParseTrailCursor("acme", "trail/acme/12").has_value());
  CHECK_FALSE(statekey::ParseTrailCursor("acme", "trail/acme/18446744073709551615").has_value());
  CHECK(statekey::ParseTrailCursor("acme", "trail/acme/18446744073709551614") ==
        uint64_t{18446744073709551614u});
}

TEST_CASE("trail chunks carry each item's seq, type and stock after it", "[codec]") {
  std::string chunk;
  const std::vector<codec::TrailItem> items = {{0, 1, {}},
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

TEST_CASE("transfer, day-bucket and statistics records are compact and exact", "[codec]") {
  const std::string key = "transfer/acme/T-1/x";  // a transfer id may hold '/'
  Json t = {{"from", "acme"},
            {"to", "beta"},
            {"transfer_id", "T-1/x"},
            {"substance", "67-64-1"},
            {"amount", 1000},
            {"dispatched_seq", uint64_t{42}},
            {"dispatched_at", "2026-06-01T08:00:00.000Z"},
            {"due", "2026-06-11T08:00:00.000Z"},
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

  int64_t in = 0, out = 0;
  CHECK(codec::DecodeCounts(codec::EncodeCounts({5000, -2}), {&in, &out}));
  CHECK((in == 5000 && out == -2));
  CHECK_FALSE(codec::DecodeCounts(codec::EncodeCounts({5000}), {&in, &out}));
  CHECK_FALSE(codec::DecodeCounts(codec::EncodeCounts({1, 2, 3}), {&in, &out}));
  const Json stat = {{"count", 3}, {"total", -2}};
  CHECK(codec::DecodeJson("acqstat/acme/67-64-1",
                          codec::EncodeJson("acqstat/acme/67-64-1", stat)) == stat);
  // Other records are JSON text; damaged bytes are reported.
  CHECK(codec::EncodeJson("setting/receipt_days", Json(10)) == "10");
  CHECK_FALSE(codec::DecodeJson(key, "\x01\x09").has_value());
  CHECK_FALSE(codec::DecodeJson("setting/x", "\x01").has_value());
  CHECK_FALSE(codec::DecodeJson("setting/x", "{").has_value());
}

// issue 14: the entry record keeps the payload's "at", which answers may not predate.
TEST_CASE("The entry record keeps the payload's at", "[codec]") {
  for (int64_t at : {int64_t{0}, int64_t{1'780'000'000'000}, int64_t{-62'135'596'800'000}}) {
    INFO(at);
    codec::EntryInfo info{16, "acme", false, Json::object(), at};
    const std::string bytes = codec::EncodeEntryInfo(info);
    Result<codec::EntryInfo> back = codec::DecodeEntryInfo(bytes);
    REQUIRE(back.ok());
    CHECK(back->at_ms == at);
    CHECK(back->actor == "acme");
    CHECK_FALSE(codec::DecodeEntryInfo(bytes.substr(0, bytes.size() - 1)).ok());
  }
}

TEST_CASE("A kept decoded form lives exactly as long as the value it was made from",
          "[codec][state_store]") {
  auto form = [](int v) { return std::make_shared<const int>(v); };
  auto value_of = [](const std::shared_ptr<const void>& p) {
    return p == nullptr ? -1 : *std::static_pointer_cast<const int>(p);
  };
  MemoryStateStore m;
  REQUIRE(m.Put("participant/a", "one").ok());
  CHECK(m.GetDecoded("participant/a") == nullptr);
  m.KeepDecoded("participant/a", form(1));
  CHECK(value_of(m.GetDecoded("participant/a")) == 1);
  CHECK(m.GetDecoded("participant/b") == nullptr);
  // Any write of the key drops it, even of the same bytes; a delete too.
  REQUIRE(m.Put("participant/a", "one").ok());
  CHECK(m.GetDecoded("participant/a") == nullptr);
  m.KeepDecoded("participant/a", form(2));
  REQUIRE(m.Delete("participant/a").ok());
  CHECK(m.GetDecoded("participant/a") == nullptr);
  // Writes of other keys keep it.
  REQUIRE(m.Put("participant/a", "two").ok());
  m.KeepDecoded("participant/a", form(3));
  REQUIRE(m.Put("participant/ab", "x").ok());
  REQUIRE(m.Delete("participant/").ok());
  REQUIRE(m.Put("participant/c", "four").ok());
  CHECK(value_of(m.GetDecoded("participant/a")) == 3);

  // Through an overlay: the base's form until the overlay writes the key; what the overlay is
  // offered for a key it wrote never reaches the base; flushing the write drops the base's.
  {
    OverlayStateStore o(m);
    CHECK(value_of(o.GetDecoded("participant/a")) == 3);
    REQUIRE(o.Put("participant/a", "three").ok());
    CHECK(o.GetDecoded("participant/a") == nullptr);
    o.KeepDecoded("participant/a", form(4));
    CHECK(o.GetDecoded("participant/a") == nullptr);
    CHECK(value_of(m.GetDecoded("participant/a")) == 3);  // the base's value is unchanged yet
    o.KeepDecoded("participant/c", form(5));  // not written by the overlay: offered to the base
    CHECK(value_of(m.GetDecoded("participant/c")) == 5);
    REQUIRE(o.Flush().ok());
  }
  CHECK(m.GetDecoded("participant/a") == nullptr);
  CHECK(*m.Get("participant/a") == std::optional<std::string>("three"));
  // An overlay dropped without Flush (a refused entry) leaves the base's forms.
  {
    OverlayStateStore dropped(m);
    REQUIRE(dropped.Delete("participant/c").ok());
  }  // dropped without Flush: the base's form stays
  CHECK(value_of(m.GetDecoded("participant/c")) == 5);
}

}  // namespace
}  // namespace vigil
