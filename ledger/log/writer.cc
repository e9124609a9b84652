#include "ledger/log/writer.h"

#include <pthread.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <vector>

namespace vigil {

namespace {
constexpr int kWriterNice = -10;
}  // namespace

Writer::Writer(Log& log, WriterOptions options)
    : log_(log), options_(options), thread_([this] { Run(); }) {}

Writer::~Writer() { Stop(); }

void Writer::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

size_t Writer::queue_depth() const {
  std::lock_guard<std::mutex> lock(mu_);
  return queue_.size();
}

Result<Appended> Writer::Submit(Submission sub) {
  log_.Prepare(sub);
  Pending p{std::move(sub), {}};
  std::future<Result<Placed>> done = p.done.get_future();
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return Status(Code::kUnavailable, "the server is shutting down; retry later");
    if (queue_.size() >= options_.max_queue) {
      return Status(Code::kUnavailable, "the write queue is full; retry in a moment");
    }
    queue_.push_back(&p);
  }
  cv_.notify_one();
  Result<Placed> placed = done.get();
  if (!placed.ok()) return placed.status();
  const bool duplicate = placed->duplicate;
  Result<Receipt> receipt = log_.ReceiptFor(std::move(*placed));
  if (!receipt.ok()) return receipt.status();
  return Appended{std::move(*receipt), duplicate};
}

std::vector<Result<Appended>> Writer::SubmitMany(std::vector<Submission> subs,
                                                 size_t prepare_threads) {
  // Prepare (Ed25519 checks, parsing) in contiguous slices, the last on this thread.
  const size_t n = subs.size();
  const size_t workers = std::clamp<size_t>(prepare_threads, 1, std::max<size_t>(n, 1));
  {
    std::vector<std::thread> helpers;
    const size_t slice = (n + workers - 1) / workers;
    auto prepare = [this, &subs, n](size_t from, size_t to) {
      for (size_t i = from; i < std::min(to, n); ++i) log_.Prepare(subs[i]);
    };
    for (size_t w = 1; w < workers; ++w) helpers.emplace_back(prepare, w * slice, (w + 1) * slice);
    prepare(0, slice);
    for (std::thread& t : helpers) t.join();
  }
  std::vector<Pending> pending(n);  // never resized: the queue holds pointers into it
  std::vector<std::future<Result<Placed>>> done;
  done.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    pending[i].sub = std::move(subs[i]);
    done.push_back(pending[i].done.get_future());
  }
  std::vector<Result<Appended>> results;
  results.reserve(n);
  {
    std::lock_guard<std::mutex> lock(mu_);
    Status refused;
    if (stopping_) {
      refused = Status(Code::kUnavailable, "the server is shutting down; retry later");
    } else if (queue_.size() + n > options_.max_queue) {
      refused = Status(Code::kUnavailable, "the write queue is full; retry in a moment");
    }
    if (!refused.ok()) {
      results.assign(n, Result<Appended>(refused));
      return results;
    }
    for (Pending& p : pending) queue_.push_back(&p);
  }
  cv_.notify_one();
  for (size_t i = 0; i < n; ++i) {
    Result<Placed> placed = done[i].get();
    if (!placed.ok()) {
      results.emplace_back(placed.status());
      continue;
    }
    const bool duplicate = placed->duplicate;
    Result<Receipt> receipt = log_.ReceiptFor(std::move(*placed));
    if (!receipt.ok()) {
      results.emplace_back(receipt.status());
    } else {
      results.emplace_back(Appended{std::move(*receipt), duplicate});
    }
  }
  return results;
}

void Writer::Run() {
  // Named so that `top -H` and `ps -L` show which thread is the log's single writer.
  pthread_setname_np(pthread_self(), "vigil-writer");
  // The writer is the one serial stage of an append, fed by up to --threads handler threads
  // that verify signatures: at equal priority the scheduler gives it one share in 65 on a busy
  // machine, and every submitter waits for it. A higher priority (nice -10: ~9x the weight of a
  // handler thread) gave 27-35% more appends/s and 10% less CPU per append (performance.md).
  // Lowering a nice value needs root or CAP_SYS_NICE; without it the writer keeps the default.
  if (::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), kWriterNice) != 0) {
    spdlog::info(
        "the writer thread keeps the default priority (raising it needs root or "
        "CAP_SYS_NICE: {}); appends are slower when the CPUs are busy",
        std::strerror(errno));
  }
  std::vector<Pending*> batch;
  std::vector<Submission> subs;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping and drained
      batch.clear();
      while (!queue_.empty() && batch.size() < options_.max_batch) {
        batch.push_back(queue_.front());
        queue_.pop_front();
      }
    }
    subs.clear();
    for (Pending* p : batch) subs.push_back(std::move(p->sub));
    const auto start = std::chrono::steady_clock::now();
    const int64_t now_ms = NowMs();
    std::vector<Result<Placed>> results;
    try {
      results = log_.Place(subs, now_ms);
    } catch (const std::exception& e) {
      // A bug must not take the writer thread (and every waiting submitter) down with it. The
      // transaction was aborted while unwinding, so nothing of this batch was written.
      spdlog::error("append batch failed with an exception: {}", e.what());
      results.assign(subs.size(), Result<Placed>(Status(Code::kInternal,
                                                        "the server failed on this batch; nothing "
                                                        "was written; retry, and report it if it "
                                                        "happens again")));
    }
    const auto us = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                              std::chrono::steady_clock::now() - start)
                                              .count());
    stats_.batches++;
    stats_.batch_items += batch.size();
    stats_.commit_us_total += us;
    uint64_t prev_max = stats_.commit_us_max.load();
    while (us > prev_max && !stats_.commit_us_max.compare_exchange_weak(prev_max, us)) {
    }
    for (size_t i = 0; i < batch.size(); ++i) {
      if (!results[i].ok()) {
        stats_.rejected++;
      } else if (results[i]->duplicate) {
        stats_.duplicates++;
      } else {
        stats_.appended++;
      }
      batch[i]->done.set_value(std::move(results[i]));
    }
  }
}

}  // namespace vigil
