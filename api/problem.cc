#include "api/problem.h"

#include <nlohmann/json.hpp>

namespace vigil::api {

namespace {

const char* Title(int http_status) {
  switch (http_status) {
    case 400:
      return "Bad request";
    case 401:
      return "Signature required";
    case 403:
      return "Forbidden";
    case 404:
      return "Not found";
    case 405:
      return "Method not allowed";
    case 408:
      return "Request timeout";
    case 409:
      return "Conflict";
    case 411:
      return "Length required";
    case 413:
      return "Payload too large";
    case 414:
      return "URI too long";
    case 415:
      return "Unsupported media type";
    case 422:
      return "Rule violated";
    case 429:
      return "Too many requests";
    case 431:
      return "Request header fields too large";
    case 503:
      return "Service unavailable";
    case 507:
      return "Insufficient storage";
    default:
      return "Internal error";
  }
}

nlohmann::json Document(int http_status, std::string_view type, std::string_view detail,
                        const std::vector<Violation>* violations) {
  nlohmann::json j = {{"type", "/problems/" + std::string(type)},
                      {"title", Title(http_status)},
                      {"status", http_status},
                      {"detail", std::string(detail)}};
  if (violations != nullptr && !violations->empty()) {
    nlohmann::json list = nlohmann::json::array();
    for (const Violation& v : *violations)
      list.push_back({{"code", v.code}, {"message", v.message}});
    j["violations"] = list;
  }
  return j;
}

void Send(httplib::Response& res, int http_status, std::string_view type, std::string_view detail,
          const std::vector<Violation>* violations) {
  const nlohmann::json j = Document(http_status, type, detail, violations);
  res.status = http_status;
  if (http_status == 503) res.set_header("Retry-After", "1");
  res.set_content(j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                  "application/problem+json");
}

}  // namespace

int HttpStatus(Code code) {
  switch (code) {
    case Code::kOk:
      return 200;
    case Code::kInvalidArgument:
      return 400;
    case Code::kNotFound:
      return 404;
    case Code::kConflict:
      return 409;
    case Code::kUnauthenticated:
      return 401;
    case Code::kPermissionDenied:
      return 403;
    case Code::kRuleViolation:
      return 422;
    case Code::kUnavailable:
      return 503;
    case Code::kFailedPrecondition:
      return 503;
    case Code::kResourceExhausted:
      return 507;
    case Code::kTooManyRequests:
      return 429;
    case Code::kIoError:
    case Code::kCorruption:
    case Code::kInternal:
      return 500;
  }
  return 500;
}

namespace {
// Server-side failures keep their details in the log, not in the answer.
std::string_view DetailOf(const Status& status) {
  return HttpStatus(status.code()) == 500 ? "the server failed to handle this request; the "
                                            "operator can find the cause in the server log"
                                          : std::string_view(status.message());
}
}  // namespace

nlohmann::json ProblemJson(const Status& status) {
  const bool retry = status.code() == Code::kTooManyRequests;  // details: the Retry-After
  return Document(HttpStatus(status.code()), CodeName(status.code()), DetailOf(status),
                  retry ? nullptr : &status.details());
}

void SendProblem(httplib::Response& res, const Status& status) {
  const int http = HttpStatus(status.code());
  std::string_view detail = DetailOf(status);
  if (status.code() == Code::kTooManyRequests) {  // details: {"retry_after", seconds}
    const bool has = !status.details().empty() && status.details()[0].code == "retry_after";
    Send(res, http, CodeName(status.code()), detail, nullptr);
    res.set_header("Retry-After", has ? status.details()[0].message : "1");
    return;
  }
  Send(res, http, CodeName(status.code()), detail, &status.details());
}

void SendProblem(httplib::Response& res, int http_status, std::string_view type,
                 std::string_view detail) {
  Send(res, http_status, type, detail, nullptr);
}

}  // namespace vigil::api
