// The HTTP server (DESIGN §6, docs/api.md): routes, request signatures, role rules, limits,
// problem+json errors, request logs and metrics, over cpp-httplib (plain HTTP or native TLS).
//
// Appends go through the Writer (group commit; a batch as one SubmitMany); dry runs are judged
// on the handler thread over a read snapshot (ledger/dry_run.h); reads go straight to the Log.
// Thread-safe: httplib runs handlers on a pool of `threads` threads.
#ifndef VIGIL_API_SERVER_H_
#define VIGIL_API_SERVER_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "api/auth.h"
#include "api/quota.h"
#include "api/request_head.h"
#include "api/route.h"
#include "keys/result.h"
#include "ledger/ledger.h"
#include "ledger/log/log.h"
#include "ledger/log/writer.h"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace vigil::api {

class FrontDoor;
class Witnessing;

// The batch route (docs/api.md "Batches"): its path and how many records one request may hold.
inline constexpr char kBatchPath[] = "/v1/entries:batch";
inline constexpr size_t kMaxBatchItems = 1000;

// Plain HTTP is served through the FrontDoor (api/connections.h): connection caps, total
// deadlines and header limits hold before a handler thread is used. Native TLS is served by
// httplib's own SSLServer loop (a thread per connection, per-read timeouts): put a proxy in front
// of it on an exposed network (docs/security.md T5).
struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;       // 0: pick a free port (tests); see Server::port()
  std::string tls_cert;  // PEM files; both set: serve HTTPS
  std::string tls_key;
  size_t max_body_bytes = 256 * 1024;  // a whole entry is at most 64 KiB
  // The batch route's body limit (POST /v1/entries:batch, up to kMaxBatchItems records).
  size_t max_batch_body_bytes = 8 * 1024 * 1024;
  // Total time to send a request head (not per read; 408 and closed), and the base time for a
  // body, which also gets Content-Length / body_min_rate seconds (api/connections.h).
  int read_timeout_s = 10;
  size_t body_min_rate = 16 * 1024;     // bytes per second
  int write_timeout_s = 10;             // total time a client may take to read one answer
  int keep_alive_s = 5;                 // idle time allowed between requests on a connection
  int threads = 64;                     // handler threads; bounds concurrent submitters per batch
  size_t max_header_count = 100;        // more header fields: 431
  size_t max_header_bytes = 16 * 1024;  // more bytes of header fields: 431
  size_t max_connections = 1024;        // open connections in all; more: 503 and closed
  size_t max_connections_per_client = 32;        // open connections from one address; more: 503
  size_t max_buffered_bytes = size_t{64} << 20;  // request bodies held at once; more: 503
  QuotaLimits quota;                             // appends per participant (api/quota.h)
};

class Server {
 public:
  // `*ledger` and `*writer` (which appends to ledger->log()) must outlive the Server.
  Server(Ledger& ledger, Writer& writer, ServerOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds the listening socket (SO_REUSEADDR, never SO_REUSEPORT: a second server on the same
  // port fails). Errors: kIoError ("address in use", bad TLS files).
  Status Bind();
  int port() const { return port_; }
  // Serves until Stop(). Returns when the listener has closed and handlers have finished.
  void Run();
  // Stops accepting; in-flight requests finish. Safe from any thread (not from a signal
  // handler: call it from a thread that waits for the signal).
  void Stop();

  // Witnesses (api/witnessing.h): once set, /checkpoint serves w->ServedCheckpoint(),
  // GET /v1/entries/{seq} proves against the newest cosigned checkpoint, and /metrics shows
  // the witnesses. Call before Run(); `*w` must outlive the server. Unset: no witnesses.
  void set_witnessing(Witnessing* w) { witnessing_ = w; }

  // Every route the server answers, in matching order.
  const std::vector<Route>& routes() const { return routes_; }

  // Handles one request read from `raw` (the bytes a client sends on a connection) through the
  // same httplib parsing, limits, routes, access checks and handlers as Run(), without a socket,
  // and returns the bytes the server would send back. For the fuzz harness
  // (tests/fuzz/http_fuzz.cc). Thread-safe like the handlers; needs no Bind().
  std::string HandleRaw(std::string_view raw);

 private:
  struct Metrics;
  std::vector<Route> LogRoutes();    // log_routes.cc: DESIGN §6's fixed routes
  std::vector<Route> QueryRoutes();  // query_routes.cc: participants, stock, alerts, ...
  // Registers `route` with httplib, wrapped in its access check.
  void Install(const Route& route);
  // Sends the problem for `status` and counts it.
  void Fail(httplib::Response& res, const Status& status);
  // The append quota of `sub`'s signer (api/quota.h), checked, never charged: the participant
  // to charge once the record is appended, or nullopt when its role is not limited (a key the
  // store does not know, or a store that cannot be read, leaves the refusal to the rules).
  // kTooManyRequests (with the retry time) when its participant has used its quota. Within a
  // batch, `*batch` holds what the earlier items were admitted for, counted as spent, and this
  // item is added to it when admitted.
  Result<std::optional<std::string>> CheckQuota(
      const Submission& sub, double now_s,
      std::unordered_map<std::string, QuotaPending>* batch = nullptr);
  // Counts (and logs, when it is the server's fault) a refusal answered inside a batch.
  void CountRefusal(const Status& status);
  // The caller of a signed request, or nullopt after answering with the problem.
  std::optional<Caller> Authenticate(const httplib::Request& req, httplib::Response& res);
  std::string MetricsText();
  // The bytes of a problem answer the FrontDoor sends itself (and counts it).
  std::string Refusal(int status, std::string_view type, std::string_view detail,
                      const std::string& peer);
  // Counts one proof served, begun at `start`.
  void CountProof(std::chrono::steady_clock::time_point start);

  Ledger& ledger_;
  Log& log_;  // ledger_.log()
  Writer& writer_;
  const ServerOptions options_;
  const HeadLimits head_limits_;  // from options_: the one source of body limits
  std::unique_ptr<httplib::Server> http_;
  std::unique_ptr<FrontDoor> door_;  // plain HTTP only; null with TLS
  Authenticator auth_;
  AppendQuota quota_;
  std::unique_ptr<Metrics> metrics_;
  std::vector<Route> routes_;
  Witnessing* witnessing_ = nullptr;
  int port_ = 0;
};

}  // namespace vigil::api

#endif  // VIGIL_API_SERVER_H_
