// POST /v1/csv (api/csv_routes.h), the web page's CSV upload: against a live server, a good
// file gives exactly the payloads `vigil submit` builds (ledger/csv_import.h ImportCsv, the
// same deterministic ids), row errors stay per row, and a file that cannot be read, an
// unsigned call and an oversize file are refused clearly with nothing converted.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "api/csv_routes.h"
#include "ledger/csv_import.h"
#include "tests/api_fixture.h"

namespace vigil {
namespace {

using apitest::CheckProblem;
using apitest::Reply;
using apitest::World;
using nlohmann::json;

constexpr char kGoodCsv[] =
    "type,id,at,substance,quantity,unit,party.name,party.country,note\n"
    "chem.purchase,CSV-1,2026-11-20T09:00:00+07:00,67-64-1,12.500,L,Hưng Thịnh,VN,\"a, quoted\"\n"
    "chem.purchase,,2026-11-20T10:00:00+07:00,Acetone,3,L,Hưng Thịnh,VN,\n"
    "chem.purchase,CSV-3,28/11/2026 09:00,67-64-1,1,L,Hưng Thịnh,VN,\n"
    "chem.stocktake,,2026-11-20T11:00:00+07:00,67-64-1,0,,,,\n";

TEST_CASE("POST /v1/csv answers the payloads vigil submit builds, row by row", "[api][csv]") {
  World w;
  const Reply r = w.Call("POST", "/v1/csv", &w.a, kGoodCsv);
  INFO(r);
  REQUIRE(r.status == 200);
  CHECK(r.content_type == "application/json");
  const json got = r.Json();
  // The command's own conversion, with the caller's participant as the default actor.
  Result<std::vector<CsvRecord>> want = ImportCsv(kGoodCsv, {"biz-a", ""});
  REQUIRE(want.ok());
  REQUIRE(got["rows"].size() == want->size());
  for (size_t i = 0; i < want->size(); ++i) {
    const CsvRecord& rec = (*want)[i];
    const json& row = got["rows"][i];
    INFO("row " << rec.row);
    CHECK(row["row"] == rec.row);
    if (rec.payload) {
      REQUIRE(row.contains("payload"));
      // Byte for byte what `vigil submit` would sign (compact, keys sorted).
      CHECK(row["payload"].dump() == rec.payload->dump());
      CHECK_FALSE(row.contains("error"));
    } else {
      CHECK(row["error"] == rec.error);
      CHECK_FALSE(row.contains("payload"));
    }
  }
  CHECK(got["rows"][0]["payload"]["actor"] == "biz-a");
  CHECK(got["rows"][0]["payload"]["quantity"] == "12.500");
  CHECK(got["rows"][0]["payload"]["note"] == "a, quoted");
  // A row without an id gets the deterministic id: the same on every upload.
  const std::string derived = got["rows"][1]["payload"]["id"].get<std::string>();
  CHECK(derived.rfind("csv-", 0) == 0);
  CHECK(w.Call("POST", "/v1/csv", &w.a, kGoodCsv).Json()["rows"][1]["payload"]["id"] == derived);
  // A row whose cells are bad is that row's error, the others still convert.
  CHECK(got["rows"][2]["row"] == 4);
  CHECK(got["rows"][2]["error"].get<std::string>().find("RFC 3339") != std::string::npos);
  // The route converts only: nothing was appended.
  const uint64_t size = w.Size();
  w.Call("POST", "/v1/csv", &w.a, kGoodCsv);
  CHECK(w.Size() == size);
}

TEST_CASE("POST /v1/csv takes the actor and the type from the query", "[api][csv]") {
  World w;
  const std::string csv = "at,substance,quantity,unit\n2026-11-20T09:00:00+07:00,67-64-1,2,L\n";
  const Reply r = w.Call("POST", "/v1/csv?type=chem.stocktake&actor=biz-b", &w.a, csv);
  INFO(r);
  REQUIRE(r.status == 200);
  const json p = r.Json()["rows"][0]["payload"];
  CHECK(p["type"] == "chem.stocktake");
  CHECK(p["actor"] == "biz-b");  // only a conversion: signing as biz-a would be refused later
  // Without a type anywhere (no column, no ?type=) the file cannot be converted: 400.
  const Reply none = w.Call("POST", "/v1/csv", &w.a, csv);
  CheckProblem(none, 400, "invalid_argument");
  // A type cell left empty on one row, with a type column: that row's error only.
  const Reply row = w.Call("POST", "/v1/csv", &w.a,
                           "type,at,substance,quantity,unit\n"
                           ",2026-11-20T09:00:00+07:00,67-64-1,2,L\n"
                           "chem.stocktake,2026-11-20T09:00:00+07:00,67-64-1,2,L\n");
  INFO(row);
  REQUIRE(row.status == 200);
  CHECK(row.Json()["rows"][0].contains("error"));
  CHECK(row.Json()["rows"][1].contains("payload"));
}

TEST_CASE("POST /v1/csv refuses what it cannot read, unsigned calls and oversize files",
          "[api][csv]") {
  World w;
  // Whole-file errors: 400 with ImportCsv's own words, nothing converted.
  const Reply unknown = w.Call("POST", "/v1/csv", &w.a, "at,quantiy\n2026-11-20T09:00:00Z,1\n");
  CheckProblem(unknown, 400, "invalid_argument");
  CHECK(unknown.Json()["detail"].get<std::string>().find("quantiy") != std::string::npos);
  CheckProblem(w.Call("POST", "/v1/csv", &w.a, "\n"), 400, "invalid_argument");
  const Reply semicolons =
      w.Call("POST", "/v1/csv", &w.a, "at;substance;quantity\n2026-11-20T09:00:00Z;x;1\n");
  CheckProblem(semicolons, 400, "invalid_argument");
  // Unsigned: 401 before the file is looked at.
  CheckProblem(w.Call("POST", "/v1/csv", nullptr, kGoodCsv), 401, "unauthenticated");
  // More rows than one batch: 413, split the file.
  std::string many = "type,at,substance,quantity,unit\n";
  for (size_t i = 0; i <= api::kMaxCsvRows; ++i) {
    many += "chem.stocktake,2026-11-20T09:00:00Z,67-64-1," + std::to_string(i + 1) + ",L\n";
  }
  REQUIRE(many.size() < api::kMaxCsvBytes);
  const Reply rows = w.Call("POST", "/v1/csv", &w.a, many);
  CheckProblem(rows, 413, "payload_too_large");
  CHECK(rows.Json()["detail"].get<std::string>().find("1001 rows") != std::string::npos);
  // Exactly the limit converts.
  std::string limit = "type,at,substance,quantity,unit\n";
  for (size_t i = 0; i < api::kMaxCsvRows; ++i) {
    limit += "chem.stocktake,2026-11-20T09:00:00Z,67-64-1," + std::to_string(i + 1) + ",L\n";
  }
  const Reply ok = w.Call("POST", "/v1/csv", &w.a, limit);
  REQUIRE(ok.status == 200);
  CHECK(ok.Json()["rows"].size() == api::kMaxCsvRows);
  // More bytes than the server takes: 413 before the body is read.
  const std::string big(api::kMaxCsvBytes + 1, 'x');
  CheckProblem(w.Call("POST", "/v1/csv", &w.a, big), 413, "payload_too_large");
}

}  // namespace
}  // namespace vigil
