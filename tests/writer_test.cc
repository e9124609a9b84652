// Tests for ledger/writer: group commit under concurrent submitters, idempotent resends,
// and the writer's refusals (stopped, queue full).
#include "ledger/log/writer.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <latch>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "ledger/log/receipt.h"
#include "ledger/verify.h"
#include "tests/test_util.h"

namespace vigil {
namespace {

using testing::MakeTestLog;
using testing::RegisterSubmission;
using testing::TempDir;
using testing::TestLog;

// Runs fn(thread index) on `threads` threads released together; joins them.
template <typename Fn>
void RunConcurrently(int threads, Fn fn) {
  std::latch start(threads);
  std::vector<std::thread> pool;
  for (int i = 0; i < threads; ++i) {
    pool.emplace_back([&, i] {
      start.arrive_and_wait();
      fn(i);
    });
  }
  for (std::thread& t : pool) t.join();
}

// `per_thread` registrations for each of `threads` threads, payload ids "<prefix><th>-<i>".
std::vector<std::vector<Submission>> PerThread(const testing::TestLog& t, const std::string& prefix,
                                               int threads, int per_thread) {
  std::vector<std::vector<Submission>> subs(static_cast<size_t>(threads));
  for (int th = 0; th < threads; ++th) {
    for (int i = 0; i < per_thread; ++i) {
      subs[static_cast<size_t>(th)].push_back(
          RegisterSubmission(t, prefix + std::to_string(th) + "-" + std::to_string(i)));
    }
  }
  return subs;
}

// Submits subs[t] in order from thread t, all threads at once; returns the results per thread.
std::vector<std::vector<Result<Appended>>> SubmitAll(
    Writer& writer, const std::vector<std::vector<Submission>>& subs) {
  std::vector<std::vector<Result<Appended>>> results(subs.size());
  RunConcurrently(static_cast<int>(subs.size()), [&](int t) {
    const auto ti = static_cast<size_t>(t);
    results[ti].reserve(subs[ti].size());
    for (const Submission& s : subs[ti]) results[ti].push_back(writer.Submit(s));
  });
  return results;
}

void ExpectStoreVerifies(const std::string& dir) {
  Result<VerifyReport> report = VerifyStore(dir, {});
  REQUIRE(report.ok());
  std::string problems;
  for (const VerifyProblem& p : report->problems) problems += p.what + "\n";
  INFO(problems);
  CHECK(report->ok());
}

TEST_CASE("group commit: concurrent submitters get contiguous, durable seqs", "[writer]") {
  constexpr int kThreads = 16;
  constexpr int kPerThread = 100;
  constexpr uint64_t kTotal = kThreads * kPerThread;
  TempDir dir("vigil_writer_test");
  TestLog t = MakeTestLog(dir.path());
  const std::vector<std::vector<Submission>> subs = PerThread(t, "w", kThreads, kPerThread);

  Writer writer(*t.log);
  const std::vector<std::vector<Result<Appended>>> results = SubmitAll(writer, subs);

  std::vector<uint64_t> all;
  std::vector<std::vector<uint64_t>> per_thread(kThreads);
  int failed = 0, duplicates = 0;
  for (size_t th = 0; th < results.size(); ++th) {
    for (const Result<Appended>& r : results[th]) {
      if (!r.ok()) {
        if (failed++ == 0) FAIL_CHECK("Submit failed: " << r.status().ToString());
        continue;
      }
      duplicates += r->duplicate ? 1 : 0;
      all.push_back(r->receipt.seq);
      per_thread[th].push_back(r->receipt.seq);
    }
  }
  REQUIRE(failed == 0);
  CHECK(duplicates == 0);
  REQUIRE(all.size() == kTotal);

  // Distinct and exactly 1..N (0 is the genesis entry): no gaps, no repeats.
  std::sort(all.begin(), all.end());
  CHECK(std::adjacent_find(all.begin(), all.end()) == all.end());
  CHECK(all.front() == 1);
  CHECK(all.back() == kTotal);
  CHECK(t.log->Size() == kTotal + 1);

  // Each thread's entries appear in the order it submitted them.
  for (const std::vector<uint64_t>& seqs : per_thread) {
    CHECK(std::is_sorted(seqs.begin(), seqs.end()));
  }

  // Every receipt verifies offline and names the submitted payload.
  const NoteVerifier verifier = t.log->info().verifier();
  int bad_receipts = 0;
  for (size_t th = 0; th < results.size(); ++th) {
    for (size_t i = 0; i < results[th].size(); ++i) {
      const Receipt& r = results[th][i]->receipt;
      Result<Checkpoint> cp = VerifyReceipt(r, verifier);
      Result<std::string> entry = t.log->EntryAt(r.seq);
      if (!cp.ok() || !entry.ok() || *entry != r.entry ||
          r.entry.find(nlohmann::json(subs[th][i].payload).dump()) == std::string::npos) {
        if (bad_receipts++ == 0)
          FAIL_CHECK("bad receipt for seq " << r.seq << ": " << cp.status().ToString());
      }
    }
  }
  CHECK(bad_receipts == 0);

  // Batching happened: far fewer transactions than submissions.
  const WriterStats& stats = writer.stats();
  CHECK(stats.appended.load() == kTotal);
  CHECK(stats.rejected.load() == 0);
  CHECK(stats.duplicates.load() == 0);
  CHECK(stats.batch_items.load() == kTotal);
  CHECK(stats.batches.load() < kTotal);
  CHECK(stats.batches.load() >= 1);
  CHECK(stats.commit_us_max.load() <= stats.commit_us_total.load());
  UNSCOPED_INFO("batches: " << stats.batches.load() << " for " << kTotal << " submissions");

  // Resending the same payloads concurrently returns the original receipts.
  {
    const std::vector<std::vector<Result<Appended>>> again = SubmitAll(writer, subs);
    int mismatched = 0;
    for (size_t th = 0; th < again.size(); ++th) {
      for (size_t i = 0; i < again[th].size(); ++i) {
        const Result<Appended>& r = again[th][i];
        if (!r.ok() || !r->duplicate || !(r->receipt == results[th][i]->receipt)) ++mismatched;
      }
    }
    CHECK(mismatched == 0);
    CHECK(t.log->Size() == kTotal + 1);
    CHECK(writer.stats().duplicates.load() == kTotal);
    CHECK(writer.stats().appended.load() == kTotal);
  }

  // Submit after Stop is refused.
  writer.Stop();
  writer.Stop();  // idempotent
  Result<Appended> late = writer.Submit(RegisterSubmission(t, "late"));
  REQUIRE_FALSE(late.ok());
  CHECK(late.status().code() == Code::kUnavailable);
  CHECK(t.log->Size() == kTotal + 1);
  CHECK(writer.queue_depth() == 0);

  ExpectStoreVerifies(dir.path());
}

TEST_CASE("the same new payload from many threads at once is appended once", "[writer]") {
  TempDir dir("vigil_writer_test");
  TestLog t = MakeTestLog(dir.path());
  Writer writer(*t.log);
  const Submission same = RegisterSubmission(t, "once");
  constexpr int kThreads = 12;
  std::vector<Result<Appended>> results(kThreads, Status(Code::kInternal, "not run"));
  RunConcurrently(kThreads, [&](int i) { results[static_cast<size_t>(i)] = writer.Submit(same); });
  int originals = 0;
  for (const Result<Appended>& r : results) {
    REQUIRE(r.ok());
    CHECK(r->receipt.seq == 1);
    CHECK(r->receipt == results[0]->receipt);
    originals += r->duplicate ? 0 : 1;
  }
  CHECK(originals == 1);
  CHECK(t.log->Size() == 2);
}

TEST_CASE("Stop while submitters wait: queued work finishes, later work is refused", "[writer]") {
  TempDir dir("vigil_writer_test");
  TestLog t = MakeTestLog(dir.path());
  constexpr int kThreads = 8;
  constexpr int kPerThread = 40;
  const std::vector<std::vector<Submission>> subs = PerThread(t, "s", kThreads, kPerThread);
  Writer writer(*t.log);
  std::vector<std::vector<Result<Appended>>> results(kThreads);
  RunConcurrently(kThreads + 1, [&](int th) {
    if (th == kThreads) {  // the stopper
      while (writer.stats().appended.load() < 50) std::this_thread::yield();
      writer.Stop();
      return;
    }
    for (const Submission& s : subs[static_cast<size_t>(th)]) {
      results[static_cast<size_t>(th)].push_back(writer.Submit(s));
    }
  });
  uint64_t accepted = 0;
  for (const auto& per : results) {
    bool refused = false;
    for (const Result<Appended>& r : per) {
      if (r.ok()) {
        CHECK_FALSE(refused);  // nothing is accepted after this thread saw a refusal
        ++accepted;
        Result<std::string> e = t.log->EntryAt(r->receipt.seq);
        CHECK(e.ok());
      } else {
        CHECK(r.status().code() == Code::kUnavailable);
        refused = true;
      }
    }
  }
  CHECK(accepted >= 50);
  CHECK(t.log->Size() == accepted + 1);
  ExpectStoreVerifies(dir.path());
}

TEST_CASE("a full queue answers kUnavailable at once", "[writer]") {
  TempDir dir("vigil_writer_test");
  TestLog t = MakeTestLog(dir.path());
  WriterOptions options;
  options.max_queue = 0;
  Writer writer(*t.log, options);
  Result<Appended> r = writer.Submit(RegisterSubmission(t, "q"));
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Code::kUnavailable);
  CHECK(t.log->Size() == 1);
}

TEST_CASE("max_batch bounds the transaction size", "[writer]") {
  TempDir dir("vigil_writer_test");
  TestLog t = MakeTestLog(dir.path());
  WriterOptions options;
  options.max_batch = 3;
  Writer writer(*t.log, options);
  const std::vector<std::vector<Submission>> subs = PerThread(t, "m", 6, 10);
  const auto results = SubmitAll(writer, subs);
  for (const auto& per : results) {
    for (const auto& r : per) REQUIRE(r.ok());
  }
  CHECK(writer.stats().batches.load() >= 60 / 3);
  // Each batch signs one checkpoint, so no receipt's checkpoint covers more than 3 new entries
  // beyond the previous one: check through the receipts' distinct checkpoint sizes.
  std::set<uint64_t> sizes;
  const NoteVerifier verifier = t.log->info().verifier();
  for (const auto& per : results) {
    for (const auto& r : per) {
      Result<Checkpoint> cp = VerifyReceipt(r->receipt, verifier);
      REQUIRE(cp.ok());
      sizes.insert(cp->size);
    }
  }
  uint64_t prev = 1;
  for (uint64_t s : sizes) {
    CHECK(s - prev <= 3);
    prev = s;
  }
  CHECK(prev == 61);
}

TEST_CASE("the writer thread is named and, when allowed, runs before the handler threads",
          "[writer]") {
  TempDir dir("vigil_writer_test");
  TestLog t = MakeTestLog(dir.path());
  Writer writer(*t.log);
  // Wait until the thread has named itself (it does so first thing).
  std::optional<int> nice;
  for (int tries = 0; tries < 200 && !nice.has_value(); ++tries) {
    for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
      if (testing::ReadFile(task.path() / "comm") != "vigil-writer\n") continue;
      // Field 19 of stat is the nice value; the command name (field 2) has no spaces here.
      std::istringstream stat(testing::ReadFile(task.path() / "stat"));
      std::string field;
      for (int i = 0; i < 19; ++i) stat >> field;
      nice = std::stoi(field);
    }
    if (!nice.has_value()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  REQUIRE(nice.has_value());
  // Raising it to nice -10 is allowed with CAP_SYS_NICE (root, as in CI) or an RLIMIT_NICE of
  // at least 30 (nice 20 - 30); otherwise the writer keeps the default, 0.
  const std::string status = testing::ReadFile("/proc/self/status");
  const size_t cap = status.find("CapEff:");
  REQUIRE(cap != std::string::npos);
  const uint64_t effective = std::stoull(status.substr(cap + 7, 20), nullptr, 16);
  rlimit limit{};
  ::getrlimit(RLIMIT_NICE, &limit);
  const bool may_raise = ((effective >> 23) & 1) != 0 || limit.rlim_cur >= 30;  // 23: CAP_SYS_NICE
  CHECK(*nice == (may_raise ? -10 : 0));
}

}  // namespace
}  // namespace vigil
