// vigil_verify_bench: full verification (VerifyStore, what `vigil verify --data` runs) against
// this machine's Ed25519 verification rate, measured in the same run.
//
//   vigil_verify_bench --data /tmp/vbench --entries 100000 [--threads 1,2] [--no-sequential]
//                      [--no-limits]
//
// If DIR holds no log, builds one first, in process: `vigil init`'s layout, then
// participant.register records signed by the authority, appended in batches of 1000 (each
// record checked by the same Apply as the server). Then, in one sitting:
//   * Ed25519 verifications per second on one core (libsodium, 300-byte messages, 2 s) and
//     SHA-256 hashes of 600-byte entries per second;
//   * VerifyStore with one chunk and one thread (every stage in turn on one core at a time:
//     the sequential verifier's work, as before the parallel one) and with --threads T for
//     each T, in 4096-entry chunks.
// Prints a Markdown table: entries/s, and the ratio to (cores used × one core's Ed25519 rate).
// DIR may also hold a log made otherwise (vigil_scale_bench grow, vigil_history_bench --data).
// --no-sequential leaves out the one-chunk run; --no-limits leaves out the Ed25519 and SHA-256
// measurements (ratios are then printed as 0): for profiling one verification alone (callgrind).
// Exit status: 0 ok, 1 a verification failed, 2 usage or set-up error.
#include <sodium.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "keys/encoding.h"
#include "keys/key.h"
#include "ledger/ledger.h"
#include "ledger/log/entry.h"
#include "ledger/log/log.h"
#include "ledger/verify.h"
#include "tests/bench/bench_limits.h"

namespace {

constexpr char kOrigin[] = "bench.vigil.example/log";

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

int Build(const std::string& dir, uint64_t entries) {
  vigil::InitOptions init;
  init.origin = kOrigin;
  vigil::Result<vigil::LogInfo> info = vigil::Ledger::Init(dir, init);
  if (!info.ok()) {
    std::cerr << "init: " << info.status().message() << "\n";
    return 2;
  }
  vigil::Result<std::unique_ptr<vigil::Ledger>> log = vigil::Ledger::Open(dir);
  vigil::Result<vigil::SecretKey> authority = vigil::SecretKey::Load(dir + "/keys/authority.key");
  if (!log.ok() || !authority.ok()) {
    std::cerr << "open: cannot open the new log\n";
    return 2;
  }
  const auto start = Clock::now();
  uint64_t done = 1;  // the genesis entry
  while (done < entries) {
    std::vector<vigil::Submission> subs;
    for (uint64_t i = 0; i < 1000 && done + i < entries; ++i) {
      const std::string id = "r" + std::to_string(done + i);
      vigil::SecretKey k = vigil::SecretKey::Generate();
      nlohmann::json p = {{"type", "participant.register"},
                          {"id", id},
                          {"actor", "authority"},
                          {"at", vigil::FormatTimestamp(vigil::NowMs())},
                          {"participant", "p-" + id},
                          {"role", "business"},
                          {"legal_name", "Công ty TNHH Hóa chất số " + id},
                          {"keys", {k.public_key().ToBase64()}}};
      vigil::Submission s;
      s.signer = authority->Id();
      s.payload = p.dump();
      s.sig = authority->Sign(vigil::SignContext::kEntry, kOrigin, s.payload);
      subs.push_back(std::move(s));
    }
    for (auto& r : (*log)->log().AppendBatch(subs, vigil::NowMs())) {
      if (!r.ok()) {
        std::cerr << "append: " << r.status().ToString() << "\n";
        return 2;
      }
    }
    done += subs.size();
    std::cerr << "\rbuilt " << done << "/" << entries << " entries" << std::flush;
  }
  std::cerr << " in " << Seconds(start) << " s\n";
  return 0;
}

using vigil::bench::CpuSeconds;
using vigil::bench::Ed25519PerSecond;
using vigil::bench::LoadAverage;
using vigil::bench::Sha256PerSecond;

}  // namespace

int main(int argc, char** argv) {
  vigil::EnsureSodium();
  std::string dir;
  uint64_t entries = 100000;
  std::vector<int> threads = {1, 2};
  bool sequential = true, limits = true;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--data" && i + 1 < argc) {
      dir = argv[++i];
    } else if (a == "--entries" && i + 1 < argc) {
      entries = std::stoull(argv[++i]);
    } else if (a == "--threads" && i + 1 < argc) {
      threads.clear();
      std::stringstream ss(argv[++i]);
      for (std::string t; std::getline(ss, t, ',');) threads.push_back(std::stoi(t));
    } else if (a == "--no-sequential") {
      sequential = false;
    } else if (a == "--no-limits") {
      limits = false;
    } else {
      std::cerr << "usage: vigil_verify_bench --data DIR [--entries N] [--threads 1,2] "
                   "[--no-sequential] [--no-limits]\n";
      return 2;
    }
  }
  if (dir.empty()) {
    std::cerr << "vigil_verify_bench: --data DIR is required\n";
    return 2;
  }
  if (::access((dir + "/store/data.mdb").c_str(), F_OK) != 0) {
    if (int rc = Build(dir, entries); rc != 0) return rc;
  }

  const auto [ed, ed_cpu] = limits ? Ed25519PerSecond() : std::pair<double, double>(0, 0);
  const double sha = limits ? Sha256PerSecond() : 0;
  const unsigned cores = std::thread::hardware_concurrency();
  std::printf(
      "machine: %u cores, load average %s; one core: %.0f Ed25519 verifications/s "
      "(%.0f per CPU-second), %.0f SHA-256 (600 B)/s\n\n",
      cores, LoadAverage().c_str(), ed, ed_cpu, sha);
  std::printf(
      "| run | threads | entries | wall s | CPU s | entries/s | limit: cores used x Ed25519/s | "
      "ratio | entries per CPU-s / Ed25519 per CPU-s |\n");
  std::printf("|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
  struct Run {
    const char* name;
    int threads;
    size_t chunk;
  };
  std::vector<Run> runs;
  if (sequential)
    runs.push_back({"sequential (one chunk, one stage at a time)", 1, size_t{1} << 40});
  for (int t : threads) runs.push_back({"parallel, 4096-entry chunks", t, 4096});
  int rc = 0;
  for (const Run& run : runs) {
    vigil::VerifyOptions o;
    o.threads = run.threads;
    o.chunk_entries = run.chunk;
    const auto start = Clock::now();
    const double cpu0 = CpuSeconds(CLOCK_PROCESS_CPUTIME_ID);
    vigil::Result<vigil::VerifyReport> r = vigil::VerifyStore(dir, o);
    const double secs = Seconds(start);
    const double cpu = CpuSeconds(CLOCK_PROCESS_CPUTIME_ID) - cpu0;
    if (!r.ok() || !r->ok()) {
      std::cerr << "verification failed: "
                << (r.ok() ? r->problems.front().what : r.status().message()) << "\n";
      rc = 1;
      continue;
    }
    const int used = std::min<int>(run.threads, static_cast<int>(cores));
    const double limit = ed * used;
    const double n = static_cast<double>(r->size);
    std::printf("| %s | %d | %llu | %.2f | %.2f | %.0f | %.0f | %.0f%% | %.0f%% |\n", run.name,
                run.threads, static_cast<unsigned long long>(r->size), secs, cpu, n / secs, limit,
                limits ? 100.0 * n / secs / limit : 0.0, limits ? 100.0 * n / cpu / ed_cpu : 0.0);
  }
  return rc;
}
