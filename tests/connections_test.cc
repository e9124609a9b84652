// The server against keyless abuse (issue 15 items 1, 2, 6, 7, 11; api/connections.h): real
// loopback sockets against the in-process server, no mocks. Deadlines are set short here
// (ServerOptions) so that every case takes seconds.
#include "api/connections.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "api/server.h"
#include "tests/api_fixture.h"

namespace vigil {
namespace {

using apitest::CheckProblem;
using apitest::ParseResponses;
using apitest::RawExchange;
using apitest::Reply;
using apitest::TestServer;
using Clock = std::chrono::steady_clock;

// Short deadlines, so that the cases that wait for one take about two seconds.
api::ServerOptions Quick() {
  api::ServerOptions o;
  o.read_timeout_s = 2;
  o.keep_alive_s = 1;
  return o;
}

// A connected loopback socket from source address `from` (any 127.0.0.0/8 address is this
// machine: distinct sources stand for distinct clients). -1 if the connection failed.
int Connect(int port, const char* from = "127.0.0.1", int timeout_ms = 3000) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in src{};
  src.sin_family = AF_INET;
  ::inet_pton(AF_INET, from, &src.sin_addr);
  ::bind(fd, reinterpret_cast<sockaddr*>(&src), sizeof src);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

bool SendAll(int fd, std::string_view bytes) {
  size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<size_t>(n);
  }
  return true;
}

// Everything the server sends until it closes or stays silent for the socket's timeout.
std::string ReadAll(int fd) {
  std::string out;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

Reply FirstReply(const std::string& raw) {
  const std::vector<Reply> replies = ParseResponses(raw);
  return replies.empty() ? Reply{} : replies.front();
}

// The server's resident set (this process: the server runs in it), in KiB.
long RssKiB() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return 0;
}

// A request a normal client makes, timed.
double HealthzMs(const TestServer& s) {
  const auto start = Clock::now();
  const Reply r = s.Get("/healthz");
  CHECK(r.status == 200);
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

const char kHead[] = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n";

TEST_CASE("Headers: too many or too large -> 431, with the memory bounded", "[api][connections]") {
  TestServer s;
  SECTION("101 header fields") {
    std::string head = kHead;
    for (int i = 0; i < 101; ++i) head += "X-" + std::to_string(i) + ": y\r\n";
    CheckProblem(FirstReply(RawExchange(s.port(), head + "\r\n")), 431,
                 "request_header_fields_too_large");
  }
  SECTION("100 header fields are fine") {
    std::string head = kHead;
    for (int i = 0; i < 98; ++i) head += "X-" + std::to_string(i) + ": y\r\n";
    CHECK(FirstReply(RawExchange(s.port(), head + "Connection: close\r\n\r\n")).status == 200);
  }
  SECTION("17 KiB of header fields") {
    const std::string head = std::string(kHead) + "X-A: " + std::string(8000, 'a') +
                             "\r\nX-B: " + std::string(9000, 'b') + "\r\n\r\n";
    CheckProblem(FirstReply(RawExchange(s.port(), head)), 431, "request_header_fields_too_large");
  }
  SECTION("a header bomb (the audit's 2,000,000 fields, 23 MiB): refused early, RSS bounded") {
    const long before = RssKiB();
    const int fd = Connect(s.port());
    REQUIRE(fd >= 0);
    std::string bomb = kHead;
    while (bomb.size() < 1 << 20) bomb += "X: y\r\n";
    size_t sent = 0;
    for (int i = 0; i < 23 && SendAll(fd, bomb); ++i) sent += bomb.size();
    const Reply r = FirstReply(ReadAll(fd));
    ::close(fd);
    INFO("sent " << sent << " bytes before the server stopped reading");
    CheckProblem(r, 431, "request_header_fields_too_large");
    CHECK(RssKiB() - before < 16 * 1024);  // audit: +263 MB, and no answer
    CHECK(s.Get("/healthz").status == 200);
  }
}

TEST_CASE("Deadlines are totals: a trickling head gets 408 while others are served",
          "[api][connections]") {
  TestServer s(Quick());
  const int fd = Connect(s.port(), "127.0.0.1", 5000);
  REQUIRE(fd >= 0);
  const auto start = Clock::now();
  REQUIRE(SendAll(fd, kHead));
  std::string got;
  // One header line every 500 ms: each read is quick, the head never ends.
  std::thread trickle([&] {
    for (int i = 0; i < 8; ++i) {
      if (!SendAll(fd, "X-" + std::to_string(i) + ": y\r\n")) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
  });
  for (int i = 0; i < 5; ++i) CHECK(HealthzMs(s) < 1000);
  got = ReadAll(fd);
  const double secs = std::chrono::duration<double>(Clock::now() - start).count();
  trickle.join();
  ::close(fd);
  CheckProblem(FirstReply(got), 408, "request_timeout");
  CHECK(secs >= 1.9);
  CHECK(secs < 3.5);  // read_timeout_s = 2, swept every 100 ms
}

TEST_CASE("A body that never arrives gets 408 at its deadline", "[api][connections]") {
  TestServer s(Quick());
  const auto start = Clock::now();
  const std::string raw = RawExchange(s.port(),
                                      "POST /v1/entries HTTP/1.1\r\nHost: x\r\nContent-Type: "
                                      "application/json\r\nContent-Length: 1000\r\n\r\n{\"a\":",
                                      "", 5000);
  const double secs = std::chrono::duration<double>(Clock::now() - start).count();
  CheckProblem(FirstReply(raw), 408, "request_timeout");
  CHECK(secs < 4.5);  // 2 s + 1000 B at 16 KiB/s
}

TEST_CASE("Idle keep-alive connections are closed after keep_alive_s", "[api][connections]") {
  TestServer s(Quick());
  const int fd = Connect(s.port(), "127.0.0.1", 4000);
  REQUIRE(fd >= 0);
  REQUIRE(SendAll(fd, std::string(kHead) + "\r\n"));
  const auto start = Clock::now();
  const std::string raw = ReadAll(fd);  // the answer, then the close after 1 s idle
  ::close(fd);
  CHECK(FirstReply(raw).status == 200);
  CHECK(std::chrono::duration<double>(Clock::now() - start).count() < 2.5);
}

TEST_CASE("200 idle connections and a slowloris set do not block a normal client",
          "[api][connections]") {
  api::ServerOptions o = Quick();
  o.read_timeout_s = 10;  // the attackers outlive the test
  o.keep_alive_s = 10;
  TestServer s(o);  // 16 handler threads
  std::vector<int> fds;
  for (int i = 0; i < 200; ++i) {
    const std::string from = "127.0.1." + std::to_string(1 + i / 25);  // 25 per address
    const int fd = Connect(s.port(), from.c_str());
    REQUIRE(fd >= 0);
    fds.push_back(fd);
    // Half of them start a request and never finish it; the rest never send a byte.
    if (i % 2 == 0) SendAll(fd, "GET /checkpoint HTTP/1.1\r\nHost: x\r\n");
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  double worst = 0;
  for (int i = 0; i < 20; ++i) worst = std::max(worst, HealthzMs(s));
  INFO("worst of 20 GET /healthz with 200 connections held: " << worst << " ms");
  CHECK(worst < 500);
  for (int fd : fds) ::close(fd);
}

TEST_CASE("Connections per client address are capped (503, Retry-After, closed)",
          "[api][connections]") {
  api::ServerOptions o = Quick();
  o.keep_alive_s = 10;
  o.max_connections_per_client = 8;
  TestServer s(o);
  std::vector<int> held;
  for (int i = 0; i < 8; ++i) {
    const int fd = Connect(s.port(), "127.0.2.1");
    REQUIRE(fd >= 0);
    held.push_back(fd);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const int extra = Connect(s.port(), "127.0.2.1");
  REQUIRE(extra >= 0);
  const std::string raw = ReadAll(extra);
  ::close(extra);
  const Reply r = FirstReply(raw);
  CheckProblem(r, 503, "too_many_connections");
  CHECK(raw.find("Retry-After: 1\r\n") != std::string::npos);
  // Another address is served; so is this one once it closes a connection.
  CHECK(s.Get("/healthz").status == 200);
  ::close(held.back());
  held.pop_back();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const int again = Connect(s.port(), "127.0.2.1");
  REQUIRE(again >= 0);
  REQUIRE(SendAll(again, std::string(kHead) + "Connection: close\r\n\r\n"));
  CHECK(FirstReply(ReadAll(again)).status == 200);
  ::close(again);
  for (int fd : held) ::close(fd);
}

TEST_CASE("Request bodies held at once are capped in all (503, Retry-After), and given back",
          "[api][connections]") {
  api::ServerOptions o = Quick();
  o.read_timeout_s = 10;
  o.max_buffered_bytes = 1 << 20;
  TestServer s(o);
  const std::string big_head =
      "POST /v1/entries:batch HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Content-Length: " +
      std::to_string(700 * 1024) + "\r\n\r\n";
  // One client announces 700 KiB and sends part of it: the server now holds that request.
  const int first = Connect(s.port(), "127.0.3.1", 8000);
  REQUIRE(first >= 0);
  REQUIRE(SendAll(first, big_head + std::string(1000, ' ')));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  // Another client's 700 KiB would pass 1 MiB in all: refused at its head, before its body.
  const int second = Connect(s.port(), "127.0.3.2");
  REQUIRE(second >= 0);
  REQUIRE(SendAll(second, big_head));
  const std::string refused = ReadAll(second);
  ::close(second);
  CheckProblem(FirstReply(refused), 503, "server_busy");
  CHECK(refused.find("Retry-After: 1\r\n") != std::string::npos);
  // Requests without a large body are still served.
  CHECK(s.Get("/healthz").status == 200);
  // The first body arrives and is answered (it is not JSON: 400); its bytes are given back, so
  // the same request from the other client is now read and answered on its merits.
  REQUIRE(SendAll(first, std::string(700 * 1024 - 1000, ' ')));
  CHECK(FirstReply(ReadAll(first)).status == 400);
  ::close(first);
  const int third = Connect(s.port(), "127.0.3.2", 8000);
  REQUIRE(third >= 0);
  REQUIRE(SendAll(third, big_head + std::string(700 * 1024, ' ')));
  CHECK(FirstReply(ReadAll(third)).status == 400);
  ::close(third);
  // A connection closed with its body half sent gives its bytes back too.
  for (int round = 0; round < 3; ++round) {
    const int half = Connect(s.port(), "127.0.3.3");
    REQUIRE(half >= 0);
    REQUIRE(SendAll(half, big_head + std::string(100, ' ')));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    ::close(half);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const int last = Connect(s.port(), "127.0.3.4", 8000);
  REQUIRE(last >= 0);
  REQUIRE(SendAll(last, big_head + std::string(700 * 1024, ' ')));
  CHECK(FirstReply(ReadAll(last)).status == 400);
  ::close(last);
}

TEST_CASE("Pipelined requests are answered in order; a half-closed client gets its answer",
          "[api][connections]") {
  TestServer s(Quick());
  std::string three;
  for (const char* path : {"/healthz", "/v1/log", "/nothing"}) {
    three += std::string("GET ") + path + " HTTP/1.1\r\nHost: x\r\n\r\n";
  }
  const std::vector<Reply> replies = ParseResponses(RawExchange(s.port(), three, "", 1500));
  REQUIRE(replies.size() == 3);
  CHECK(replies[0].status == 200);
  CHECK(replies[1].status == 200);
  CHECK(replies[1].content_type == "application/json");
  CHECK(replies[2].status == 404);

  const int fd = Connect(s.port());
  REQUIRE(fd >= 0);
  REQUIRE(SendAll(fd, std::string(kHead) + "\r\n"));
  ::shutdown(fd, SHUT_WR);
  CHECK(FirstReply(ReadAll(fd)).status == 200);
  ::close(fd);
}

TEST_CASE("A client that never reads its answers is cut off at the write deadline",
          "[api][connections]") {
  api::ServerOptions o = Quick();
  o.write_timeout_s = 1;
  TestServer s(o);
  const int fd = Connect(s.port());
  REQUIRE(fd >= 0);
  int small = 4096;
  ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
  // The explorer script (80 KB), pipelined many times over, never read.
  std::string many;
  for (int i = 0; i < 400; ++i) many += "GET /web/app.js HTTP/1.1\r\nHost: x\r\n\r\n";
  SendAll(fd, many);
  // The server gives up on it with a reset (no orphaned socket keeps the unsent answers): the
  // connection is TCP_CLOSE here while the answers that did arrive are still unread.
  const auto start = Clock::now();
  bool reset = false;
  while (!reset && Clock::now() - start < std::chrono::seconds(8)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    tcp_info info{};
    socklen_t len = sizeof info;
    ::getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len);
    reset = info.tcpi_state == TCP_CLOSE;
  }
  CHECK(reset);
  CHECK(s.Get("/healthz").status == 200);
  ::close(fd);
}

TEST_CASE("GET or HEAD with a body -> 400 and closed (no second request)", "[api][connections]") {
  TestServer s;
  const std::string inner = "GET /v1/log HTTP/1.1\r\nHost: x\r\n\r\n";
  for (const std::string& method : {std::string("GET"), std::string("HEAD")}) {
    INFO(method);
    const std::vector<Reply> replies =
        ParseResponses(RawExchange(s.port(),
                                   method + " /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                                       std::to_string(inner.size()) + "\r\n\r\n",
                                   inner, 1000));
    REQUIRE(replies.size() == 1);
    CHECK(replies[0].status == 400);
  }
  const std::vector<Reply> te = ParseResponses(RawExchange(
      s.port(), "GET /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n",
      "0\r\n\r\n" + inner, 1000));
  REQUIRE(te.size() == 1);
  CheckProblem(te[0], 400, "bad_request");
  // Content-Length: 0 is no body.
  CHECK(FirstReply(RawExchange(s.port(), std::string(kHead) +
                                             "Content-Length: 0\r\nConnection: close\r\n\r\n"))
            .status == 200);
}

TEST_CASE("Header syntax errors -> 400 and closed, never ignored", "[api][connections]") {
  TestServer s;
  const std::string post = "POST /v1/entries HTTP/1.1\r\nHost: x\r\n";
  struct Case {
    const char* name;
    std::string bytes;
  };
  for (const Case& c : std::vector<Case>{
           {"whitespace before the colon",
            post + "Transfer-Encoding : chunked\r\nContent-Length: 4\r\n\r\n{}{}"},
           {"obs-fold continuation", std::string(kHead) + "X-A: a\r\n  folded\r\n\r\n"},
           {"obs-fold of Transfer-Encoding",
            post + "Content-Length: 4\r\nX-A: a\r\n\tTransfer-Encoding: chunked\r\n\r\n{}{}"},
           {"a name with a slash", std::string(kHead) + "X/Y: 1\r\n\r\n"},
           {"a line with no colon", std::string(kHead) + "NoColonHere\r\n\r\n"},
           {"a bare LF", std::string("GET /healthz HTTP/1.1\nHost: x\n\n")},
           {"a NUL in a value", std::string(kHead) + "X-A: a" + std::string(1, '\0') + "b\r\n\r\n"},
           {"not HTTP/1.x", std::string("GET /healthz HTTP/2.0\r\nHost: x\r\n\r\n")},
       }) {
    INFO(c.name);
    const std::vector<Reply> replies = ParseResponses(RawExchange(s.port(), c.bytes, "", 1000));
    REQUIRE(replies.size() == 1);
    CheckProblem(replies[0], 400, "bad_request");
  }
}

TEST_CASE("A path that percent-encodes an unreserved character is refused", "[api][connections]") {
  TestServer s;
  CHECK(s.Get("/metrics").status == 200);
  for (const char* path : {"/%6detrics", "/%6Detrics", "/v1%2flog", "/v1/%6cog", "/checkpoint%2E",
                           "/%7e", "/healthz%", "/healthz%zz"}) {
    INFO(path);
    CheckProblem(s.Get(path), 400, "invalid_argument");
  }
  // Percent-encoding what must be encoded is fine (and reaches its route's own checks).
  CHECK(s.Get("/v1/participants/a%20b").status != 400);
}

TEST_CASE("A second server on the same port fails: address in use", "[api][connections]") {
  TestServer s;
  testing::TempDir dir("vigil_port");
  testing::TestLog other = testing::MakeTestLog(dir.path());
  Writer writer(*other.log);
  api::ServerOptions o;
  o.host = "127.0.0.1";
  o.port = s.port();
  api::Server second(*other.ledger, writer, o);
  const Status st = second.Bind();
  CHECK(!st.ok());
  CHECK(st.message().find("address in use") != std::string::npos);
  writer.Stop();
}

TEST_CASE("The request log escapes the raw path and never decodes it", "[api][connections]") {
  // The server is stopped (its threads joined) before the log is read and the logger replaced:
  // the sockets order the lines before RawExchange returns, but only a join orders them for
  // every thread's memory.
  std::optional<TestServer> s(std::in_place);
  std::ostringstream captured;
  auto previous = spdlog::default_logger();
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(captured);
  auto logger = std::make_shared<spdlog::logger>("capture", sink);
  logger->set_level(spdlog::level::info);
  logger->set_pattern("%v");
  spdlog::set_default_logger(logger);
  // %0A would end the line and forge a "personal data ... read by" warning; ESC would reach a
  // terminal; raw bytes >= 0x80 are written as \xNN too.
  // Raw exchanges that end when the server closes: it logs an answer after sending it, and
  // closes after logging, so each line is in the sink when RawExchange returns.
  RawExchange(s->port(),
              "GET /v1/nothing%0Apersonal%20data%20of%20entry%201%20read%20by%20x%1B[31m "
              "HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  RawExchange(s->port(), "GET /v1/caf\xc3\xa9\\ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  s.reset();
  spdlog::set_default_logger(previous);
  const std::string log = captured.str();
  INFO(log);
  CHECK(log.find("GET /v1/nothing%0Apersonal%20data%20of%20entry%201%20read%20by%20x%1B[31m 404") !=
        std::string::npos);
  CHECK(log.find("GET /v1/caf\\xc3\\xa9\\x5c 404") != std::string::npos);
  CHECK(log.find('\x1b') == std::string::npos);
  for (const std::string_view line : {std::string_view(log)}) {
    CHECK(line.find("\npersonal data") == std::string_view::npos);
  }
  CHECK(api::EscapeForLog(std::string("a\nb\rc\x7f\x01")) == "a\\x0ab\\x0dc\\x7f\\x01");
}

TEST_CASE("Signed answers are Cache-Control: no-store; public ones keep their caching",
          "[api][connections]") {
  TestServer s;
  const Reply signed_answer = s.Get("/v1/participants", s.authority());
  CHECK((signed_answer.status == 200 || signed_answer.status == 403));
  CHECK(signed_answer.headers.find("Cache-Control")->second == "no-store");
  const Reply unsigned_answer = s.Get("/v1/participants");
  CHECK(unsigned_answer.status == 401);
  CHECK(unsigned_answer.headers.find("Cache-Control")->second == "no-store");
  CHECK(signed_answer.headers.count("Cache-Control") == 1);
  // A partial entry bundle (the handler says no-cache) is a signed answer: no-store, once.
  const Reply bundle =
      s.Get("/tile/entries/000.p/" + std::to_string(s.log().Size()), s.authority());
  CHECK(bundle.status == 200);
  CHECK(bundle.headers.count("Cache-Control") == 1);
  CHECK(bundle.headers.find("Cache-Control")->second == "no-store");
  const Reply checkpoint = s.Get("/checkpoint");
  CHECK(checkpoint.headers.find("Cache-Control")->second == "no-cache");
}

TEST_CASE("CheckHead: the front door's head rules as a pure function", "[api][connections]") {
  const api::HeadLimits o;
  using V = api::HeadCheck::Verdict;
  CHECK(api::CheckHead("GET / HTTP/1.1\r\nHost: x\r\n", o).verdict == V::kIncomplete);
  const api::HeadCheck get = api::CheckHead("GET / HTTP/1.1\r\nHost: x\r\n\r\nrest", o);
  CHECK(get.verdict == V::kComplete);
  CHECK(get.head_bytes == 27);
  CHECK(get.body_bytes == 0);
  CHECK(!get.head_only);
  const api::HeadCheck post =
      api::CheckHead("POST /v1/entries HTTP/1.1\r\nContent-Length: 12\r\n\r\n", o);
  CHECK(post.body_bytes == 12);
  CHECK(!post.head_only);
  // Bodies the server refuses are never waited for.
  for (const char* refused :
       {"POST / HTTP/1.1\r\nContent-Length: 999999999\r\n\r\n",
        "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n",
        "POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
        "POST / HTTP/1.1\r\nContent-Length: 1x\r\n\r\n", "POST / HTTP/1.1\r\n\r\n",
        "GET / HTTP/1.1\r\nContent-Length: 5\r\n\r\n"}) {
    INFO(refused);
    const api::HeadCheck h = api::CheckHead(refused, o);
    CHECK(h.verdict == V::kComplete);
    CHECK(h.head_only);
  }
  // An endless request line is refused before its end.
  CHECK(api::CheckHead("GET /" + std::string(9000, 'a'), o).status == 414);
}

}  // namespace
}  // namespace vigil
