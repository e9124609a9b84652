// The vigil command's HTTP client: plain or TLS, with request signing (api/request_signature.h)
// for routes that need it. Not thread-safe; one per thread.
#ifndef VIGIL_CLI_CLIENT_H_
#define VIGIL_CLI_CLIENT_H_

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "keys/key.h"
#include "keys/result.h"

namespace httplib {
class Client;
}

namespace vigil::cli {

struct Response {
  int status = 0;
  std::string body;
  std::string content_type;
  bool ok() const { return status >= 200 && status < 300; }
  // For an error answer: the problem's detail and the codes of the rules it lists, or the
  // status and the start of the body when it is not a problem object. Never fails.
  std::string ProblemText() const;
};

// Percent-encodes everything but unreserved characters (RFC 3986), for paths and queries.
std::string UrlEncode(const std::string& s);

// The answer to one submitted record (POST /v1/entries).
struct SubmitResult {
  int status = 0;  // 201 appended, 200 already in the log, 4xx/5xx refused
  bool accepted() const { return status == 200 || status == 201; }
  uint64_t seq = 0;     // when accepted
  std::string problem;  // when refused: the problem type's code, e.g. "rule_violation"
  std::string detail;   // when refused: the server's detail
  std::vector<std::pair<std::string, std::string>> violations;  // (code, message) per rule broken
  std::string body;  // the server's answer (the receipt when accepted)
  // The rule codes, comma separated ("stock_negative,licence_invalid"), or the problem code
  // when no rule is listed ("conflict").
  std::string Codes() const;
};

// One record's dry-run answer (POST /v1/entries?dry_run=true, or one item of the batch route's
// dry run; docs/api.md "Dry runs").
struct DryRunResult {
  int status = 0;  // 200: a verdict below; otherwise the problem an append would answer
  bool accepted = false;
  bool duplicate = false;  // already in the log (or earlier in the same batch) as entry `seq`
  uint64_t seq = 0;
  std::vector<std::pair<std::string, std::string>> violations;  // (code, message)
  nlohmann::json alerts = nlohmann::json::array();              // the alerts the signer may read
  std::string problem;  // status != 200: the problem type's code
  std::string detail;   // status != 200: the server's detail
  // The rule codes, comma separated, or the problem code when none is listed.
  std::string Codes() const;
};

// The most records one batch request may carry (api/server.h kMaxBatchItems).
inline constexpr size_t kMaxBatchRecords = 1000;

class Client {
 public:
  // `base_url` like "http://127.0.0.1:8080" or "https://vigil.example". Errors:
  // kInvalidArgument for a URL that is not http(s)://host[:port].
  static Result<std::unique_ptr<Client>> Connect(const std::string& base_url);
  ~Client();

  // Errors: kIoError when the server cannot be reached (the message says which URL).
  Result<Response> Get(const std::string& target, const SecretKey* signer = nullptr);
  Result<Response> Post(const std::string& target, const std::string& json_body,
                        const SecretKey* signer = nullptr);

  // The participant and role of `key`, from GET /v1/me: {"participant","role","key","record"},
  // each of its type (cli/reply_shape.h). Errors: kIoError (unreachable, or a reply of another
  // shape), kPermissionDenied with the server's words (key unknown or revoked).
  Result<nlohmann::json> Me(const SecretKey& key);

  // Serializes `payload` compactly with keys sorted (so the same payload always gives the same
  // bytes and a resend is idempotent), signs it with `key` and each of `cosigners`, and posts
  // it. Errors: kIoError when the server cannot be reached, or when it accepts the record (200
  // or 201) with something that is not a receipt; every other HTTP answer is a SubmitResult.
  Result<SubmitResult> Submit(const nlohmann::json& payload, const SecretKey& key,
                              const std::vector<SecretKey>& cosigners = {});

  // Signs each payload as Submit does and sends them in one request by the batch route
  // (POST /v1/entries:batch; at most kMaxBatchRecords). Result i belongs to payloads[i]: its
  // status, seq and receipt body, or its problem, exactly as Submit would give. Errors:
  // kIoError when the server cannot be reached or its reply is not a batch answer of that many
  // results (then any of the records may be in the log: a rerun is safe).
  Result<std::vector<SubmitResult>> SubmitBatch(const std::vector<nlohmann::json>& payloads,
                                                const SecretKey& key,
                                                const std::vector<SecretKey>& cosigners = {});

  // What appending the payloads (signed as Submit does) would do, appending nothing: one
  // payload by POST /v1/entries?dry_run=true, more (at most kMaxBatchRecords) by the batch
  // route's dry run, where each is judged after the accepted ones before it. Errors: kIoError
  // (unreachable, or a reply of another shape).
  Result<std::vector<DryRunResult>> DryRun(const std::vector<nlohmann::json>& payloads,
                                           const SecretKey& key,
                                           const std::vector<SecretKey>& cosigners = {});

  // The origin of the server's log (GET /v1/log, asked once): what request and record
  // signatures are bound to (keys/key.h SignContext). Errors: kIoError.
  Result<std::string> Origin();

 private:
  Client() = default;
  // The append body of `payload` signed by `key` and `cosigners` for this server's log.
  Result<nlohmann::json> SignedBody(const nlohmann::json& payload, const SecretKey& key,
                                    const std::vector<SecretKey>& cosigners);
  std::string base_url_;
  std::string origin_;  // "" until Origin() has asked
  std::unique_ptr<httplib::Client> http_;
};

}  // namespace vigil::cli

#endif  // VIGIL_CLI_CLIENT_H_
