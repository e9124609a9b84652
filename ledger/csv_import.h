// A business's spreadsheet export (CSV, one row per movement) turned into record payloads, for
// `vigil submit` (docs/csv.md). Only the CSV-to-JSON step lives here: the record rules are the
// server's (the same state machine the verifier replays), so a row with, say, a wrong unit is
// built and sent, and the server's rule codes are what the user sees. Pure and thread-safe.
#ifndef VIGIL_LEDGER_CSV_IMPORT_H_
#define VIGIL_LEDGER_CSV_IMPORT_H_

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "keys/result.h"

namespace vigil {

// One data row: its row number (the header is row 1, the first data row row 2; blank lines are
// not counted) and either the payload it makes or what is wrong with its cells.
struct CsvRecord {
  int row = 0;
  std::optional<nlohmann::json> payload;  // set when the cells make a payload
  std::string error;                      // otherwise: the bad cells, for a person
};

struct CsvImportOptions {
  std::string actor;         // used when the file has no "actor" column (or the cell is empty)
  std::string default_type;  // used when the file has no "type" column (or the cell is empty)
};

// Every column name docs/csv.md documents: the envelope, then the csv_columns of each record
// type of the record table (ledger/state/state.h), in table order.
const std::vector<std::string>& CsvColumns();

// Record types a CSV row may have: those whose table row lists CSV columns.
const std::vector<std::string>& CsvTypes();

// Parses the CSV text (ledger/csv.h) and builds one payload per data row. Errors that concern
// the whole file (unreadable CSV, no header, an unknown or repeated column, no "at" column, no
// actor anywhere) are kInvalidArgument; problems of one row are in that row's `error`.
// A row without an "id" cell gets a deterministic id (DerivedId), so rerunning the same file
// sends byte-identical payloads.
Result<std::vector<CsvRecord>> ImportCsv(std::string_view text, const CsvImportOptions& options);

// "csv-" + 24 hex digits of SHA-256 over the payload (without its id) and `occurrence`, the
// number of earlier rows of the file that built the same payload. Stable when other rows are
// added, removed or fixed; distinct for identical rows.
std::string DerivedId(const nlohmann::json& payload_without_id, int occurrence);

}  // namespace vigil

#endif  // VIGIL_LEDGER_CSV_IMPORT_H_
