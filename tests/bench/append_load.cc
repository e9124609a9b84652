// vigil_append_load: durable appends per second with many concurrent submitters.
//
//   vigil_append_load --server http://127.0.0.1:8080 --authority DATA/keys/authority.key
//                     --clients 32 --records 5000
//
// Before the clock starts it generates --records fresh Ed25519 keys and signs one
// participant.register payload per key with the authority key, so signing never competes with
// the server for the CPU, and formats each POST /v1/entries request. Then one thread drives
// --clients keep-alive connections through epoll: each idle connection takes the next prepared
// request, until none are left. (An earlier version ran one httplib::Client thread per
// connection; it cost ~90 µs of CPU per record on the machine the server was measured on.)
// Every answer must be 201 (a new durable entry). It prints one JSON line: throughput, latency
// percentiles, the error count with the first error, and the server's batch counters read from
// /metrics before and after (mean batch size = submissions per committed transaction).
// The clients set TCP_NODELAY unless --tcp-nodelay 0 (see Connect).
// --rate R paces the submissions at R records/s in all (open loop: record i is due at
// start + i/R, and its latency counts from when it was due, so a slow server cannot hide
// queueing by slowing the clients down); without it every client sends as fast as it can.
// --workload picks the records (docs/performance.md):
//   register  (default) participant.register records of fresh businesses, signed by the
//             authority: many small participants, spread out;
//   business  ONE busy business (a chemical distributor, tests/bench/busy_business.h) posting
//             its purchases and sales, honest (no alert), signed with its key; needs --state, the
//             file the `grow` step below wrote for the log being served;
//   mixed     the same business, a dishonest-but-valid mix: every record passes the rules and
//             1 in 4 raises alerts (single and window thresholds, unusual size, late entry).
// The business's records are dated (`at`) 0 to 2 days before the time the server will stamp
// them with: the log's last ts (the grow step's virtual clock runs ahead of the real one; ts
// never goes backwards) or now, whichever is later. Their record numbers start at the log's
// size (GET /v1/log) minus the 3 set-up entries, so ids never repeat across runs.
// --batch N posts the records N at a time to POST /v1/entries:batch ({"entries":[...]}, each
// answered in order in {"results":[{"status":201,...}|{"status":4xx,"problem":...}]}):
// latencies are per request, counts per record.
// Exit status: 0 every record answered 201, 1 otherwise, 2 usage or set-up error.
//
//   vigil_append_load grow --data DIR --to N --state FILE [--per-day 100]
//                          [--origin bench.example/business]
// grows the busy business's history in process (the server must not be running on DIR): the
// first time it creates the log in DIR (Ledger::Init) with the authority's two set-up records,
// then appends the business's honest records up to N of them, one durable batch per virtual day
// through the real append path (Log::Prepare + Log::AppendBatch), and writes FILE (JSON: the
// virtual clock, the business's next record number, the log's last ts) for the load run.
#include <fcntl.h>
#include <httplib.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "keys/encoding.h"
#include "keys/key.h"
#include "ledger/ledger.h"
#include "ledger/log/entry.h"
#include "ledger/log/log.h"
#include "tests/bench/busy_business.h"

namespace vigil::bench {
namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  std::string server;
  std::string authority;
  std::string authority_id = "authority";
  std::string id_prefix;
  int clients = 8;
  size_t records = 1000;
  int timeout_s = 60;
  double rate = 0;  // records/s in all; 0: as fast as possible
  bool tcp_nodelay = true;
  std::string workload = "register";
  std::string state;  // the grow step's file (business, mixed)
  size_t batch = 0;   // 0: one record per POST /v1/entries
};

[[noreturn]] void Usage(const std::string& message) {
  std::cerr << "vigil_append_load: " << message << "\n"
            << "usage: vigil_append_load --server URL --authority KEYFILE [--clients N]\n"
            << "         [--records M] [--authority-id ID] [--id-prefix P] [--timeout S]\n"
            << "         [--tcp-nodelay 0|1] [--rate RECORDS_PER_S]\n"
            << "         [--workload register|business|mixed] [--state FILE] [--batch N]\n"
            << "       vigil_append_load grow --data DIR --to N --state FILE [--per-day 100]\n"
            << "         [--origin ORIGIN]\n";
  std::exit(2);
}

Options ParseArgs(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) Usage(arg + " needs a value");
      return argv[++i];
    };
    auto number = [&](long long min) -> long long {
      const std::string v = value();
      try {
        size_t used = 0;
        long long n = std::stoll(v, &used);
        if (used != v.size() || n < min) throw std::out_of_range(v);
        return n;
      } catch (const std::exception&) {
        Usage(arg + " needs an integer of at least " + std::to_string(min));
      }
    };
    if (arg == "--server") {
      o.server = value();
    } else if (arg == "--authority") {
      o.authority = value();
    } else if (arg == "--authority-id") {
      o.authority_id = value();
    } else if (arg == "--id-prefix") {
      o.id_prefix = value();
    } else if (arg == "--clients") {
      o.clients = static_cast<int>(number(1));
    } else if (arg == "--records") {
      o.records = static_cast<size_t>(number(1));
    } else if (arg == "--tcp-nodelay") {
      o.tcp_nodelay = number(0) != 0;
    } else if (arg == "--rate") {
      o.rate = static_cast<double>(number(1));
    } else if (arg == "--workload") {
      o.workload = value();
      if (o.workload != "register" && o.workload != "business" && o.workload != "mixed")
        Usage("--workload must be register, business or mixed");
    } else if (arg == "--state") {
      o.state = value();
    } else if (arg == "--batch") {
      o.batch = static_cast<size_t>(number(1));
      if (o.batch > 1000) Usage("--batch takes at most 1000 records a request");
    } else if (arg == "--timeout") {
      o.timeout_s = static_cast<int>(number(1));
    } else if (arg == "--help" || arg == "-h") {
      Usage("measures durable appends per second");
    } else {
      Usage("unknown argument " + arg);
    }
  }
  if (o.server.empty()) Usage("--server is required");
  if (o.workload == "register" && o.authority.empty())
    Usage("--authority is required for --workload register");
  if (o.workload != "register" && o.state.empty())
    Usage("--workload " + o.workload + " needs --state (written by vigil_append_load grow)");
  if (o.id_prefix.empty()) {
    // Payload and participant ids must be new in the log; runs against one log differ by time.
    o.id_prefix = "load-" + std::to_string(std::time(nullptr)) + "-";
  }
  return o;
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A tax code of its own for business i of a run (one enterprise is registered once, and runs
// against one log differ by their id prefix): "09", 2 digits of the prefix's FNV-1a hash, i in
// 6 digits.
std::string TaxCode(const std::string& id_prefix, size_t i) {
  uint64_t h = 1469598103934665603ull;
  for (char c : id_prefix) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  char buf[24];
  std::snprintf(buf, sizeof buf, "09%02llu%06zu", static_cast<unsigned long long>(h % 100),
                i % 1'000'000);
  return buf;
}

// The POST /v1/entries bodies, signed before any timing starts.
std::vector<std::string> PrepareBodies(const Options& o, const SecretKey& authority,
                                       const std::string& origin) {
  std::vector<std::string> bodies;
  bodies.reserve(o.records);
  const std::string at = FormatTimestamp(NowMs());
  for (size_t i = 0; i < o.records; ++i) {
    const SecretKey business = SecretKey::Generate();
    const std::string n = std::to_string(i);
    nlohmann::json payload = {{"type", "participant.register"},
                              {"id", o.id_prefix + "reg-" + n},
                              {"actor", o.authority_id},
                              {"at", at},
                              {"participant", o.id_prefix + "biz-" + n},
                              {"role", "business"},
                              {"legal_name", "Load test business " + n},
                              {"tax_code", TaxCode(o.id_prefix, i)},
                              {"keys", {business.public_key().ToBase64()}}};
    const std::string bytes = payload.dump();
    nlohmann::json body = {
        {"signer", authority.Id()},
        {"payload", bytes},
        {"sig", Base64Encode(authority.Sign(SignContext::kEntry, origin, bytes))}};
    bodies.push_back(body.dump());
  }
  return bodies;
}

struct LogFacts {
  std::string origin;  // which the records are signed for
  uint64_t size = 0;
};

// The server's log (GET /v1/log): its origin and size.
LogFacts GetLogFacts(const std::string& server) {
  httplib::Client client(server);
  client.set_read_timeout(10, 0);
  httplib::Result res = client.Get("/v1/log");
  if (!res || res->status != 200) Usage("GET " + server + "/v1/log failed");
  const nlohmann::json j = nlohmann::json::parse(res->body, nullptr, false);
  if (!j.is_object() || !j.contains("origin") || !j["origin"].is_string() || !j.contains("size") ||
      !j["size"].is_number_unsigned()) {
    Usage("GET " + server + "/v1/log did not name the log's origin and size");
  }
  return {j["origin"].get<std::string>(), j["size"].get<uint64_t>()};
}

// The grow step's file (see the top of this file).
struct BusinessState {
  int64_t t0_ms = 0;     // the set-up records' `at` (the business's registration)
  int64_t start_ms = 0;  // the virtual clock's start
  int64_t per_day = 0;
  int64_t last_ts_ms = 0;  // the log's last ts when the grow step ended
};
constexpr uint64_t kBusinessSetUpEntries = 3;  // genesis, threshold, registration

BusinessState ReadBusinessState(const std::string& path) {
  std::ifstream in(path);
  const nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
  if (!j.is_object()) Usage("cannot read " + path + " (written by vigil_append_load grow)");
  try {
    return {j.at("t0_ms").get<int64_t>(), j.at("start_ms").get<int64_t>(),
            j.at("per_day").get<int64_t>(), j.at("last_ts_ms").get<int64_t>()};
  } catch (const std::exception& e) {
    Usage(path + ": " + e.what());
  }
}

std::string EntryBody(const Submission& s) {
  return nlohmann::json{{"signer", s.signer}, {"payload", s.payload}, {"sig", Base64Encode(s.sig)}}
      .dump();
}

// The busy business's next --records records (business: honest; mixed: 1 in 4 raising alerts),
// numbered from the log's size, signed on all cores before the clock starts.
std::vector<std::string> PrepareBusinessBodies(const Options& o, const LogFacts& log) {
  const BusinessState st = ReadBusinessState(o.state);
  if (log.size < kBusinessSetUpEntries) Usage("the served log was not made by the grow step");
  const Business business(st.start_ms, st.t0_ms, st.per_day, log.origin);
  const int64_t ts = std::max(st.last_ts_ms, NowMs());
  const uint64_t first = log.size - kBusinessSetUpEntries;
  std::vector<std::string> bodies(o.records);
  const unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      for (size_t i = t; i < o.records; i += threads) {
        const uint64_t k = first + i;
        bodies[i] =
            EntryBody(o.workload == "mixed" ? business.MakeMixed(k, ts) : business.Make(k, ts));
      }
    });
  }
  for (std::thread& th : pool) th.join();
  return bodies;
}

// The server's writer counters (vigil_batches_total, vigil_batch_items_total, ...).
std::map<std::string, double> ReadMetrics(const std::string& server) {
  std::map<std::string, double> out;
  httplib::Client client(server);
  client.set_read_timeout(10, 0);
  httplib::Result res = client.Get("/metrics");
  if (!res || res->status != 200) return out;
  std::istringstream in(res->body);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const size_t space = line.rfind(' ');
    if (space == std::string::npos || line.find('{') != std::string::npos) continue;
    try {
      out[line.substr(0, space)] = std::stod(line.substr(space + 1));
    } catch (const std::exception&) {
    }
  }
  return out;
}

struct ClientResult {
  std::vector<double> latencies_ms;  // per request
  std::map<int, size_t> statuses;    // per record: HTTP status (or -1 for a transport error), or
                                     // in a batch the record's own status -> count
  std::optional<std::string> first_error;
};

// The complete HTTP/1.1 request for each body, formatted before the clock starts, so that the
// clients' only work while timed is one write and a few reads per record.
// With batch > 0, `batch` bodies a request to POST /v1/entries:batch ({"entries":[...]}).
std::vector<std::string> FormatRequests(const std::string& host,
                                        const std::vector<std::string>& bodies, size_t batch) {
  std::vector<std::string> out;
  auto request = [&](const char* path, const std::string& body) {
    out.push_back(std::string("POST ") + path + " HTTP/1.1\r\nHost: " + host +
                  "\r\nContent-Type: application/json\r\nContent-Length: " +
                  std::to_string(body.size()) + "\r\n\r\n" + body);
  };
  if (batch == 0) {
    out.reserve(bodies.size());
    for (const std::string& body : bodies) request("/v1/entries", body);
    return out;
  }
  for (size_t i = 0; i < bodies.size(); i += batch) {
    std::string body = "{\"entries\":[";
    for (size_t j = i; j < std::min(bodies.size(), i + batch); ++j) {
      if (j > i) body += ',';
      body += bodies[j];
    }
    body += "]}";
    request("/v1/entries:batch", body);
  }
  return out;
}

// "http://HOST:PORT" -> (HOST, PORT).
std::pair<std::string, std::string> HostPort(const std::string& url) {
  const std::string prefix = "http://";
  if (url.rfind(prefix, 0) != 0)
    Usage("--server must be http://HOST:PORT (no TLS in the load tool)");
  std::string rest = url.substr(prefix.size());
  if (!rest.empty() && rest.back() == '/') rest.pop_back();
  const size_t colon = rest.rfind(':');
  if (colon == std::string::npos) return {rest, "80"};
  return {rest.substr(0, colon), rest.substr(colon + 1)};
}

int Connect(const std::string& host, const std::string& port, bool nodelay) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (::getaddrinfo(host.c_str(), port.c_str(), &hints, &found) != 0 || found == nullptr) return -1;
  int fd = ::socket(found->ai_family, found->ai_socktype | SOCK_CLOEXEC, found->ai_protocol);
  if (fd >= 0 && ::connect(fd, found->ai_addr, found->ai_addrlen) != 0) {
    ::close(fd);
    fd = -1;
  }
  ::freeaddrinfo(found);
  if (fd < 0) return -1;
  // Without TCP_NODELAY a small request can wait for the server's delayed ACK (~40 ms on Linux).
  const int one = nodelay ? 1 : 0;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  return fd;
}

struct Response {
  int status = 0;      // 0: malformed (no status line or no Content-Length)
  size_t length = 0;   // bytes of `in` it takes
  bool close = false;  // "Connection: close": the server closes after it (httplib does every
                       // keep_alive_max_count requests)
};

// The response at the start of `in`, once it is all there.
std::optional<Response> ParseResponse(const std::string& in) {
  const size_t head_end = in.find("\r\n\r\n");
  if (head_end == std::string::npos) return std::nullopt;
  Response r;
  if (in.rfind("HTTP/1.1 ", 0) == 0 && in.size() > 12) r.status = std::atoi(in.c_str() + 9);
  auto lower = [](std::string_view v) {
    std::string out(v);
    for (char& ch : out) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return out;
  };
  std::optional<size_t> body;
  for (size_t line = in.find("\r\n") + 2; line < head_end;) {
    const size_t eol = in.find("\r\n", line);
    const std::string header = lower(std::string_view(in).substr(line, eol - line));
    if (header.rfind("content-length:", 0) == 0)
      body = std::strtoull(header.c_str() + 15, nullptr, 10);
    if (header.rfind("connection:", 0) == 0 && header.find("close") != std::string::npos)
      r.close = true;
    line = eol + 2;
  }
  if (!body.has_value()) {
    r.status = 0;
    body = 0;
  }
  r.length = head_end + 4 + *body;
  if (in.size() < r.length) return std::nullopt;
  return r;
}

// Runs every record through --clients keep-alive connections driven by one epoll loop (the
// clients must not compete with the server for the two cores: one thread, one write and a
// read or two per record). Record i goes out on the first idle connection; with --rate it is
// not sent before start + i/rate and its latency counts from then (open loop).
ClientResult RunClients(const Options& o, const std::vector<std::string>& requests,
                        Clock::time_point& start) {
  struct Conn {
    int fd = -1;
    size_t record = 0;  // in flight when busy
    bool busy = false;
    size_t sent = 0;
    Clock::time_point since;
    std::string in;
  };
  const auto [host, port] = HostPort(o.server);
  ClientResult out;
  out.latencies_ms.reserve(requests.size());
  const int ep = ::epoll_create1(EPOLL_CLOEXEC);
  std::vector<Conn> conns(static_cast<size_t>(o.clients));
  std::vector<size_t> idle;
  auto open = [&](size_t c) {
    conns[c] = Conn{};
    conns[c].fd = Connect(host, port, o.tcp_nodelay);
    if (conns[c].fd < 0) {
      std::cerr << "vigil_append_load: cannot connect to " << o.server << "\n";
      std::exit(2);
    }
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = c;
    ::epoll_ctl(ep, EPOLL_CTL_ADD, conns[c].fd, &ev);
    idle.push_back(c);
  };
  for (size_t c = 0; c < conns.size(); ++c) open(c);
  auto want_write = [&](size_t c, bool on) {
    epoll_event ev{};
    ev.events = EPOLLIN | (on ? EPOLLOUT : 0u);
    ev.data.u64 = c;
    ::epoll_ctl(ep, EPOLL_CTL_MOD, conns[c].fd, &ev);
  };
  auto write_some = [&](size_t c) {
    Conn& k = conns[c];
    const std::string& req = requests[k.record];
    while (k.sent < req.size()) {
      const ssize_t n = ::send(k.fd, req.data() + k.sent, req.size() - k.sent, MSG_NOSIGNAL);
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return want_write(c, true);
      if (n <= 0) return;  // the read side sees the broken connection
      k.sent += static_cast<size_t>(n);
    }
  };
  // `body`: the response's body, read for a batch's per-record results.
  auto finish = [&](size_t c, int status, const std::string& why, std::string_view body = {}) {
    Conn& k = conns[c];
    out.latencies_ms.push_back(
        std::chrono::duration<double, std::milli>(Clock::now() - k.since).count());
    const size_t records = o.batch == 0 ? 1 : std::min(o.batch, o.records - k.record * o.batch);
    if (o.batch > 0 && status == 200) {
      const nlohmann::json j = nlohmann::json::parse(body, nullptr, false);
      const nlohmann::json* results =
          j.is_object() && j.contains("results") && j["results"].is_array() ? &j["results"]
                                                                            : nullptr;
      if (results == nullptr || results->size() != records) {
        out.statuses[0] += records;
        if (!out.first_error.has_value())
          out.first_error =
              "request " + std::to_string(k.record) + ": not one result per record: " + why;
      } else {
        for (size_t r = 0; r < records; ++r) {
          const nlohmann::json& one = (*results)[r];
          const int s = one.is_object() ? one.value("status", 0) : 0;
          ++out.statuses[s];
          if (s != 201 && !out.first_error.has_value())
            out.first_error = "request " + std::to_string(k.record) + " record " +
                              std::to_string(r) + ": " + one.dump().substr(0, 400);
        }
      }
    } else {
      out.statuses[status] += records;
      if (status != 201 && !out.first_error.has_value())
        out.first_error = "request " + std::to_string(k.record) + ": " + why;
    }
    k.busy = false;
  };
  auto due = [&](size_t i) {
    return start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(
                       static_cast<double>(i * std::max<size_t>(o.batch, 1)) / o.rate));
  };
  size_t next = 0, done = 0;
  std::vector<epoll_event> events(conns.size());
  start = Clock::now();
  auto last_progress = start;
  while (done < requests.size()) {
    const auto now = Clock::now();
    while (!idle.empty() && next < requests.size() && (o.rate <= 0 || due(next) <= now)) {
      const size_t c = idle.back();
      idle.pop_back();
      Conn& k = conns[c];
      k.record = next;
      k.busy = true;
      k.sent = 0;
      k.since = o.rate > 0 ? due(next) : now;
      ++next;
      write_some(c);
    }
    timespec wait{0, 100'000'000};  // wake at least every 0.1 s to check the timeout
    if (o.rate > 0 && !idle.empty() && next < requests.size()) {
      const auto ns = std::max<int64_t>(
          0, std::chrono::duration_cast<std::chrono::nanoseconds>(due(next) - now).count());
      if (ns < 100'000'000) wait = {0, static_cast<long>(ns)};
    }
    const int n =
        ::epoll_pwait2(ep, events.data(), static_cast<int>(events.size()), &wait, nullptr);
    if (n < 0 && errno != EINTR) {
      std::cerr << "vigil_append_load: epoll: " << std::strerror(errno) << "\n";
      std::exit(2);
    }
    for (size_t e = 0; e < static_cast<size_t>(std::max(n, 0)); ++e) {
      const size_t c = events[e].data.u64;
      Conn& k = conns[c];
      if ((events[e].events & EPOLLOUT) != 0 && k.busy) {
        write_some(c);
        if (k.sent == requests[k.record].size()) want_write(c, false);
      }
      if ((events[e].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) == 0) continue;
      char buf[16384];
      ssize_t r;
      while ((r = ::recv(k.fd, buf, sizeof buf, 0)) > 0) k.in.append(buf, static_cast<size_t>(r));
      bool closed = r == 0 || (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
      if (k.busy) {
        if (std::optional<Response> resp = ParseResponse(k.in)) {
          const size_t head = k.in.find("\r\n\r\n") + 4;
          finish(c, resp->status,
                 "HTTP " + std::to_string(resp->status) + ": " +
                     k.in.substr(0, std::min<size_t>(resp->length, 400)),
                 std::string_view(k.in).substr(head, resp->length - head));
          k.in.erase(0, resp->length);
          ++done;
          last_progress = Clock::now();
          if (resp->close) {
            closed = true;
          } else if (!closed) {
            idle.push_back(c);
          }
        } else if (closed) {
          finish(c, -1, "the server closed the connection");
          ++done;
        }
      }
      if (closed) {
        ::epoll_ctl(ep, EPOLL_CTL_DEL, k.fd, nullptr);
        ::close(k.fd);
        open(c);
      }
    }
    if (Clock::now() - last_progress > std::chrono::seconds(o.timeout_s)) {
      for (size_t c = 0; c < conns.size(); ++c) {
        if (conns[c].busy) {
          finish(c, -1, "no answer within " + std::to_string(o.timeout_s) + " s");
          ++done;
        }
      }
      break;
    }
  }
  for (Conn& k : conns) ::close(k.fd);
  ::close(ep);
  return out;
}

// User + system CPU seconds of this process so far.
double ProcessCpuSeconds() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

double Percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  const auto rank = static_cast<size_t>(p / 100.0 * static_cast<double>(sorted.size() - 1) + 0.5);
  return sorted[std::min(rank, sorted.size() - 1)];
}

// `v` to `digits` decimals (divided last, so the JSON shows e.g. 214.2, not 214.20000000000002).
double Round(double v, int digits) {
  const double scale = std::pow(10.0, digits);
  return std::round(v * scale) / scale;
}

// `grow` (see the top of this file).
int Grow(int argc, char** argv) {
  std::string data, state, origin = "bench.example/business";
  uint64_t to = 0;
  int64_t per_day = 100;
  for (int i = 2; i < argc; ++i) {
    const std::string arg = argv[i];
    if (i + 1 >= argc) Usage("grow: " + arg + " needs a value");
    const std::string v = argv[++i];
    if (arg == "--data") {
      data = v;
    } else if (arg == "--state") {
      state = v;
    } else if (arg == "--origin") {
      origin = v;
    } else if (arg == "--to") {
      to = std::stoull(v);
    } else if (arg == "--per-day") {
      per_day = std::stoll(v);
    } else {
      Usage("grow: unknown argument " + arg);
    }
  }
  if (data.empty() || state.empty() || per_day < 10) Usage("grow needs --data, --to and --state");
  auto require = [](const Status& s, const std::string& what) {
    if (!s.ok()) {
      std::cerr << "vigil_append_load grow: " << what << ": " << s.ToString() << "\n";
      std::exit(2);
    }
  };
  const auto start = Clock::now();
  if (!std::filesystem::exists(data)) {
    InitOptions init;
    init.origin = origin;
    init.jurisdiction = {{"province", "Hà Nội"}, {"commune", "Xã Thanh Trì"}};
    require(Ledger::Init(data, init).status(), "init " + data);
  }
  Result<std::unique_ptr<Ledger>> ledger = Ledger::Open(data);
  require(ledger.status(), "open " + data);
  Log& log = (*ledger)->log();
  Result<std::string> genesis = log.EntryAt(0);
  require(genesis.status(), "genesis");
  Result<Entry> g = DecodeEntry(*genesis);
  require(g.status(), "genesis entry");
  const int64_t t0 = g->ts_ms + 1000;
  const Business business(t0 + 3 * kBusinessDayMs, t0, per_day, log.info().origin);
  auto append = [&](std::vector<Submission>& subs, int64_t now) {
    // Ed25519 checks on every core, then one durable batch.
    const unsigned threads = std::max(1u, std::thread::hardware_concurrency());
    std::vector<std::thread> pool;
    for (unsigned t = 0; t < threads; ++t) {
      pool.emplace_back([&, t] {
        for (size_t i = t; i < subs.size(); i += threads) log.Prepare(subs[i]);
      });
    }
    for (std::thread& th : pool) th.join();
    std::vector<Result<Appended>> r = log.AppendBatch(subs, now);
    for (size_t i = 0; i < r.size(); ++i) {
      if (!r[i].ok()) {
        std::cerr << "refused: " << subs[i].payload << "\n";
        require(r[i].status(), "append");
      }
    }
  };
  if (log.Size() == 1) {
    Result<SecretKey> authority = SecretKey::Load(data + "/keys/authority.key");
    require(authority.status(), "authority key");
    std::vector<Submission> subs;
    for (const nlohmann::json& p : BusinessSetUpPayloads(t0))
      subs.push_back(SignFor(p, *authority, log.info().origin));
    append(subs, t0);
  }
  if (log.Size() < kBusinessSetUpEntries) Usage("grow: " + data + " is not the business's log");
  uint64_t next = log.Size() - kBusinessSetUpEntries;
  const uint64_t from = next;
  const auto day = static_cast<uint64_t>(per_day);
  while (next < to) {
    const uint64_t end = std::min<uint64_t>(to, (next / day + 1) * day);
    std::vector<Submission> subs(end - next);
    // Signing on every core too (the business's key signs each record).
    const unsigned threads = std::max(1u, std::thread::hardware_concurrency());
    std::vector<std::thread> pool;
    for (unsigned t = 0; t < threads; ++t) {
      pool.emplace_back([&, t] {
        for (uint64_t k = next + t; k < end; k += threads)
          subs[k - next] = business.Make(k, business.Slot(k));
      });
    }
    for (std::thread& th : pool) th.join();
    append(subs, business.Slot(end - 1));
    next = end;
  }
  Result<std::string> last = log.EntryAt(log.Size() - 1);
  require(last.status(), "last entry");
  Result<Entry> e = DecodeEntry(*last);
  require(e.status(), "last entry");
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  const nlohmann::json out = {{"t0_ms", t0},
                              {"start_ms", t0 + 3 * kBusinessDayMs},
                              {"per_day", per_day},
                              {"last_ts_ms", e->ts_ms},
                              {"business_records", next},
                              {"log_size", log.Size()},
                              {"grown", next - from},
                              {"grow_s", Round(seconds, 2)}};
  std::ofstream(state) << out.dump() << "\n";
  std::cout << out.dump() << std::endl;
  return 0;
}

int Main(int argc, char** argv) {
  if (argc > 1 && std::string(argv[1]) == "grow") return Grow(argc, argv);
  const Options o = ParseArgs(argc, argv);
  const LogFacts log = GetLogFacts(o.server);
  const auto prep_start = Clock::now();
  std::vector<std::string> bodies;
  if (o.workload == "register") {
    Result<SecretKey> authority = SecretKey::Load(o.authority);
    if (!authority.ok()) Usage(authority.status().message());
    bodies = PrepareBodies(o, *authority, log.origin);
  } else {
    bodies = PrepareBusinessBodies(o, log);
  }
  const double prep_s = std::chrono::duration<double>(Clock::now() - prep_start).count();

  const std::map<std::string, double> before = ReadMetrics(o.server);
  if (before.empty()) {
    std::cerr << "vigil_append_load: cannot read " << o.server << "/metrics; is the server up?\n";
    return 2;
  }

  const std::vector<std::string> requests =
      FormatRequests(HostPort(o.server).first, bodies, o.batch);
  const double client_cpu_before = ProcessCpuSeconds();
  Clock::time_point start;
  ClientResult result = RunClients(o, requests, start);
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  const double client_cpu_s = ProcessCpuSeconds() - client_cpu_before;
  const std::map<std::string, double> after = ReadMetrics(o.server);

  std::vector<double>& all = result.latencies_ms;
  std::map<int, size_t>& statuses = result.statuses;
  const std::optional<std::string>& first_error = result.first_error;
  std::sort(all.begin(), all.end());
  const size_t ok = statuses.count(201) != 0 ? statuses[201] : 0;

  auto delta = [&](const std::string& name) {
    auto a = after.find(name), b = before.find(name);
    return a == after.end() || b == before.end() ? 0.0 : a->second - b->second;
  };
  const double batches = delta("vigil_batches_total");
  const double items = delta("vigil_batch_items_total");
  nlohmann::json statuses_json = nlohmann::json::object();
  for (const auto& [status, n] : statuses) statuses_json[std::to_string(status)] = n;

  nlohmann::json summary = {
      {"server", o.server},
      {"workload", o.workload},
      {"batch", o.batch},
      {"log_size_before", log.size},
      {"clients", o.clients},
      {"tcp_nodelay", o.tcp_nodelay},
      {"rate", o.rate},
      {"records", o.records},
      {"ok_201", ok},
      {"errors", o.records - ok},
      {"statuses", statuses_json},
      {"seconds", Round(seconds, 3)},
      {"records_per_s", Round(static_cast<double>(ok) / seconds, 1)},
      {"latency_ms",
       {{"p50", Round(Percentile(all, 50), 2)},
        {"p90", Round(Percentile(all, 90), 2)},
        {"p99", Round(Percentile(all, 99), 2)},
        {"max", Round(all.empty() ? 0 : all.back(), 2)}}},
      {"server_batches", batches},
      {"mean_batch", batches > 0 ? Round(items / batches, 2) : 0.0},
      {"server_commit_s", Round(delta("vigil_commit_seconds_total"), 3)},
      // CPU time per record, whatever else the machine was running: the server's (from its
      // process_cpu_seconds_total) and this tool's own clients'.
      {"server_cpu_us_per_record",
       ok > 0 ? Round(delta("process_cpu_seconds_total") * 1e6 / static_cast<double>(ok), 1) : 0.0},
      {"client_cpu_us_per_record",
       ok > 0 ? Round(client_cpu_s * 1e6 / static_cast<double>(ok), 1) : 0.0},
      {"server_peak_rss_mib", Round(after.count("process_max_resident_memory_bytes") != 0
                                        ? after.at("process_max_resident_memory_bytes") / 1048576.0
                                        : 0.0,
                                    1)},
      {"prepare_s", Round(prep_s, 3)},
  };
  if (o.workload != "register")
    summary["business_records_before"] = log.size - kBusinessSetUpEntries;
  if (o.batch > 0) {
    summary["requests"] = requests.size();
    summary["requests_per_s"] = Round(static_cast<double>(requests.size()) / seconds, 1);
  }
  if (first_error.has_value()) summary["first_error"] = *first_error;
  std::cout << summary.dump() << std::endl;
  return ok == o.records ? 0 : 1;
}

}  // namespace
}  // namespace vigil::bench

int main(int argc, char** argv) { return vigil::bench::Main(argc, argv); }
