// POST /v1/csv: a business's spreadsheet export (docs/csv.md) turned into the record payloads
// `vigil submit` would build from it, one per row, so the web page (api/web/csv.js) signs
// and sends exactly what the command would, without a second CSV-to-JSON mapping in
// JavaScript. The route only converts: it appends nothing and judges no rule (the dry run and
// the append do that). Signed (any registered key; the default actor is the caller's
// participant); the body is limited to kMaxCsvBytes and kMaxCsvRows. Handlers are stateless
// and thread-safe.
#ifndef VIGIL_API_CSV_ROUTES_H_
#define VIGIL_API_CSV_ROUTES_H_

#include <cstddef>
#include <vector>

#include "api/route.h"

namespace vigil::api {

// At most this many bytes of CSV (the server's --max-body, 256 KiB by default, may refuse a
// smaller body first) and this many data rows (the batch route's limit): 413 above either.
inline constexpr size_t kMaxCsvBytes = 262144;
inline constexpr size_t kMaxCsvRows = 1000;

// POST /v1/csv?type=&actor= (Access::kSigned), body the CSV text. 200
// {"rows":[{"row":2,"payload":{...}} | {"row":3,"error":"..."}]}; 400 for a file that cannot be
// read (the whole-file errors of ImportCsv: no header, an unknown or repeated column, ...).
std::vector<Route> CsvRoutes();

}  // namespace vigil::api

#endif  // VIGIL_API_CSV_ROUTES_H_
