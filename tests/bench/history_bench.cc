// vigil_history_bench: the cost of one record as ONE busy business's history grows (issue 14
// item 7, "constant cost per record"; docs/performance.md).
//
//   vigil_history_bench [--points 1000,10000,100000] [--measure 2000] [--per-day 100]
//                       [--submitters 32] [--threads 0] [--out F.json] [--data DIR]
//
// In a fresh ledger (Ledger::Init, in DIR or a scratch directory under $TMPDIR removed at the
// end) the authority sets an acetone threshold (single 5,000 L, 500,000 L in 30 days: above
// what this honest distributor buys, so no alert is raised) and registers "one-distributor"
// (tax code 0101234567, a precursor_trading licence for acetone). Its records are then
// generated: --per-day a day (7 in 10 a chem.purchase of 100 L from one of three outside
// suppliers, 3 in 10 a chem.sale of 200 L to one of five outside buyers, sales from the 4th
// day on), each filed up to 2 days after its `at` (the server's ts runs on a virtual clock
// from the genesis on, one day per --per-day records, so that the history spans real days:
// 100k records are ~1,000 days of window and stock-flow day buckets). All go through the real
// append path (Log::Prepare + Log::AppendBatch, durable), the history in batches of one day.
//
// When the business has each of --points prior records, measures on the next --measure
// records of that business:
//   apply    Apply alone (payload parse + every rule, signatures pre-verified) on the state
//            as it is, each record (dated up to 2 days before the log's last ts) in an
//            OverlayStateStore dropped afterwards: CPU per record of this thread, the least of
//            three passes; and the state reads Apply makes (point reads, prefix scans and the
//            keys they visit, by key family);
//   single   Prepare (Ed25519) + AppendBatch of ONE record, durable (one fsync each): CPU
//            (getrusage user+sys) and wall per record;
//   writer   the Writer's group commit with --submitters threads calling Submit: CPU and wall
//            per record (the batching the server uses);
//            both in 4 chunks timed apart: the CPU per record reported is the least disturbed
//            chunk's (the machine is shared; all chunks are in the JSON), records/s the whole's;
// then closes the ledger and runs VerifyStore (`vigil verify --data`, --threads, 0 = all
// cores) over the whole log: entries/s. The machine's limits come from the same run: Ed25519
// verifications/s on one core, durable LMDB commits (fsyncs)/s, cores.
// Prints a Markdown table; --out writes the figures as JSON. Exit 0 ok, 1 a record was
// refused or a verification failed, 2 usage or set-up error.
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "keys/encoding.h"
#include "keys/key.h"
#include "ledger/ledger.h"
#include "ledger/log/entry.h"
#include "ledger/log/log.h"
#include "ledger/log/writer.h"
#include "ledger/state/payload.h"
#include "ledger/state/state.h"
#include "ledger/state/state_store.h"
#include "ledger/txn_state_store.h"
#include "ledger/verify.h"
#include "tests/bench/bench_limits.h"
#include "tests/bench/busy_business.h"

namespace vigil::bench {
namespace {

using nlohmann::json;

constexpr char kOrigin[] = "bench.vigil.example/history";

constexpr int64_t kDayMs = kBusinessDayMs;
constexpr const char* kBusiness = kBusinessId;

[[noreturn]] void Die(const std::string& message) {
  std::cerr << "vigil_history_bench: " << message << "\n";
  std::exit(2);
}
void Require(const Status& s, const std::string& what) {
  if (!s.ok()) Die(what + ": " + s.ToString());
}

Submission Sign(const json& payload, const SecretKey& key) {
  return SignFor(payload, key, kOrigin);
}

// The state reads Apply makes, counted: point reads, prefix scans, and the keys those scans
// visit, by key family (the text before the first '/'). A rule that scans history shows here
// as keys visited per record growing with the history.
class CountingStateStore : public StateStore {
 public:
  explicit CountingStateStore(StateStore& base) : base_(base) {}
  Result<std::optional<std::string>> Get(std::string_view key) const override {
    ++gets_;
    return base_.Get(key);
  }
  Status Put(std::string_view key, std::string_view value) override {
    return base_.Put(key, value);
  }
  Status Delete(std::string_view key) override { return base_.Delete(key); }
  Status ScanPrefix(std::string_view prefix, const ScanFn& fn,
                    std::string_view from = {}) const override {
    ++scans_;
    uint64_t& visited = visited_[std::string(prefix.substr(0, prefix.find('/')))];
    return base_.ScanPrefix(
        prefix,
        [&](std::string_view k, std::string_view v) {
          ++visited;
          return fn(k, v);
        },
        from);
  }
  json Totals(double records) const {
    json by_family = json::object();
    uint64_t visited = 0;
    for (const auto& [family, n] : visited_) {
      by_family[family] = static_cast<double>(n) / records;
      visited += n;
    }
    return {{"gets_per_record", static_cast<double>(gets_) / records},
            {"scans_per_record", static_cast<double>(scans_) / records},
            {"scanned_keys_per_record", static_cast<double>(visited) / records},
            {"scanned_keys_per_record_by_family", by_family}};
  }

 private:
  StateStore& base_;
  mutable uint64_t gets_ = 0, scans_ = 0;
  mutable std::map<std::string, uint64_t> visited_;
};

struct Args {
  std::vector<uint64_t> points = {1000, 10000, 100000};
  uint64_t measure = 2000;
  int64_t per_day = 100;
  int submitters = 32;
  int threads = 0;
  std::string out, data;
};

std::string Fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

// "total (user u + system s)" of a chunked measurement.
std::string CpuCell(const json& m) {
  return Fixed(m["cpu_us_per_record"].get<double>(), 1) + " (" +
         Fixed(m["cpu_us_per_record_user"].get<double>(), 0) + " u + " +
         Fixed(m["cpu_us_per_record_sys"].get<double>(), 0) + " s)";
}

class Bench {
 public:
  Bench(Args args, std::string dir) : a_(std::move(args)), dir_(std::move(dir)) {}

  int Run() {
    const auto [ed, ed_cpu] = Ed25519PerSecond();
    const std::filesystem::path parent = std::filesystem::absolute(dir_).parent_path();
    std::filesystem::create_directories(parent);
    const double fsyncs = LmdbCommitsPerSecond(parent.string());
    const unsigned cores = std::thread::hardware_concurrency();
    out_["machine"] = {{"cores", cores},
                       {"load_average_at_start", LoadAverage()},
                       {"ed25519_verify_per_s_one_core", std::round(ed)},
                       {"ed25519_verify_per_cpu_s", std::round(ed_cpu)},
                       {"lmdb_durable_commits_per_s", std::round(fsyncs)}};
    std::printf(
        "machine: %u cores, load average %s; one core: %.0f Ed25519 verifications/s (%.0f per "
        "CPU-second); %.0f durable LMDB commits (fsyncs)/s\n\n",
        cores, LoadAverage().c_str(), ed, ed_cpu, fsyncs);
    std::fflush(stdout);

    SetUp();
    std::printf(
        "| prior records of the business | log entries verified | Ed25519/CPU-s now | apply: CPU "
        "us/record | "
        "single-record "
        "appends: CPU us/record | records/s | writer (%d submitters): CPU us/record | records/s "
        "| verify: entries/s | verify CPU us/entry |\n",
        a_.submitters);
    std::printf("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    std::fflush(stdout);
    int rc = 0;
    for (uint64_t point : a_.points) {
      Grow(point);
      json row = {{"prior_records", next_}};
      // The machine's speed right now (it drifts with other tenants): CPU figures of this
      // point can be read in Ed25519 verifications' worth.
      const double ed_now = Ed25519PerSecond(0.5).second;
      row["ed25519_verify_per_cpu_s_at_point"] = std::round(ed_now);
      row["apply"] = MeasureApply();
      row["single"] = MeasureSingle();
      row["writer"] = MeasureWriter();
      row["log_entries_before_verify"] = ledger_->log().Size();
      ledger_.reset();  // LMDB: one environment per store per process
      row["verify"] = MeasureVerify();
      if (!row["verify"].value("ok", false)) rc = 1;
      Reopen();
      std::printf("| %llu | %llu | %.0f | %s | %s | %s | %s | %s | %s | %s |\n",
                  static_cast<unsigned long long>(point),
                  static_cast<unsigned long long>(row["log_entries_before_verify"].get<uint64_t>()),
                  ed_now, Fixed(row["apply"]["cpu_us_per_record"].get<double>(), 1).c_str(),
                  CpuCell(row["single"]).c_str(),
                  Fixed(row["single"]["records_per_s"].get<double>(), 0).c_str(),
                  CpuCell(row["writer"]).c_str(),
                  Fixed(row["writer"]["records_per_s"].get<double>(), 0).c_str(),
                  Fixed(row["verify"]["entries_per_s"].get<double>(), 0).c_str(),
                  Fixed(row["verify"]["cpu_us_per_entry"].get<double>(), 1).c_str());
      std::fflush(stdout);
      out_["points"].push_back(row);
    }
    std::printf(
        "\nstate reads per record by Apply: | prior records | point reads | prefix scans | keys "
        "visited by scans (by family) |\n");
    for (const json& row : out_["points"]) {
      const json& r = row["apply"]["state_reads"];
      std::printf("| %llu | %.1f | %.1f | %.1f %s |\n",
                  static_cast<unsigned long long>(row["prior_records"].get<uint64_t>()),
                  r["gets_per_record"].get<double>(), r["scans_per_record"].get<double>(),
                  r["scanned_keys_per_record"].get<double>(),
                  r["scanned_keys_per_record_by_family"].dump().c_str());
    }
    out_["records_per_day"] = a_.per_day;
    out_["measured_records_per_mode"] = a_.measure;
    out_["writer_submitters"] = a_.submitters;
    if (!a_.out.empty()) {
      std::ofstream f(a_.out);
      f << out_.dump(2) << "\n";
    }
    return rc;
  }

 private:
  void Reopen() {
    Result<std::unique_ptr<Ledger>> opened = Ledger::Open(dir_);
    Require(opened.status(), "open");
    ledger_ = std::move(*opened);
  }

  // One durable batch at server time `now`; every record must be accepted.
  void AppendAll(std::vector<Submission>& subs, int64_t now) {
    for (Submission& s : subs) ledger_->log().Prepare(s);
    std::vector<Result<Appended>> r = ledger_->log().AppendBatch(subs, now);
    for (size_t i = 0; i < r.size(); ++i) {
      if (!r[i].ok()) {
        std::cerr << "refused: " << subs[i].payload << "\n";
        Die("append: " + r[i].status().ToString());
      }
    }
  }

  void SetUp() {
    InitOptions init;
    init.origin = kOrigin;
    init.jurisdiction = {{"province", "Hà Nội"}, {"commune", "Xã Thanh Trì"}};
    Require(Ledger::Init(dir_, init).status(), "init");
    Reopen();
    Result<SecretKey> authority = SecretKey::Load(dir_ + "/keys/authority.key");
    Require(authority.status(), "authority key");
    Result<std::string> genesis = ledger_->log().EntryAt(0);
    Require(genesis.status(), "genesis");
    Result<Entry> e = DecodeEntry(*genesis);
    Require(e.status(), "genesis entry");
    const int64_t t0 = e->ts_ms + 1000;
    business_.emplace(t0 + 3 * kDayMs, t0, a_.per_day, kOrigin);
    std::vector<Submission> subs;
    for (const json& p : BusinessSetUpPayloads(t0)) subs.push_back(Sign(p, *authority));
    AppendAll(subs, t0);
  }

  // Appends the business's records up to `point` prior ones, one durable batch per day.
  void Grow(uint64_t point) {
    const auto start = BenchClock::now();
    while (next_ < point) {
      std::vector<Submission> subs;
      const uint64_t end =
          std::min<uint64_t>(point, (next_ / static_cast<uint64_t>(a_.per_day) + 1) *
                                        static_cast<uint64_t>(a_.per_day));
      for (uint64_t k = next_; k < end; ++k) subs.push_back(business_->Make(k, business_->Slot(k)));
      AppendAll(subs, business_->Slot(end - 1));
      next_ = end;
    }
    std::cerr << "history: " << next_ << " records of " << kBusiness << " (+"
              << Fixed(SecondsSince(start), 1) << " s)\n";
  }

  // Apply alone: the next records, each on the state as it is now, written to an overlay that
  // is dropped (so each sees the same history). Payload parse + rules; Ed25519 pre-checked.
  json MeasureApply() {
    std::vector<Submission> subs;
    std::vector<Entry> entries;
    const int64_t ts = business_->Slot(next_ - 1);  // now: the window holds its full history
    for (uint64_t k = next_; k < next_ + a_.measure; ++k) {
      subs.push_back(business_->Make(k, ts));
      Entry e;
      e.seq = ledger_->log().Size();
      e.ts_ms = ts;
      e.signer = subs.back().signer;
      e.payload = subs.back().payload;
      e.sig = subs.back().sig;
      entries.push_back(std::move(e));
    }
    VerifiedSignatures verified;
    verified.pairs.emplace_back(business_->key().public_key(), "");
    Result<db::Txn> txn = ledger_->log().BeginRead();
    Require(txn.status(), "read");
    TxnStateStore base(*txn);
    // Three passes over the same records; the least CPU of the three is the least disturbed
    // by other tenants of the machine.
    std::vector<double> passes;
    for (int pass = 0; pass < 3; ++pass) {
      const double cpu0 = CpuSeconds(CLOCK_THREAD_CPUTIME_ID);
      for (const Entry& e : entries) {
        Result<Payload> p = ParsePayload(e.payload);
        Require(p.status(), "parse");
        verified.pairs[0].second = e.sig;
        OverlayStateStore overlay(base);
        Require(Apply(overlay, kOrigin, e, *p, &verified), "apply " + e.payload);
      }
      passes.push_back(CpuSeconds(CLOCK_THREAD_CPUTIME_ID) - cpu0);
    }
    const double cpu = *std::min_element(passes.begin(), passes.end());
    const double n = static_cast<double>(entries.size());
    // Once more, untimed, counting the state reads.
    CountingStateStore counting(base);
    for (const Entry& e : entries) {
      Result<Payload> p = ParsePayload(e.payload);
      Require(p.status(), "parse");
      verified.pairs[0].second = e.sig;
      OverlayStateStore overlay(counting);
      Require(Apply(overlay, kOrigin, e, *p, &verified), "apply " + e.payload);
    }
    return {{"records", entries.size()},
            {"cpu_us_per_record", cpu / n * 1e6},
            {"cpu_us_per_record_passes",
             {passes[0] / n * 1e6, passes[1] / n * 1e6, passes[2] / n * 1e6}},
            {"state_reads", counting.Totals(n)}};
  }

  // User and system CPU seconds of this process (getrusage).
  static std::pair<double, double> UserSys() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return {static_cast<double>(u.ru_utime.tv_sec) + static_cast<double>(u.ru_utime.tv_usec) / 1e6,
            static_cast<double>(u.ru_stime.tv_sec) + static_cast<double>(u.ru_stime.tv_usec) / 1e6};
  }

  // Runs `run(from, to)` over the measured records in kChunks chunks, each timed on its own:
  // CPU per record of the least disturbed chunk (the machine is shared), of all of them, its
  // user/system split, and records/s over the whole.
  static constexpr uint64_t kChunks = 4;
  template <typename Fn>
  json Chunked(Fn run) {
    const uint64_t n = a_.measure;
    double best = 1e100, best_user = 0, best_sys = 0, total = 0;
    std::vector<double> per_chunk;
    const auto start = BenchClock::now();
    for (uint64_t c = 0; c < kChunks; ++c) {
      const uint64_t from = n * c / kChunks, to = n * (c + 1) / kChunks;
      const auto [u0, s0] = UserSys();
      run(from, to);
      const auto [u1, s1] = UserSys();
      const double records = static_cast<double>(to - from);
      const double cpu = (u1 - u0 + s1 - s0) / records * 1e6;
      per_chunk.push_back(cpu);
      total += (u1 - u0 + s1 - s0);
      if (cpu < best) {
        best = cpu;
        best_user = (u1 - u0) / records * 1e6;
        best_sys = (s1 - s0) / records * 1e6;
      }
    }
    const double wall = SecondsSince(start);
    const double records = static_cast<double>(n);
    next_ += n;
    return {{"records", n},
            {"cpu_us_per_record", best},
            {"cpu_us_per_record_user", best_user},
            {"cpu_us_per_record_sys", best_sys},
            {"cpu_us_per_record_chunks", per_chunk},
            {"cpu_us_per_record_all", total / records * 1e6},
            {"wall_us_per_record", wall / records * 1e6},
            {"records_per_s", records / wall}};
  }

  // Single-record durable appends through Prepare + AppendBatch, pre-signed.
  json MeasureSingle() {
    std::vector<Submission> subs;
    for (uint64_t k = next_; k < next_ + a_.measure; ++k)
      subs.push_back(business_->Make(k, business_->Slot(k)));
    return Chunked([&](uint64_t from, uint64_t to) {
      for (uint64_t i = from; i < to; ++i) {
        std::vector<Submission> one = {std::move(subs[i])};
        AppendAll(one, business_->Slot(next_ + i));
      }
    });
  }

  // The Writer's group commit: --submitters threads Submit pre-signed records. The Writer's
  // clock is the real one, behind the virtual clock, so each entry's ts is the log's last ts:
  // the records are dated (up to 2 days) before that.
  json MeasureWriter() {
    const int64_t ts = business_->Slot(next_ - 1);
    std::vector<Submission> subs;
    for (uint64_t k = next_; k < next_ + a_.measure; ++k) subs.push_back(business_->Make(k, ts));
    std::atomic<size_t> refused{0};
    std::string first_refusal;
    std::mutex mu;
    json r = Chunked([&](uint64_t from, uint64_t to) {
      std::atomic<size_t> next{from};
      Writer writer(ledger_->log());
      std::vector<std::thread> threads;
      for (int t = 0; t < a_.submitters; ++t) {
        threads.emplace_back([&] {
          for (size_t i = next++; i < to; i = next++) {
            Result<Appended> a = writer.Submit(subs[i]);
            if (!a.ok()) {
              ++refused;
              std::lock_guard<std::mutex> lock(mu);
              if (first_refusal.empty()) first_refusal = a.status().ToString();
            }
          }
        });
      }
      for (std::thread& t : threads) t.join();
    });
    if (refused > 0) {
      std::cerr << "writer: " << refused << " refused, first: " << first_refusal << "\n";
    }
    r["refused"] = refused.load();
    return r;
  }

  json MeasureVerify() {
    VerifyOptions o;
    o.threads = a_.threads;
    const auto start = BenchClock::now();
    const double cpu0 = RusageCpuSeconds();
    Result<VerifyReport> r = VerifyStore(dir_, o);
    const double wall = SecondsSince(start);
    const double cpu = RusageCpuSeconds() - cpu0;
    if (!r.ok() || !r->ok()) {
      std::cerr << "verification failed: "
                << (r.ok() ? r->problems.front().what : r.status().ToString()) << "\n";
      return {{"ok", false}, {"entries_per_s", 0.0}, {"cpu_us_per_entry", 0.0}};
    }
    const double n = static_cast<double>(r->size);
    return {{"ok", true},
            {"entries", r->size},
            {"threads", a_.threads},
            {"wall_s", wall},
            {"cpu_s", cpu},
            {"entries_per_s", n / wall},
            {"cpu_us_per_entry", cpu / n * 1e6}};
  }

  Args a_;
  std::string dir_;
  std::unique_ptr<Ledger> ledger_;
  std::optional<Business> business_;
  uint64_t next_ = 0;  // records of the business appended so far
  json out_ = {{"points", json::array()}};
};

std::vector<uint64_t> ParseList(const std::string& s) {
  std::vector<uint64_t> v;
  std::stringstream ss(s);
  for (std::string t; std::getline(ss, t, ',');) v.push_back(std::stoull(t));
  return v;
}

}  // namespace
}  // namespace vigil::bench

int main(int argc, char** argv) {
  using vigil::bench::Args;
  vigil::EnsureSodium();
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) vigil::bench::Die(arg + " needs a value");
      return argv[++i];
    };
    if (arg == "--points") {
      a.points = vigil::bench::ParseList(value());
    } else if (arg == "--measure") {
      a.measure = std::stoull(value());
    } else if (arg == "--per-day") {
      a.per_day = std::stoll(value());
    } else if (arg == "--submitters") {
      a.submitters = std::stoi(value());
    } else if (arg == "--threads") {
      a.threads = std::stoi(value());
    } else if (arg == "--out") {
      a.out = value();
    } else if (arg == "--data") {
      a.data = value();
    } else {
      std::cerr << "usage: vigil_history_bench [--points 1000,10000,100000] [--measure 2000] "
                   "[--per-day 100] [--submitters 32] [--threads 0] [--out F.json] [--data DIR]\n";
      return 2;
    }
  }
  std::sort(a.points.begin(), a.points.end());
  if (a.points.empty() || a.measure == 0 || a.per_day < 10 || a.submitters < 1) {
    vigil::bench::Die("bad arguments");
  }
  std::string dir = a.data;
  std::string scratch;
  if (dir.empty()) {
    const char* base = std::getenv("TMPDIR");
    std::string templ =
        std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/vigil_history.XXXXXX";
    if (::mkdtemp(templ.data()) == nullptr) vigil::bench::Die("mkdtemp failed");
    scratch = templ;
    dir = scratch + "/log";
  }
  int rc = vigil::bench::Bench(a, dir).Run();
  if (!scratch.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(scratch, ec);
  }
  return rc;
}
