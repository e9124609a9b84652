// Static reads (`vigil publish`, `vigil serve --publish`): the public half of the C2SP
// tlog-tiles read path written as plain files, so that nginx or any CDN can serve it
// (docs/operator.md "Static reads with nginx"):
//   OUT/checkpoint               the checkpoint to publish (CheckpointToPublish)
//   OUT/tile/<L>/<N>[.p/<W>]     the hash tiles of its tree (ledger/log/tile.h paths)
// Entry bundles (tile/entries/...) are never written: they hold every record and are private
// (DESIGN §4.4).
//
// What a reader of OUT can rely on: every file appears by an atomic rename (the old contents or
// the new, never a mix), fsynced; the tiles a checkpoint needs are in place before the
// checkpoint; a full tile, once covered by a published checkpoint, is never rewritten; a
// partial tile's path names its width, and the partial tiles of a tile are removed once the
// checkpoint that makes it full is published (tlog-tiles lets clients fall back to the full
// tile). A run writes only what the checkpoint already in OUT did not cover. The publisher
// refuses to replace OUT/checkpoint with a smaller checkpoint or one whose tree does not
// extend it: a published log never goes back, even if the store did (a restore).
//
// Thread safety: PublishCheckpoint calls on one OUT exclude each other through the lock file
// OUT/.publish.lock, across processes too (the second gets kFailedPrecondition). A Publisher
// runs its own thread; its Log must outlive it.
#ifndef VIGIL_LEDGER_LOG_PUBLISH_H_
#define VIGIL_LEDGER_LOG_PUBLISH_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "keys/result.h"
#include "ledger/log/db.h"
#include "ledger/log/log.h"

namespace vigil {

// The checkpoint static readers get from a log without witnesses: the note GET /checkpoint
// then serves (api/log_routes.cc, Log::LatestCheckpoint), read through `txn`. With witnesses,
// /checkpoint serves the newest cosigned checkpoint, and `vigil serve --publish` gives the
// Publisher that instead (Publisher::Source): static readers see exactly what /checkpoint
// serves. kNotFound for a log with no checkpoint.
Result<std::string> CheckpointToPublish(const db::Txn& txn);

struct PublishResult {
  uint64_t size = 0;                // of the published checkpoint
  size_t tiles_written = 0;         // tile files written in this run
  size_t partials_removed = 0;      // partial tiles removed because their full tile is published
  bool checkpoint_written = false;  // false: OUT/checkpoint already held this note
};

// Publishes `note` (a signed checkpoint of the log `info`) and its hash tiles into `out`
// (created if missing), reading the tiles through `txn`, which must see at least the
// checkpoint's size. Errors: kInvalidArgument (the note does not verify with the log's key),
// kCorruption (the store's tree at that size is not the note's), kFailedPrecondition (OUT
// already holds a larger checkpoint, one whose tree this one does not extend, or another
// log's; another publisher holds OUT), kIoError. Nothing already published is damaged by a
// failure: a failed run leaves OUT/checkpoint as it was.
Result<PublishResult> PublishCheckpoint(const db::Txn& txn, const LogInfo& info,
                                        const std::string& note, const std::string& out);

// `vigil serve --publish OUT`: keeps OUT up to date on a thread of its own, never in the
// writer's path. Every `interval` it reads the checkpoint to publish and, when it changed,
// publishes it (so a burst of batches costs one run: the checkpoints are coalesced). Failures
// are logged and retried at the next tick.
class Publisher {
 public:
  // What GET /checkpoint serves when that is not the store's newest checkpoint: with witnesses,
  // the newest cosigned one (api/witnessing.h ServedCheckpoint). kUnavailable or kNotFound:
  // nothing to publish yet. Called on the publisher's thread; must be thread-safe.
  using Source = std::function<Result<std::string>()>;

  // Publishes once now (its error is returned, e.g. an OUT that holds a larger checkpoint),
  // then starts the thread. Without `source`, publishes CheckpointToPublish.
  static Result<std::unique_ptr<Publisher>> Start(
      Log& log, std::string out,
      std::chrono::milliseconds interval = std::chrono::milliseconds(250), Source source = {});
  ~Publisher();  // Stop()
  Publisher(const Publisher&) = delete;
  Publisher& operator=(const Publisher&) = delete;

  // Stops the thread after the run in progress and one last run (so a clean stop publishes the
  // last checkpoint). Idempotent.
  void Stop();
  // The size of the checkpoint last published. Thread-safe.
  uint64_t published_size() const { return published_size_.load(); }
  // Runs that failed since Start. Thread-safe.
  uint64_t failures() const { return failures_.load(); }

 private:
  Publisher(Log& log, std::string out, std::chrono::milliseconds interval, Source source)
      : log_(log), out_(std::move(out)), interval_(interval), source_(std::move(source)) {}
  // One run: publish if the checkpoint to publish changed since the last one.
  Status Tick();
  void Run();

  Log& log_;
  const std::string out_;
  const std::chrono::milliseconds interval_;
  const Source source_;
  std::string last_note_;  // only the publishing thread (or Start, before it) touches it
  std::atomic<uint64_t> published_size_{0};
  std::atomic<uint64_t> failures_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;  // GUARDED_BY(mu_)
  std::thread thread_;
};

}  // namespace vigil

#endif  // VIGIL_LEDGER_LOG_PUBLISH_H_
