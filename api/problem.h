// RFC 9457 problem details: every error the API returns is application/problem+json with a
// stable `type` per cause ("/problems/<code>"), a title, the HTTP status, a detail a person can
// act on, and for broken rules the list of every one. Nothing internal (exception text, paths,
// LMDB errors) is ever put in a response: those are logged and answered as "internal".
#ifndef VIGIL_API_PROBLEM_H_
#define VIGIL_API_PROBLEM_H_

#include <httplib.h>

#include <nlohmann/json.hpp>

#include "keys/result.h"

namespace vigil::api {

// The HTTP status for a Status code (400, 403, 404, 409, 422, 503, 500, ...).
int HttpStatus(Code code);

// The problem document SendProblem(res, status) sends (its "status" member is
// HttpStatus(status.code())), for answers that carry problems inside them (the batch route).
nlohmann::json ProblemJson(const Status& status);

// Fills `res` with the problem document for `status` (which must not be ok).
void SendProblem(httplib::Response& res, const Status& status);

// A problem of an HTTP-level cause that has no Status code: `type` is its stable name
// ("payload_too_large", "unsupported_encoding", "not_found_route", ...).
void SendProblem(httplib::Response& res, int http_status, std::string_view type,
                 std::string_view detail);

}  // namespace vigil::api

#endif  // VIGIL_API_PROBLEM_H_
