// The log gathers witness cosignatures (issue 17 part 2; C2SP tlog-witness v1.0.0 as a client):
// `vigil serve --witness URL=VKEY ... --witness-quorum K`.
//
// A thread watches the log's newest signed checkpoint. Whenever it changes (or a witness that
// failed is due to be asked again) it runs one round: add-checkpoint to every witness that has
// not cosigned that checkpoint, all in parallel, each with a timeout. Rounds never overlap and
// each takes the newest checkpoint at its start, so under load checkpoints are coalesced.
// Each witness's size is remembered and sent as "old" with a consistency proof from it. A 409 is
// handled as Tessera does: a size at or below the log's is believed and the request resent from
// it; a size above the log's is an error (logged, counted, never believed). Each cosignature is
// verified with the witness's key before it is kept.
//
// Once K witnesses have cosigned a checkpoint it becomes the cosigned checkpoint: the log's note
// with the witnesses' lines appended (the log's own signature first), written atomically to
// <data>/cosigned-checkpoint so that a restart serves it at once, and served at /checkpoint.
// Fail-closed (the default): /checkpoint serves only the newest cosigned checkpoint, so it
// stops advancing below the quorum (appends still get receipts on their batch's log-signed
// checkpoint). Fail-open: /checkpoint serves the newest log-signed checkpoint when it is newer
// than the newest cosigned one, without cosignatures (clients that enforce a witness policy
// refuse it; others see the log's word only).
//
// At start the first round asks every witness its size (old 0: a witness that has cosigned this
// log answers 409 with its size). A witness holding a larger tree than the store, or a stored
// cosigned checkpoint ahead of the store or inconsistent with it, holds the log's signing
// (Log::HoldSigning): the store was rolled back, and signing on would fork what a witness saw.
//
// Thread safety: Start/Stop from one thread; the accessors from any thread.
#ifndef VIGIL_API_WITNESSING_H_
#define VIGIL_API_WITNESSING_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "api/witness_client.h"
#include "keys/note.h"
#include "keys/result.h"
#include "ledger/log/log.h"

namespace vigil::api {

// One witness of the log: where it listens and its cosignature key.
struct WitnessSpec {
  std::string url;
  NoteVerifier key;
};

// Parses a --witness flag, "URL=VKEY" (split at the first '='). kInvalidArgument naming the
// problem: no '=', a URL that is not http(s)://..., a key that is not a cosignature key.
Result<WitnessSpec> ParseWitnessFlag(const std::string& flag);

struct WitnessingOptions {
  std::vector<WitnessSpec> witnesses;
  size_t quorum = 0;  // 0: all of them
  std::chrono::milliseconds timeout{5000};
  bool fail_open = false;
  std::string cosigned_file;              // <data>/cosigned-checkpoint
  std::chrono::milliseconds poll{100};    // how often the newest checkpoint is looked at
  std::chrono::milliseconds retry{1000};  // a failed witness is asked again after this
};

class Witnessing {
 public:
  // Checks the options: at least one witness, cosignature keys with distinct names none of
  // which is the log's origin, valid URLs, a quorum of at most the number of witnesses.
  // kInvalidArgument otherwise. `*log` must outlive the object.
  static Result<std::unique_ptr<Witnessing>> Make(Log& log, WitnessingOptions options);
  ~Witnessing();  // stops
  Witnessing(const Witnessing&) = delete;
  Witnessing& operator=(const Witnessing&) = delete;

  // Loads <data>/cosigned-checkpoint (holding signing if the store is behind or inconsistent
  // with it), runs the first round (which asks every witness its size: up to `timeout`), then
  // starts the round thread. Errors: kIoError if the file exists but cannot be read.
  Status Start();
  void Stop();

  // What GET /checkpoint serves (see above). kUnavailable, fail-closed, before any checkpoint
  // has been cosigned by the quorum.
  Result<std::string> ServedCheckpoint();
  // The newest checkpoint cosigned by the quorum and its size, if any.
  struct Cosigned {
    std::string note;
    uint64_t size = 0;
  };
  std::optional<Cosigned> NewestCosigned() const;
  size_t quorum() const { return quorum_; }

  // Prometheus text: vigil_witness_cosigned_size{witness}, vigil_witness_failures_total{witness},
  // vigil_checkpoint_cosigned_size.
  std::string MetricsText() const;

 private:
  struct Peer;
  Witnessing(Log& log, WitnessingOptions options);
  // One round over the newest checkpoint; `first` is the start's round.
  void Round(bool first);
  // Asks one witness to cosign `note` (of `size` leaves); runs on the round's thread for it.
  void Ask(Peer& peer, const std::string& note, uint64_t size, bool first);
  Status LoadCosignedFile();
  void Loop();

  Log& log_;
  const WitnessingOptions options_;
  size_t quorum_ = 0;
  std::vector<std::unique_ptr<Peer>> peers_;
  mutable std::mutex mu_;
  std::optional<Cosigned> cosigned_;  // GUARDED_BY(mu_)
  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;  // GUARDED_BY(stop_mu_)
  std::thread thread_;
};

}  // namespace vigil::api

#endif  // VIGIL_API_WITNESSING_H_
