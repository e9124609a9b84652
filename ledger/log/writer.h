// Group commit (DESIGN §4.5; leveldb's DBImpl::Write): the one thread that appends to a Log.
//
// Submitters call Submit from any thread and block. Each first does, on its own thread, the
// work that needs no lock (Log::Prepare: parse the payload, verify the Ed25519 signatures), so
// that this runs on every core. The writer thread takes everything waiting (up to max_batch),
// appends it in one LMDB transaction with one commit (Log::Place), and wakes each submitter,
// which then builds its own receipt (again on its own thread). So many concurrent submitters
// share an fsync and none is acknowledged before its entry is durable. The writer thread is
// named "vigil-writer" and runs at nice -10 when the process may raise it.
//
// SubmitMany hands a whole list (the batch route) to the writer at once: its Prepare work is
// spread over several threads of the caller, the items enter the queue together (one hand-off,
// and they share the writer's transactions and commits), each is accepted or refused on its own.
//
// The queue is bounded: when it is full Submit returns kUnavailable at once instead of
// growing memory. Stop() refuses new submissions, finishes everything already queued, and
// joins the thread. Thread-safe.
#ifndef VIGIL_LEDGER_LOG_WRITER_H_
#define VIGIL_LEDGER_LOG_WRITER_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include "keys/result.h"
#include "ledger/log/log.h"

namespace vigil {

struct WriterOptions {
  size_t max_batch = 2048;   // submissions per transaction
  size_t max_queue = 20000;  // waiting submissions before Submit answers kUnavailable
};

// Counters for /metrics; all monotonic except queue_depth.
struct WriterStats {
  std::atomic<uint64_t> appended{0};         // new entries made durable
  std::atomic<uint64_t> duplicates{0};       // idempotent resends answered
  std::atomic<uint64_t> rejected{0};         // submissions refused by a rule or check
  std::atomic<uint64_t> batches{0};          // committed transactions
  std::atomic<uint64_t> batch_items{0};      // submissions handled in those batches
  std::atomic<uint64_t> commit_us_total{0};  // time inside Log::Place, microseconds
  std::atomic<uint64_t> commit_us_max{0};
};

class Writer {
 public:
  explicit Writer(Log& log, WriterOptions options = {});
  ~Writer();  // Stop()s
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  // Appends `sub` and blocks until it is durable (or rejected).
  // Errors: those of Log::AppendBatch, kUnavailable (queue full, or stopping).
  // Thread-safe; meant to be called from many threads at once.
  Result<Appended> Submit(Submission sub);

  // Appends every submission of `subs` as Submit would, in their order (results[i] is subs[i]'s),
  // blocking until all are durable or refused. Log::Prepare of the items runs on up to
  // `prepare_threads` threads started by this call (the caller's included), never on the writer
  // thread; then all enter the queue at once, so they go into the same batch transactions
  // (unless the queue already holds more than max_batch). If the queue has no room for all of
  // them, none is queued and each gets kUnavailable. Thread-safe.
  std::vector<Result<Appended>> SubmitMany(std::vector<Submission> subs, size_t prepare_threads);

  // Stops accepting, drains the queue, joins the thread. Idempotent.
  void Stop();

  size_t queue_depth() const;
  const WriterStats& stats() const { return stats_; }

 private:
  struct Pending {
    Submission sub;
    std::promise<Result<Placed>> done;
  };
  void Run();

  Log& log_;
  const WriterOptions options_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Pending*> queue_;  // guarded by mu_; owned by the submitters' stacks
  bool stopping_ = false;       // guarded by mu_
  WriterStats stats_;
  std::thread thread_;
};

}  // namespace vigil

#endif  // VIGIL_LEDGER_LOG_WRITER_H_
