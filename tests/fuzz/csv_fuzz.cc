// Fuzz harness: RFC 4180 CSV (ledger/csv.h ParseCsv), used for the shipped tables and for
// spreadsheet imports. Property: rows written back with every field quoted parse to the same
// rows.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "ledger/state/csv.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  vigil::Result<std::vector<vigil::CsvRow>> rows = vigil::ParseCsv(text);
  if (!rows.ok()) {
    FUZZ_CHECK(rows.status().code() == vigil::Code::kInvalidArgument);
    return 0;
  }
  std::string out;
  for (const vigil::CsvRow& row : *rows) {
    FUZZ_CHECK(!row.empty());
    for (size_t i = 0; i < row.size(); ++i) {
      if (i > 0) out += ',';
      out += '"';
      for (char c : row[i]) {
        if (c == '"') out += '"';
        out += c;
      }
      out += '"';
    }
    out += "\r\n";
  }
  vigil::Result<std::vector<vigil::CsvRow>> again = vigil::ParseCsv(out);
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(*again == *rows);
  return 0;
}
