// The machine's limits, measured in the same run as a benchmark so that its figures can be
// read as ratios (docs/performance.md): Ed25519 verifications per second on one core, SHA-256
// of an entry per second, durable LMDB commits (fsyncs) per second, CPU clocks and the load
// average. Header-only, shared by vigil_verify_bench and vigil_history_bench (vigil_bench
// measures the same limits with Google Benchmark).
#ifndef VIGIL_TESTS_BENCH_BENCH_LIMITS_H_
#define VIGIL_TESTS_BENCH_BENCH_LIMITS_H_

#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <utility>

#include "keys/coding.h"
#include "keys/encoding.h"
#include "keys/key.h"
#include "ledger/log/db.h"

namespace vigil::bench {

using BenchClock = std::chrono::steady_clock;

// The origin limit measurements sign for (any log would do).
inline constexpr char kLimitsOrigin[] = "bench.example/limits";

inline double SecondsSince(BenchClock::time_point start) {
  return std::chrono::duration<double>(BenchClock::now() - start).count();
}

// CPU time of this process (CLOCK_PROCESS_CPUTIME_ID, all threads) or of the calling thread
// (CLOCK_THREAD_CPUTIME_ID), in seconds.
inline double CpuSeconds(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// User + system CPU time of this process (getrusage), in seconds: what the kernel spends on
// its behalf (writes, fsync) counts too.
inline double RusageCpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// Ed25519 verifications per second of wall time and per second of this thread's CPU time
// (the second is what one core does when nobody else wants it; the machine may be shared).
inline std::pair<double, double> Ed25519PerSecond(double seconds = 2.0) {
  SecretKey k = SecretKey::Generate();
  const std::string msg(300, 'x');
  const std::string sig = k.Sign(SignContext::kEntry, kLimitsOrigin, msg);
  const PublicKey pub = k.public_key();
  uint64_t n = 0;
  const auto start = BenchClock::now();
  const double cpu0 = CpuSeconds(CLOCK_THREAD_CPUTIME_ID);
  while (SecondsSince(start) < seconds) {
    for (int i = 0; i < 100; ++i)
      if (pub.Verify(SignContext::kEntry, kLimitsOrigin, msg, sig)) ++n;
  }
  return {static_cast<double>(n) / SecondsSince(start),
          static_cast<double>(n) / (CpuSeconds(CLOCK_THREAD_CPUTIME_ID) - cpu0)};
}

inline double Sha256PerSecond(double seconds = 1.0) {
  const std::string entry(600, 'e');
  uint64_t n = 0;
  volatile uint8_t sink = 0;
  const auto start = BenchClock::now();
  while (SecondsSince(start) < seconds) {
    for (int i = 0; i < 1000; ++i) sink = sink + Sha256(entry)[0];
    n += 1000;
  }
  return static_cast<double>(n) / SecondsSince(start);
}

// Durable LMDB commits per second (one 600-byte put each, fsync'd), as vigil_bench's
// limit_lmdb_commit: the ceiling of single-record durable appends. In a scratch directory
// under `parent` (removed afterwards); 0 if it cannot be measured.
inline double LmdbCommitsPerSecond(const std::string& parent, double seconds = 2.0) {
  std::string templ = parent + "/vigil_fsync.XXXXXX";
  if (::mkdtemp(templ.data()) == nullptr) return 0;
  double rate = 0;
  {
    Result<std::unique_ptr<db::Env>> env = db::Env::Open(templ);
    if (env.ok()) {
      const std::string value(600, 'v');
      uint64_t i = 0;
      const auto start = BenchClock::now();
      while (SecondsSince(start) < seconds) {
        Result<db::Txn> txn = (*env)->BeginWrite();
        if (!txn.ok() || !txn->Append(db::Table::kEntries, EncodeBigEndian64(i), value).ok() ||
            !txn->Commit().ok()) {
          break;
        }
        ++i;
      }
      rate = static_cast<double>(i) / SecondsSince(start);
    }
  }
  std::error_code ec;
  std::filesystem::remove_all(templ, ec);
  return rate;
}

inline std::string LoadAverage() {
  double load[3] = {0, 0, 0};
  if (getloadavg(load, 3) < 1) return "?";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.1f", load[0]);
  return buf;
}

}  // namespace vigil::bench

#endif  // VIGIL_TESTS_BENCH_BENCH_LIMITS_H_
