// vigil_append_load: durable appends per second with many concurrent submitters.
//
//   vigil_append_load --server http://127.0.0.1:8080 --authority DATA/keys/authority.key
//                     --clients 32 --records 5000
//
// Before the clock starts it generates --records fresh Ed25519 keys and signs one
// participant.register payload per key with the authority key, so signing never competes with
// the server for the CPU. Then --clients threads, each with its own keep-alive
// httplib::Client, take the next prepared body and POST it to /v1/entries until none are left.
// Every answer must be 201 (a new durable entry). It prints one JSON line: throughput, latency
// percentiles, the error count with the first error, and the server's batch counters read from
// /metrics before and after (mean batch size = submissions per committed transaction).
// The clients set TCP_NODELAY unless --tcp-nodelay 0 (see RunClient).
// --rate R paces the submissions at R records/s in all (open loop: record i is due at
// start + i/R, and its latency counts from when it was due, so a slow server cannot hide
// queueing by slowing the clients down); without it every client sends as fast as it can.
// Exit status: 0 every record answered 201, 1 otherwise, 2 usage or set-up error.
#include <httplib.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "keys/encoding.h"
#include "keys/key.h"
#include "ledger/entry.h"

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
};

[[noreturn]] void Usage(const std::string& message) {
  std::cerr << "vigil_append_load: " << message << "\n"
            << "usage: vigil_append_load --server URL --authority KEYFILE [--clients N]\n"
            << "         [--records M] [--authority-id ID] [--id-prefix P] [--timeout S]\n"
            << "         [--tcp-nodelay 0|1] [--rate RECORDS_PER_S]\n";
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
    } else if (arg == "--timeout") {
      o.timeout_s = static_cast<int>(number(1));
    } else if (arg == "--help" || arg == "-h") {
      Usage("measures durable appends per second");
    } else {
      Usage("unknown argument " + arg);
    }
  }
  if (o.server.empty() || o.authority.empty()) Usage("--server and --authority are required");
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

// The POST /v1/entries bodies, signed before any timing starts.
std::vector<std::string> PrepareBodies(const Options& o, const SecretKey& authority) {
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
                              {"tax_code", "09" + n},
                              {"keys", {business.public_key().ToBase64()}}};
    const std::string bytes = payload.dump();
    nlohmann::json body = {{"signer", authority.Id()},
                           {"payload", bytes},
                           {"sig", Base64Encode(authority.Sign(SignContext::kEntry, bytes))}};
    bodies.push_back(body.dump());
  }
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
  std::vector<double> latencies_ms;
  std::map<int, size_t> statuses;  // HTTP status (or -1 for a transport error) -> count
  std::optional<std::string> first_error;
};

void RunClient(const Options& o, const std::vector<std::string>& bodies,
               std::atomic<size_t>& next, std::atomic<bool>& go, const Clock::time_point& t0,
               ClientResult& out) {
  httplib::Client client(o.server);
  client.set_keep_alive(true);
  // httplib writes a request's headers and body separately; with Nagle's algorithm the body
  // then waits for the server's delayed ACK (~40 ms on Linux). 0 shows that cost.
  client.set_tcp_nodelay(o.tcp_nodelay);
  client.set_connection_timeout(10, 0);
  client.set_read_timeout(o.timeout_s, 0);
  client.set_write_timeout(o.timeout_s, 0);
  out.latencies_ms.reserve(bodies.size() / static_cast<size_t>(o.clients) + 16);
  while (!go.load(std::memory_order_acquire)) std::this_thread::yield();
  for (;;) {
    const size_t i = next.fetch_add(1);
    if (i >= bodies.size()) break;
    auto start = Clock::now();
    if (o.rate > 0) {
      start = t0 + std::chrono::duration_cast<Clock::duration>(
                       std::chrono::duration<double>(static_cast<double>(i) / o.rate));
      std::this_thread::sleep_until(start);
    }
    httplib::Result res = client.Post("/v1/entries", bodies[i], "application/json");
    const double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    out.latencies_ms.push_back(ms);
    const int status = res ? res->status : -1;
    ++out.statuses[status];
    if (status != 201 && !out.first_error.has_value()) {
      out.first_error = res ? "record " + std::to_string(i) + ": HTTP " + std::to_string(status) +
                                  ": " + res->body.substr(0, 300)
                            : "record " + std::to_string(i) + ": " + httplib::to_string(res.error());
    }
  }
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

int Main(int argc, char** argv) {
  const Options o = ParseArgs(argc, argv);
  Result<SecretKey> authority = SecretKey::Load(o.authority);
  if (!authority.ok()) Usage(authority.status().message());

  const auto prep_start = Clock::now();
  const std::vector<std::string> bodies = PrepareBodies(o, *authority);
  const double prep_s = std::chrono::duration<double>(Clock::now() - prep_start).count();

  const std::map<std::string, double> before = ReadMetrics(o.server);
  if (before.empty()) {
    std::cerr << "vigil_append_load: cannot read " << o.server << "/metrics; is the server up?\n";
    return 2;
  }

  std::atomic<size_t> next{0};
  std::atomic<bool> go{false};
  std::vector<ClientResult> results(static_cast<size_t>(o.clients));
  std::vector<std::thread> threads;
  threads.reserve(results.size());
  Clock::time_point start;
  for (ClientResult& r : results) {
    threads.emplace_back(RunClient, std::cref(o), std::cref(bodies), std::ref(next), std::ref(go),
                         std::cref(start), std::ref(r));
  }
  const double client_cpu_before = ProcessCpuSeconds();
  start = Clock::now();
  go.store(true, std::memory_order_release);
  for (std::thread& t : threads) t.join();
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  const double client_cpu_s = ProcessCpuSeconds() - client_cpu_before;
  const std::map<std::string, double> after = ReadMetrics(o.server);

  std::vector<double> all;
  std::map<int, size_t> statuses;
  std::optional<std::string> first_error;
  for (const ClientResult& r : results) {
    all.insert(all.end(), r.latencies_ms.begin(), r.latencies_ms.end());
    for (const auto& [status, n] : r.statuses) statuses[status] += n;
    if (!first_error.has_value()) first_error = r.first_error;
  }
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
                                        : 0.0, 1)},
      {"prepare_s", Round(prep_s, 3)},
  };
  if (first_error.has_value()) summary["first_error"] = *first_error;
  std::cout << summary.dump() << std::endl;
  return ok == o.records ? 0 : 1;
}

}  // namespace
}  // namespace vigil::bench

int main(int argc, char** argv) { return vigil::bench::Main(argc, argv); }
