#include "api/server.h"

#include <httplib.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>

#include "api/connections.h"
#include "api/csv_routes.h"
#include "api/httplib_access.h"
#include "api/problem.h"
#include "api/request_head.h"
#include "api/web_routes.h"
#include "api/witnessing.h"
#include "ledger/access.h"

namespace vigil::api {

namespace {

// The raw path (before any '?') must be the one encoding of what it decodes to: a
// percent-encoded letter, digit, "-._~" or "/" reaches the same route as the plain character,
// past a proxy rule that matches the raw path ("/%6detrics" is "/metrics"). A '%' must start a
// percent-encoding.
bool CanonicalPath(std::string_view target) {
  const std::string_view path = target.substr(0, target.find('?'));
  for (size_t i = 0; i < path.size(); ++i) {
    if (path[i] != '%') continue;
    if (i + 2 >= path.size() || !std::isxdigit(static_cast<unsigned char>(path[i + 1])) ||
        !std::isxdigit(static_cast<unsigned char>(path[i + 2]))) {
      return false;
    }
    const int v = std::stoi(std::string(path.substr(i + 1, 2)), nullptr, 16);
    if (std::isalnum(v) || v == '-' || v == '.' || v == '_' || v == '~' || v == '/') return false;
  }
  return true;
}

const char* Reason(int status) {
  switch (status) {
    case 400:
      return "Bad Request";
    case 408:
      return "Request Timeout";
    case 414:
      return "URI Too Long";
    case 431:
      return "Request Header Fields Too Large";
    case 503:
      return "Service Unavailable";
    default:
      return "Error";
  }
}

// A connection that reads from a string and collects what is written.
class StringStream : public httplib::Stream {
 public:
  explicit StringStream(std::string_view in) : in_(in) {}
  bool is_readable() const override { return true; }
  bool is_writable() const override { return true; }
  ssize_t read(char* ptr, size_t size) override {
    const size_t n = std::min(size, in_.size() - pos_);
    std::memcpy(ptr, in_.data() + pos_, n);
    pos_ += n;
    return static_cast<ssize_t>(n);
  }
  ssize_t write(const char* ptr, size_t size) override {
    out_.append(ptr, size);
    return static_cast<ssize_t>(size);
  }
  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    ip = "raw";
    port = 0;
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    ip = "raw";
    port = 0;
  }
  socket_t socket() const override { return INVALID_SOCKET; }
  std::string& out() { return out_; }

 private:
  std::string_view in_;
  size_t pos_ = 0;
  std::string out_;
};

// Strict UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing above U+10FFFF.
bool IsUtf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t n = 0;
    uint32_t cp = 0, min = 0;
    if (c < 0x80) {
      ++i;
      continue;
    }
    if (c >= 0xC2 && c <= 0xDF) {
      n = 1;
      cp = c & 0x1Fu;
      min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
      n = 2;
      cp = c & 0x0Fu;
      min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 3;
      cp = c & 0x07u;
      min = 0x10000;
    } else
      return false;
    for (size_t k = 1; k <= n; ++k) {
      if (i + k >= s.size()) return false;
      const auto d = static_cast<unsigned char>(s[i + k]);
      if ((d & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (d & 0x3Fu);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += n + 1;
  }
  return true;
}

// Printable ASCII only, at most `max` bytes: for echoing a header value in a problem detail.
std::string Printable(std::string_view s, size_t max) {
  std::string out;
  for (char c : s.substr(0, max)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
  return out;
}

// Answers a request refused before its body was read, and closes the connection: otherwise the
// unread body would be parsed as the next request (request smuggling). httplib 0.11.4 ignores
// a "Connection: close" header, but closes when a content provider reports failure, so the
// problem document is sent through one that writes it all and then returns false.
void RefuseAndClose(httplib::Response& res, int status, std::string_view type,
                    std::string_view detail) {
  SendProblem(res, status, type, detail);
  auto body = std::make_shared<std::string>(std::move(res.body));
  res.body.clear();
  const std::string content_type = res.get_header_value("Content-Type");
  res.headers.erase("Content-Type");
  res.set_header("Connection", "close");
  res.set_content_provider(body->size(), content_type.c_str(),
                           [body](size_t offset, size_t, httplib::DataSink& sink) {
                             sink.write(body->data() + offset, body->size() - offset);
                             return false;
                           });
}
}  // namespace

struct Server::Metrics {
  std::mutex mu;
  std::map<int, uint64_t> responses;           // by HTTP status
  std::map<std::string, uint64_t> rejections;  // by violation or error code
  std::atomic<uint64_t> proofs{0};
  std::atomic<uint64_t> proof_us_total{0};
};

Server::Server(Ledger& ledger, Writer& writer, ServerOptions options)
    : ledger_(ledger),
      log_(ledger.log()),
      writer_(writer),
      options_(std::move(options)),
      head_limits_{options_.max_body_bytes,
                   options_.max_header_count,
                   options_.max_header_bytes,
                   {{"POST", kBatchPath, options_.max_batch_body_bytes}}},
      auth_(ledger.log()),
      quota_(options_.quota),
      metrics_(std::make_unique<Metrics>()) {
  if (!options_.tls_cert.empty() && !options_.tls_key.empty()) {
    http_ =
        std::make_unique<httplib::SSLServer>(options_.tls_cert.c_str(), options_.tls_key.c_str());
  } else {
    http_ = std::make_unique<httplib::Server>();
  }
  const int threads = options_.threads;
  http_->new_task_queue = [threads] {
    return new httplib::ThreadPool(static_cast<size_t>(threads));
  };
  http_->set_payload_max_length(LargestBodyBytes(head_limits_));
  http_->set_read_timeout(options_.read_timeout_s, 0);
  http_->set_write_timeout(options_.write_timeout_s, 0);
  http_->set_keep_alive_timeout(5);
  http_->set_keep_alive_max_count(100);
  http_->set_tcp_nodelay(true);  // headers and body go out in separate writes

  // Body limits that hold however a body is sent: the payload limit covers Content-Length
  // only, so chunked and compressed bodies are refused before they are read.
  http_->set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    // Header syntax errors httplib would pass over (a name with whitespace before its colon is
    // kept as another name: "Transfer-Encoding " would be ignored, and a proxy may honour it).
    // The FrontDoor refuses these from the raw bytes already; this holds for native TLS too.
    for (const auto& [name, value] : req.headers) {
      if (!IsToken(name)) {
        RefuseAndClose(res, 400, "bad_request",
                       "a header name holds a character that is not allowed there (RFC 9110 "
                       "§5.1; no whitespace before the colon)");
        return httplib::Server::HandlerResponse::Handled;
      }
    }
    // A body on GET or HEAD is refused, not ignored: ignored, it would be read as the next
    // request on the connection (a desync behind a proxy that forwards it).
    if ((req.method == "GET" || req.method == "HEAD") &&
        (req.has_header("Transfer-Encoding") ||
         (req.has_header("Content-Length") &&
          req.get_header_value("Content-Length").find_first_not_of('0') != std::string::npos))) {
      RefuseAndClose(res, 400, "bad_request", "a GET or HEAD request may not carry a body");
      return httplib::Server::HandlerResponse::Handled;
    }
    if (req.has_header("Transfer-Encoding")) {
      RefuseAndClose(res, 411, "length_required",
                     "send the body with a Content-Length; chunked bodies are not accepted");
      return httplib::Server::HandlerResponse::Handled;
    }
    if ((req.method == "POST" || req.method == "PUT" || req.method == "PATCH") &&
        !req.has_header("Content-Length")) {
      RefuseAndClose(res, 411, "length_required", "send the body with a Content-Length");
      return httplib::Server::HandlerResponse::Handled;
    }
    if (!CanonicalPath(req.target)) {
      RefuseAndClose(res, 400, "invalid_argument",
                     "needless percent-encoding in the path: send a letter, digit, \"-._~\" or "
                     "\"/\" as itself, and '%' only as the start of a percent-encoding");
      return httplib::Server::HandlerResponse::Handled;
    }
    const std::string enc = req.get_header_value("Content-Encoding");
    if (!enc.empty() && enc != "identity") {
      RefuseAndClose(res, 415, "unsupported_encoding",
                     "compressed request bodies are not accepted (Content-Encoding: " +
                         Printable(enc, 32) + ")");
      return httplib::Server::HandlerResponse::Handled;
    }
    // Handlers see the path and query percent-decoded and may echo them in JSON answers, which
    // cannot hold bytes that are not UTF-8 (writing the answer would throw: a 500).
    bool utf8 = IsUtf8(req.path);
    for (const auto& [name, value] : req.params) utf8 = utf8 && IsUtf8(name) && IsUtf8(value);
    if (!utf8) {
      RefuseAndClose(res, 400, "invalid_argument",
                     "the path and query must be UTF-8 (after percent-decoding)");
      return httplib::Server::HandlerResponse::Handled;
    }
    // One Content-Length, digits only (RFC 9112 §6.3): httplib would read the first of several
    // and take "abc" as 0, while a proxy in front may read another, and the bytes they disagree
    // on become a second request (request smuggling).
    const size_t lengths = req.get_header_value_count("Content-Length");
    const std::string length = req.get_header_value("Content-Length");
    if (lengths > 1 || (lengths == 1 && (length.empty() || length.find_first_not_of("0123456789") !=
                                                               std::string::npos))) {
      RefuseAndClose(res, 400, "bad_request",
                     "send exactly one Content-Length header, a decimal number of bytes");
      return httplib::Server::HandlerResponse::Handled;
    }
    const size_t max_body = MaxBodyBytes(head_limits_, req.method, req.target);
    if (lengths > 0 && req.get_header_value<uint64_t>("Content-Length") > max_body) {
      RefuseAndClose(res, 413, "payload_too_large",
                     "the body is larger than " + std::to_string(max_body) + " bytes");
      return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });
  // An exception must never leak its text: log it, answer "internal".
  http_->set_exception_handler(
      [](const httplib::Request& req, httplib::Response& res, std::exception_ptr ep) {
        std::string what = "unknown exception";
        try {
          std::rethrow_exception(ep);
        } catch (const std::exception& e) {
          what = e.what();
        } catch (...) {
        }
        const std::string_view target = req.target;
        spdlog::error("handler for {} {} threw: {}", EscapeForLog(req.method),
                      EscapeForLog(target.substr(0, target.find('?'))), EscapeForLog(what));
        SendProblem(res, Status(Code::kInternal, "exception"));
      });
  // Errors httplib produces itself (no route, body too large, bad request line).
  http_->set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (!res.body.empty() || res.content_provider_) return;
    switch (res.status) {
      case 404:
        SendProblem(res, 404, "no_route", "no such endpoint; see docs/api.md");
        break;
      case 413:
        SendProblem(res, 413, "payload_too_large", "the request body is too large");
        break;
      case 414:
        SendProblem(res, 414, "uri_too_long", "the request line is too long");
        break;
      case 408:
        SendProblem(res, 408, "request_timeout", "the request was not received in time");
        break;
      default:
        SendProblem(res, res.status, "bad_request", "the request could not be handled");
    }
  });
  http_->set_logger([this](const httplib::Request& req, const httplib::Response& res) {
    {
      std::lock_guard<std::mutex> lock(metrics_->mu);
      metrics_->responses[res.status]++;
    }
    // Paths carry ids and sequence numbers only; bodies, headers and queries are not logged.
    // The raw path, never the decoded one, with every control or non-ASCII byte written as
    // \xNN: a client cannot forge a log line ("%0A") or reach the operator's terminal.
    const std::string_view target = req.target;
    spdlog::info("{} {} {} {} from {}", EscapeForLog(req.method),
                 EscapeForLog(target.substr(0, target.find('?'))), res.status, res.body.size(),
                 EscapeForLog(req.remote_addr));
  });
  routes_ = LogRoutes();
  for (Route& r : QueryRoutes()) routes_.push_back(std::move(r));
  for (Route& r : WebRoutes()) routes_.push_back(std::move(r));  // the explorer page
  for (Route& r : CsvRoutes()) routes_.push_back(std::move(r));  // CSV rows to payloads
  for (const Route& r : routes_) Install(r);

  if (options_.tls_cert.empty() || options_.tls_key.empty()) {
    FrontDoorOptions door;
    door.threads = options_.threads;
    door.head_timeout_s = options_.read_timeout_s;
    door.body_timeout_s = options_.read_timeout_s;
    door.body_min_rate = options_.body_min_rate;
    door.write_timeout_s = options_.write_timeout_s;
    door.keep_alive_s = options_.keep_alive_s;
    door.max_body_bytes = options_.max_body_bytes;
    door.route_body_limits = head_limits_.routes;
    door.max_header_count = options_.max_header_count;
    door.max_header_bytes = options_.max_header_bytes;
    door.max_connections = options_.max_connections;
    door.max_connections_per_client = options_.max_connections_per_client;
    door.max_buffered_bytes = options_.max_buffered_bytes;
    door_ = std::make_unique<FrontDoor>(
        door,
        [this](httplib::Stream& strm, bool must_close, bool& closed) {
          return RequestProcessor::Process(*http_, strm, must_close, closed);
        },
        [this](int status, std::string_view type, std::string_view detail,
               const std::string& peer) { return Refusal(status, type, detail, peer); });
  } else {
    // httplib's default socket options set SO_REUSEPORT, which lets a second server share the
    // port silently; SO_REUSEADDR alone lets a restart bind past TIME_WAIT.
    http_->set_socket_options([](socket_t sock) {
      const int one = 1;
      ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    });
  }
}

std::string Server::Refusal(int status, std::string_view type, std::string_view detail,
                            const std::string& peer) {
  {
    std::lock_guard<std::mutex> lock(metrics_->mu);
    metrics_->responses[status]++;
    metrics_->rejections[std::string(type)]++;
  }
  spdlog::info("refused {} {} from {}", status, type, EscapeForLog(peer));
  httplib::Response res;
  SendProblem(res, status, type, detail);
  std::string out = "HTTP/1.1 " + std::to_string(status) + " " + Reason(status) +
                    "\r\nContent-Type: application/problem+json\r\nContent-Length: " +
                    std::to_string(res.body.size()) + "\r\nConnection: close\r\n";
  if (status == 503) out += "Retry-After: 1\r\n";
  return out + "\r\n" + res.body;
}

Server::~Server() = default;

Status Server::Bind() {
  if (!http_->is_valid()) {
    return Status(Code::kIoError, "the TLS certificate " + options_.tls_cert + " or key " +
                                      options_.tls_key +
                                      " could not be loaded: both must be readable PEM files, "
                                      "and the key must be the certificate's");
  }
  if (door_ != nullptr) {
    Status s = door_->Bind(options_.host, options_.port);
    port_ = door_->port();
    if (s.ok()) ListeningSocket::Set(*http_, door_->listener());
    return s;
  }
  if (options_.port == 0) {
    port_ = http_->bind_to_any_port(options_.host);
    if (port_ <= 0) return Status(Code::kIoError, "cannot listen on " + options_.host);
  } else {
    if (!http_->bind_to_port(options_.host, options_.port)) {
      return Status(Code::kIoError, "cannot listen on " + options_.host + ":" +
                                        std::to_string(options_.port) +
                                        ": address in use, or not an address of this machine");
    }
    port_ = options_.port;
  }
  if (::listen(ListeningSocket::Of(*http_), SOMAXCONN) != 0) {
    return Status(Code::kIoError,
                  std::string("cannot raise the listen backlog: ") + std::strerror(errno));
  }
  return Status::Ok();
}

void Server::Run() {
  if (door_ != nullptr) {
    door_->Run();
  } else {
    http_->listen_after_bind();
  }
}

std::string Server::HandleRaw(std::string_view raw) {
  if (const HeadCheck head = CheckHead(raw, head_limits_);
      head.verdict == HeadCheck::Verdict::kRefused) {
    return Refusal(head.status, head.type, head.detail, "raw");
  }
  StringStream strm(raw);
  RequestProcessor::Process(*http_, strm);
  return std::move(strm.out());
}

void Server::Stop() {
  if (door_ != nullptr) {
    door_->Stop();
  } else {
    http_->stop();
  }
}

void Server::Fail(httplib::Response& res, const Status& status) {
  CountRefusal(status);
  SendProblem(res, status);
}

void Server::CountRefusal(const Status& status) {
  {
    std::lock_guard<std::mutex> lock(metrics_->mu);
    if (status.details().empty()) {
      metrics_->rejections[CodeName(status.code())]++;
    } else {
      for (const Violation& v : status.details()) metrics_->rejections[v.code]++;
    }
  }
  if (HttpStatus(status.code()) == 500) spdlog::error("request failed: {}", status.ToString());
}

std::optional<Caller> Server::Authenticate(const httplib::Request& req, httplib::Response& res) {
  const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  Result<Caller> caller = auth_.Authenticate(req, now);
  if (!caller.ok()) {
    Fail(res, caller.status());
    return std::nullopt;
  }
  return *caller;
}

const char* AccessName(Access access) {
  switch (access) {
    case Access::kPublic:
      return "public";
    case Access::kSigned:
      return "signed";
    case Access::kFullReader:
      return "full_reader";
    case Access::kAllEntries:
      return "all_entries";
    case Access::kPersonalData:
      return "personal_data";
  }
  return "?";
}

bool RoleAllowed(Access access, Role role) {
  switch (access) {
    case Access::kPublic:
    case Access::kSigned:
      return true;
    case Access::kFullReader:
      return access::ReadsEveryParticipant(role);
    case Access::kAllEntries:
      return access::ReadsAllEntries(role);
    case Access::kPersonalData:
      return access::ReadsPersonalData(role);
  }
  return false;
}

void Server::Install(const Route& route) {
  auto handler = [this, route](const httplib::Request& req, httplib::Response& res) {
    Call call{req, res, std::nullopt};
    if (route.access != Access::kPublic) {
      // An answer to a signed request (or its 401/403) is never stored by a cache on the way.
      // The one exception a handler may make is "private" (a full entry bundle: immutable, the
      // same for every caller allowed to read it, kept by the caller's own cache only).
      res.set_header("Cache-Control", "no-store");
      call.caller = Authenticate(req, res);
      if (!call.caller.has_value()) return;
      if (!RoleAllowed(route.access, call.caller->role)) {
        return Fail(res, Status(Code::kPermissionDenied,
                                std::string("a participant with role ") +
                                    std::string(RoleName(call.caller->role)) + " may not call " +
                                    route.method + " " + route.path));
      }
    }
    route.handler(call);
    if (route.access != Access::kPublic) {
      std::string kept;
      for (auto [it, end] = res.headers.equal_range("Cache-Control"); it != end; ++it) {
        if (it->second.rfind("private", 0) == 0) kept = it->second;
      }
      res.headers.erase("Cache-Control");
      res.set_header("Cache-Control", kept.empty() ? "no-store" : kept);
    }
  };
  if (route.method == "GET") {
    http_->Get(route.pattern, handler);
  } else {
    http_->Post(route.pattern, handler);
  }
}

void Server::CountProof(std::chrono::steady_clock::time_point start) {
  metrics_->proofs++;
  metrics_->proof_us_total +=
      static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                std::chrono::steady_clock::now() - start)
                                .count());
}

std::string Server::MetricsText() {
  const WriterStats& w = writer_.stats();
  std::string out;
  auto line = [&out](const std::string& name, const std::string& help, const std::string& type,
                     const std::string& samples) {
    out += "# HELP " + name + " " + help + "\n# TYPE " + name + " " + type + "\n" + samples;
  };
  // Counts print as exact integers (a double would round past 2^53); seconds as the shortest
  // text that reads back as the same double, e.g. "0.25" or "1234.567891".
  auto one = [](const std::string& name, uint64_t v) {
    return name + " " + std::to_string(v) + "\n";
  };
  auto real = [](const std::string& name, double v) {
    char buf[64];
    const std::to_chars_result r = std::to_chars(buf, buf + sizeof buf, v);
    return name + " " + std::string(buf, r.ptr) + "\n";
  };
  line("vigil_log_size", "Entries in the log.", "gauge", one("vigil_log_size", log_.Size()));
  line("vigil_appends_total", "Entries appended (durable).", "counter",
       one("vigil_appends_total", w.appended.load()));
  line("vigil_duplicates_total", "Idempotent resends answered with the original receipt.",
       "counter", one("vigil_duplicates_total", w.duplicates.load()));
  line("vigil_batches_total", "Committed append transactions.", "counter",
       one("vigil_batches_total", w.batches.load()));
  line("vigil_batch_items_total", "Submissions handled in committed batches.", "counter",
       one("vigil_batch_items_total", w.batch_items.load()));
  line("vigil_commit_seconds_total", "Time spent appending and committing batches.", "counter",
       real("vigil_commit_seconds_total", static_cast<double>(w.commit_us_total.load()) / 1e6));
  line("vigil_commit_seconds_max", "Longest batch append and commit.", "gauge",
       real("vigil_commit_seconds_max", static_cast<double>(w.commit_us_max.load()) / 1e6));
  line("vigil_queue_depth", "Submissions waiting for the writer.", "gauge",
       one("vigil_queue_depth", writer_.queue_depth()));
  line("vigil_store_writable", "1 while the store accepts writes; 0 after a failed commit.",
       "gauge", one("vigil_store_writable", log_.writable() ? 1 : 0));
  line("vigil_signing_held",
       "1 while the log holds signing: its store is behind a checkpoint it already published "
       "(GET /healthz says why); appends are refused.",
       "gauge", one("vigil_signing_held", log_.SigningHeld().has_value() ? 1 : 0));
  line("vigil_proof_requests_total", "Inclusion and consistency proofs served.", "counter",
       one("vigil_proof_requests_total", metrics_->proofs.load()));
  line("vigil_proof_seconds_total", "Time spent building proofs.", "counter",
       real("vigil_proof_seconds_total",
            static_cast<double>(metrics_->proof_us_total.load()) / 1e6));
  // The standard process metrics (Prometheus client conventions), so that load tests can charge
  // CPU time per request whatever else the machine runs.
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& tv) {
    return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
  };
  line("process_cpu_seconds_total", "User and system CPU time of the server process.", "counter",
       real("process_cpu_seconds_total", seconds(usage.ru_utime) + seconds(usage.ru_stime)));
  line("process_max_resident_memory_bytes", "Peak resident set size of the server process.",
       "gauge",
       one("process_max_resident_memory_bytes", static_cast<uint64_t>(usage.ru_maxrss) * 1024));
  std::string responses, rejections;
  {
    std::lock_guard<std::mutex> lock(metrics_->mu);
    for (const auto& [status, n] : metrics_->responses) {
      responses += "vigil_http_responses_total{status=\"" + std::to_string(status) + "\"} " +
                   std::to_string(n) + "\n";
    }
    for (const auto& [code, n] : metrics_->rejections) {
      rejections += "vigil_rejections_total{code=\"" + code + "\"} " + std::to_string(n) + "\n";
    }
  }
  line("vigil_http_responses_total", "HTTP responses by status.", "counter", responses);
  line("vigil_rejections_total", "Refused requests by error or rule code.", "counter", rejections);
  if (witnessing_ != nullptr) out += witnessing_->MetricsText();
  return out;
}

}  // namespace vigil::api
