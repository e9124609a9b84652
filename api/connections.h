// The front door of the plain-HTTP server (issue 15 items 1, 2, 6 and 11): one epoll thread
// owns accepting, per-connection buffers, limits and deadlines, and hands a request to a worker
// thread only once all of it (head, and body by Content-Length) is buffered. A slow, idle or
// hostile client therefore costs a file descriptor and a few KiB, never a handler thread.
//
// What it enforces, before any httplib code sees a byte:
// - a total deadline for a request head (not per read) and for its body (a base time plus a
//   minimum rate), a keep-alive idle limit, and a total deadline for writing each answer;
// - at most `max_header_count` header fields and `max_header_bytes` bytes of them (431), a
//   request line of at most 8 KiB (414), and strict header syntax (400: a header name that is
//   not a token, whitespace before the colon, obs-fold continuation lines, bare CR or LF, NUL);
// - at most `max_connections` open connections and `max_connections_per_client` per address
//   (over either cap: a 503 with Retry-After, and the connection closed);
// - at most `max_buffered_bytes` of request bodies held at once, from the head that announces a
//   body until its answer is sent: a head whose Content-Length would pass it is answered 503
//   with Retry-After and its connection closed, so no set of clients can make the server hold
//   more than that (the per-route limits bound one body; this bounds them all);
// - heads that announce a body the server will refuse (Transfer-Encoding, a bad or too large
//   Content-Length, a body on GET/HEAD) are handed over alone and the connection is closed after
//   the answer, so the unread body can never become a second request.
//
// Thread safety: Bind() and Run() from one thread; Stop() from any thread.
#ifndef VIGIL_API_CONNECTIONS_H_
#define VIGIL_API_CONNECTIONS_H_

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "api/request_head.h"
#include "keys/result.h"

namespace vigil::api {

struct FrontDoorOptions {
  int threads = 64;                    // worker threads running requests
  int head_timeout_s = 10;             // total time to send a request head
  int body_timeout_s = 10;             // base time for a body ...
  size_t body_min_rate = 16 * 1024;    // ... plus Content-Length / this many bytes per second
  int write_timeout_s = 10;            // total time to take one answer
  int keep_alive_s = 5;                // idle time allowed between requests
  size_t max_body_bytes = 256 * 1024;  // larger bodies are not buffered (httplib says 413)
  std::vector<RouteBodyLimit> route_body_limits;  // routes with another limit (MaxBodyBytes)
  size_t max_header_count = 100;                  // header fields per request
  size_t max_header_bytes = 16 * 1024;            // bytes of header fields (the request line apart)
  size_t max_connections = 1024;                  // open connections in all
  size_t max_connections_per_client = 32;         // open connections from one address
  size_t max_buffered_bytes = size_t{64} << 20;   // request bodies held at once, in all
};

class FrontDoor {
 public:
  // Runs one complete request on a worker thread: reads the request from `strm` and writes the
  // answer to it. `must_close` says the connection will be closed after this request. Returns
  // false when the connection must be closed (httplib's process_request result).
  using Handler = std::function<bool(httplib::Stream& strm, bool must_close, bool& closed)>;
  // The complete bytes of a problem answer the front door sends itself (status, type, detail),
  // with "Connection: close"; also where refusals are counted and logged (`peer` is the
  // client's address). Called on the front door's thread.
  using Refusal = std::function<std::string(int status, std::string_view type,
                                            std::string_view detail, const std::string& peer)>;

  FrontDoor(FrontDoorOptions options, Handler handler, Refusal refusal);
  ~FrontDoor();
  FrontDoor(const FrontDoor&) = delete;
  FrontDoor& operator=(const FrontDoor&) = delete;

  // Listens on host:port (0: any free port) with SO_REUSEADDR only, never SO_REUSEPORT, so a
  // second server on the same port fails here. Errors: kIoError ("address in use", ...).
  Status Bind(const std::string& host, int port);
  int port() const { return port_; }
  // The listening descriptor after Bind() (owned here; -1 before), closed when Run() returns.
  int listener() const;
  // Serves until Stop(); returns when every worker has finished its request.
  void Run();
  void Stop();

  // Open connections right now (for tests and metrics).
  size_t open_connections() const { return open_.load(); }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  int port_ = 0;
  std::atomic<size_t> open_{0};
};

}  // namespace vigil::api

#endif  // VIGIL_API_CONNECTIONS_H_
