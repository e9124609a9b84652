#include "api/csv_routes.h"

#include <httplib.h>

#include <nlohmann/json.hpp>
#include <string>

#include "api/problem.h"
#include "ledger/csv_import.h"

namespace vigil::api {

namespace {

std::string Param(const httplib::Request& req, const char* name) {
  return req.has_param(name) ? req.get_param_value(name) : std::string();
}

void Convert(Call& c) {
  if (c.req.body.size() > kMaxCsvBytes) {
    return SendProblem(c.res, 413, "payload_too_large",
                       "the CSV file is larger than " + std::to_string(kMaxCsvBytes) +
                           " bytes; split it into smaller files");
  }
  CsvImportOptions options;
  options.actor = Param(c.req, "actor");
  if (options.actor.empty()) options.actor = c.caller->participant;
  options.default_type = Param(c.req, "type");
  Result<std::vector<CsvRecord>> rows = ImportCsv(c.req.body, options);
  if (!rows.ok()) return SendProblem(c.res, rows.status());
  if (rows->size() > kMaxCsvRows) {
    return SendProblem(c.res, 413, "payload_too_large",
                       "the CSV file has " + std::to_string(rows->size()) + " rows; at most " +
                           std::to_string(kMaxCsvRows) + " are converted at once: split it");
  }
  nlohmann::json out = nlohmann::json::array();
  for (const CsvRecord& r : *rows) {
    if (r.payload) {
      out.push_back({{"row", r.row}, {"payload", *r.payload}});
    } else {
      out.push_back({{"row", r.row}, {"error", r.error}});
    }
  }
  c.res.set_content(nlohmann::json({{"rows", out}}).dump(), "application/json");
}

}  // namespace

std::vector<Route> CsvRoutes() {
  return {{"POST", "/v1/csv", "/v1/csv", Access::kSigned, Convert}};
}

}  // namespace vigil::api
