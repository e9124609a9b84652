#include "cli/client.h"

#include <httplib.h>
#include <sodium.h>

#include <cctype>
#include <chrono>
#include <nlohmann/json.hpp>

#include "api/request_signature.h"
#include "cli/reply_shape.h"

namespace vigil::cli {

namespace {

std::string Nonce() {
  unsigned char raw[18];
  randombytes_buf(raw, sizeof raw);
  std::string b64 = Base64Encode(std::string_view(reinterpret_cast<char*>(raw), sizeof raw));
  for (char& c : b64) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return b64;
}

httplib::Headers SignedHeaders(const std::string& method, const std::string& target,
                               const std::string& body, const SecretKey& signer,
                               std::string_view origin) {
  httplib::Headers h;
  const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  for (auto& [k, v] : api::SignRequest({method, target, body}, signer, origin, now, Nonce())) {
    h.emplace(k, v);
  }
  return h;
}

// A string field of a problem object, or "" when it is missing or not a string: an error
// answer is shown as well as it can be, never refused for its shape.
std::string ProblemField(const nlohmann::json& j, const char* name) {
  auto it = j.find(name);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

// The (code, message) pairs of a problem's "violations", skipping entries of another shape.
std::vector<std::pair<std::string, std::string>> ProblemViolations(const nlohmann::json& j) {
  std::vector<std::pair<std::string, std::string>> out;
  auto it = j.find("violations");
  if (it == j.end() || !it->is_array()) return out;
  for (const auto& v : *it) {
    if (!v.is_object()) continue;
    const std::string code = ProblemField(v, "code");
    out.emplace_back(code.empty() ? "?" : code, ProblemField(v, "message"));
  }
  return out;
}

// The first 200 bytes of an answer that is not a problem object, as one line.
std::string BodyExcerpt(const std::string& body) {
  std::string s = body.substr(0, 200);
  for (char& c : s) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return s;
}

// Fills the refusal fields of `s` (problem, detail, violations) from the problem `j` of an
// answer with HTTP status `status` whose body was `body`.
template <typename R>
void FillProblem(R& s, const nlohmann::json& j, int status, const std::string& body) {
  if (j.is_object()) {
    const std::string type = ProblemField(j, "type");
    const size_t slash = type.rfind('/');
    s.problem = slash == std::string::npos ? type : type.substr(slash + 1);
    s.detail = ProblemField(j, "detail");
    s.violations = ProblemViolations(j);
  }
  if (s.problem.empty()) s.problem = "http_" + std::to_string(status);
  if (s.detail.empty()) {
    s.detail = "HTTP " + std::to_string(status) + (body.empty() ? "" : ": " + BodyExcerpt(body));
  }
}

using S = JsonShape;

const JsonShape& VerdictShape() {
  static const JsonShape& shape = *new JsonShape(
      S::Object({Required("dry_run", S::Bool()), Required("accepted", S::Bool()),
                 Optional("duplicate", S::Bool()), Optional("seq", S::Uint64()),
                 Required("violations", S::ArrayOf(S::Object({Required("code", S::String()),
                                                              Required("message", S::String())}))),
                 Required("alerts", S::ArrayOf(S::Object({Required("kind", S::String())})))}));
  return shape;
}

// The batch route's answer: {"results": [{"status", ...}]} (with "dry_run" for a dry run).
const JsonShape& BatchShape() {
  static const JsonShape& shape = *new JsonShape(
      S::Object({Required("results", S::ArrayOf(S::Object({Optional("status", S::Uint64())})))}));
  return shape;
}

// A verdict object `v` (VerdictShape checked) as a DryRunResult.
DryRunResult FromVerdict(const nlohmann::json& v) {
  DryRunResult r;
  r.status = 200;
  r.accepted = v["accepted"].get<bool>();
  r.duplicate = v.value("duplicate", false);
  r.seq = v.contains("seq") ? v["seq"].get<uint64_t>() : 0;
  for (const auto& x : v["violations"]) {
    r.violations.emplace_back(x["code"].get<std::string>(), x["message"].get<std::string>());
  }
  r.alerts = v["alerts"];
  return r;
}

}  // namespace

std::string DryRunResult::Codes() const {
  std::string s;
  for (const auto& [code, message] : violations) s += (s.empty() ? "" : ",") + code;
  return s.empty() ? problem : s;
}

std::string Response::ProblemText() const {
  nlohmann::json j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return "HTTP " + std::to_string(status) + (body.empty() ? "" : ": " + BodyExcerpt(body));
  }
  std::string s = ProblemField(j, "detail");
  if (s.empty()) s = "HTTP " + std::to_string(status);
  for (const auto& [code, message] : ProblemViolations(j)) s += "\n    - " + code + ": " + message;
  return s;
}

std::string UrlEncode(const std::string& s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (char raw : s) {
    const auto ch = static_cast<unsigned char>(raw);
    if (std::isalnum(ch) != 0 || ch == '-' || ch == '_' || ch == '.' || ch == '~') {
      out.push_back(static_cast<char>(ch));
    } else {
      out += '%';
      out += kHex[ch >> 4];
      out += kHex[ch & 15];
    }
  }
  return out;
}

std::string SubmitResult::Codes() const {
  std::string s;
  for (const auto& [code, message] : violations) s += (s.empty() ? "" : ",") + code;
  return s.empty() ? problem : s;
}

Result<nlohmann::json> Client::Me(const SecretKey& key) {
  Result<Response> res = Get("/v1/me", &key);
  if (!res.ok()) return res.status();
  if (!res->ok()) {
    return Status(Code::kPermissionDenied, "key " + key.Id() + ": " + res->ProblemText());
  }
  return ParseReply(*res, "GET /v1/me", MeShape(), "the caller's participant and role");
}

Result<std::string> Client::Origin() {
  if (!origin_.empty()) return origin_;
  httplib::Result r = http_->Get("/v1/log");
  if (!r) {
    return Status(Code::kIoError,
                  "cannot reach " + base_url_ + ": " + httplib::to_string(r.error()));
  }
  Response res{r->status, r->body, r->get_header_value("Content-Type")};
  if (!res.ok()) return Status(Code::kIoError, "GET /v1/log: " + res.ProblemText());
  Result<nlohmann::json> log = ParseReply(res, "GET /v1/log", LogInfoShape(), "the log's facts");
  if (!log.ok()) return log.status();
  origin_ = (*log)["origin"].get<std::string>();
  return origin_;
}

Result<nlohmann::json> Client::SignedBody(const nlohmann::json& payload, const SecretKey& key,
                                          const std::vector<SecretKey>& cosigners) {
  Result<std::string> origin = Origin();
  if (!origin.ok()) return origin.status();
  const std::string bytes = payload.dump();
  nlohmann::json body = {{"signer", key.Id()},
                         {"payload", bytes},
                         {"sig", Base64Encode(key.Sign(SignContext::kEntry, *origin, bytes))}};
  for (const SecretKey& c : cosigners) {
    body["cosigners"].push_back(
        {{"signer", c.Id()}, {"sig", Base64Encode(c.Sign(SignContext::kEntry, *origin, bytes))}});
  }
  return body;
}

Result<SubmitResult> Client::Submit(const nlohmann::json& payload, const SecretKey& key,
                                    const std::vector<SecretKey>& cosigners) {
  Result<nlohmann::json> body = SignedBody(payload, key, cosigners);
  if (!body.ok()) return body.status();
  Result<Response> res = Post("/v1/entries", body->dump());
  if (!res.ok()) return res.status();
  SubmitResult s;
  s.status = res->status;
  s.body = res->body;
  if (s.accepted()) {
    Result<nlohmann::json> receipt =
        ParseReply(*res, "POST /v1/entries", ReceiptShape(), "a receipt");
    if (!receipt.ok()) {
      return Status(Code::kIoError, receipt.status().message() + " (the server answered " +
                                        std::to_string(s.status) +
                                        ": the record may be in the log)");
    }
    s.seq = (*receipt)["seq"].get<uint64_t>();
    return s;
  }
  FillProblem(s, nlohmann::json::parse(res->body, nullptr, false), s.status, res->body);
  return s;
}

Result<std::vector<SubmitResult>> Client::SubmitBatch(const std::vector<nlohmann::json>& payloads,
                                                      const SecretKey& key,
                                                      const std::vector<SecretKey>& cosigners) {
  nlohmann::json body = {{"entries", nlohmann::json::array()}};
  for (const nlohmann::json& p : payloads) {
    Result<nlohmann::json> item = SignedBody(p, key, cosigners);
    if (!item.ok()) return item.status();
    body["entries"].push_back(std::move(*item));
  }
  const std::string request = "POST /v1/entries:batch";
  Result<Response> res = Post("/v1/entries:batch", body.dump());
  if (!res.ok()) return res.status();
  auto bad = [&](const std::string& why) {
    return Status(Code::kIoError, "the server's reply to " + request +
                                      " is not a batch answer: " + why +
                                      " (any of its records may be in the log: rerun to see)");
  };
  if (!res->ok()) return bad("HTTP " + std::to_string(res->status) + ": " + res->ProblemText());
  Result<nlohmann::json> j = ParseReply(*res, request, BatchShape(), "a batch answer");
  if (!j.ok()) return j.status();
  const nlohmann::json& results = (*j)["results"];
  if (results.size() != payloads.size()) {
    return bad(std::to_string(results.size()) + " results for " + std::to_string(payloads.size()) +
               " records");
  }
  std::vector<SubmitResult> out;
  for (size_t i = 0; i < results.size(); ++i) {
    const nlohmann::json& item = results[i];
    SubmitResult s;
    s.status = static_cast<int>(item.value("status", uint64_t{0}));
    const std::string where = "results[" + std::to_string(i) + "]";
    if (s.accepted()) {
      if (!item.contains("receipt")) return bad(where + " has no receipt");
      const std::string mismatch = ReceiptShape().Mismatch(item["receipt"]);
      if (!mismatch.empty()) return bad(where + ".receipt: " + mismatch);
      s.seq = item["receipt"]["seq"].get<uint64_t>();
      s.body = item["receipt"].dump();
    } else {
      if (s.status < 400 || s.status > 599) return bad(where + " has no HTTP status");
      const nlohmann::json problem = item.value("problem", nlohmann::json());
      s.body = problem.dump();
      FillProblem(s, problem, s.status, "");
    }
    out.push_back(std::move(s));
  }
  return out;
}

Result<std::vector<DryRunResult>> Client::DryRun(const std::vector<nlohmann::json>& payloads,
                                                 const SecretKey& key,
                                                 const std::vector<SecretKey>& cosigners) {
  std::vector<DryRunResult> out;
  if (payloads.size() == 1) {
    Result<nlohmann::json> body = SignedBody(payloads[0], key, cosigners);
    if (!body.ok()) return body.status();
    Result<Response> res = Post("/v1/entries?dry_run=true", body->dump());
    if (!res.ok()) return res.status();
    if (res->status == 200) {
      Result<nlohmann::json> v =
          ParseReply(*res, "POST /v1/entries?dry_run=true", VerdictShape(), "a dry-run verdict");
      if (!v.ok()) return v.status();
      out.push_back(FromVerdict(*v));
    } else {
      DryRunResult r;
      r.status = res->status;
      FillProblem(r, nlohmann::json::parse(res->body, nullptr, false), r.status, res->body);
      out.push_back(std::move(r));
    }
    return out;
  }
  nlohmann::json body = {{"entries", nlohmann::json::array()}};
  for (const nlohmann::json& p : payloads) {
    Result<nlohmann::json> item = SignedBody(p, key, cosigners);
    if (!item.ok()) return item.status();
    body["entries"].push_back(std::move(*item));
  }
  const std::string request = "POST /v1/entries:batch?dry_run=true";
  Result<Response> res = Post("/v1/entries:batch?dry_run=true", body.dump());
  if (!res.ok()) return res.status();
  auto bad = [&](const std::string& why) {
    return Status(Code::kIoError,
                  "the server's reply to POST /v1/entries:batch is not a "
                  "batch of dry-run verdicts: " +
                      why);
  };
  if (!res->ok()) return bad("HTTP " + std::to_string(res->status) + ": " + res->ProblemText());
  Result<nlohmann::json> j = ParseReply(*res, request, BatchShape(), "a batch of dry-run verdicts");
  if (!j.ok()) return j.status();
  const nlohmann::json& results = (*j)["results"];
  if (results.size() != payloads.size()) {
    return bad(std::to_string(results.size()) + " results for " + std::to_string(payloads.size()) +
               " records");
  }
  for (size_t i = 0; i < results.size(); ++i) {
    const nlohmann::json& item = results[i];
    if (item.contains("status")) {  // what an append would refuse before any verdict
      DryRunResult r;
      r.status = static_cast<int>(item["status"].get<uint64_t>());
      FillProblem(r, item.value("problem", nlohmann::json()), r.status, "");
      out.push_back(std::move(r));
      continue;
    }
    const std::string mismatch = VerdictShape().Mismatch(item);
    if (!mismatch.empty()) return bad("results[" + std::to_string(i) + "]: " + mismatch);
    out.push_back(FromVerdict(item));
  }
  return out;
}

Result<std::unique_ptr<Client>> Client::Connect(const std::string& base_url) {
  if (base_url.rfind("http://", 0) != 0 && base_url.rfind("https://", 0) != 0) {
    return Status(Code::kInvalidArgument,
                  "the server URL must start with http:// or https://, e.g. http://127.0.0.1:8080");
  }
  std::unique_ptr<Client> c(new Client());
  c->base_url_ = base_url;
  while (!c->base_url_.empty() && c->base_url_.back() == '/') c->base_url_.pop_back();
  c->http_ = std::make_unique<httplib::Client>(c->base_url_);
  c->http_->set_connection_timeout(5, 0);
  c->http_->set_read_timeout(60, 0);
  c->http_->set_keep_alive(true);
  c->http_->set_tcp_nodelay(true);  // otherwise Nagle + delayed ACK add ~40 ms per request
  return c;
}

Client::~Client() = default;

Result<Response> Client::Get(const std::string& target, const SecretKey* signer) {
  httplib::Headers headers;
  if (signer != nullptr) {
    Result<std::string> origin = Origin();
    if (!origin.ok()) return origin.status();
    headers = SignedHeaders("GET", target, "", *signer, *origin);
  }
  httplib::Result r = http_->Get(target, headers);
  if (!r) {
    return Status(Code::kIoError,
                  "cannot reach " + base_url_ + ": " + httplib::to_string(r.error()));
  }
  return Response{r->status, r->body, r->get_header_value("Content-Type")};
}

Result<Response> Client::Post(const std::string& target, const std::string& json_body,
                              const SecretKey* signer) {
  httplib::Headers headers;
  if (signer != nullptr) {
    Result<std::string> origin = Origin();
    if (!origin.ok()) return origin.status();
    headers = SignedHeaders("POST", target, json_body, *signer, *origin);
  }
  httplib::Result r = http_->Post(target, headers, json_body, "application/json");
  if (!r) {
    return Status(Code::kIoError,
                  "cannot reach " + base_url_ + ": " + httplib::to_string(r.error()));
  }
  return Response{r->status, r->body, r->get_header_value("Content-Type")};
}

}  // namespace vigil::cli
