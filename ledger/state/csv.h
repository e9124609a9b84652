// RFC 4180 CSV reading: the shipped catalogue and checklists, and spreadsheet imports.
// Pure and thread-safe.
#ifndef VIGIL_LEDGER_STATE_CSV_H_
#define VIGIL_LEDGER_STATE_CSV_H_

#include <string>
#include <string_view>
#include <vector>

#include "keys/result.h"
#include "ledger/layering.h"

namespace vigil {

using CsvRow = std::vector<std::string>;

// Parses `text` into rows of fields: comma separated, fields optionally in double quotes with
// "" for a quote inside, CRLF or LF line ends, a UTF-8 byte-order mark ignored, blank lines
// skipped. kInvalidArgument naming the line for an unterminated quote or a stray quote.
Result<std::vector<CsvRow>> ParseCsv(std::string_view text);

}  // namespace vigil

#endif  // VIGIL_LEDGER_STATE_CSV_H_
