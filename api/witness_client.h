// The log's side of C2SP tlog-witness v1.0.0: one add-checkpoint call to one witness over HTTP
// (httplib::Client, keep-alive, timeouts), its answer read and checked (ledger/witness/
// protocol.h), and AskWitnessSize for code that needs only a witness's view of a log's size
// (vigil serve at start, a mirror's promotion).
//
// Thread-compatible: one WitnessClient is used by one thread at a time (api/witnessing.h runs at
// most one round at a time). AskWitnessSize is thread-safe.
#ifndef VIGIL_API_WITNESS_CLIENT_H_
#define VIGIL_API_WITNESS_CLIENT_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "keys/note.h"
#include "keys/result.h"
#include "ledger/witness/protocol.h"

namespace httplib {
class Client;
}  // namespace httplib

namespace vigil::api {

// What a witness answered to add-checkpoint.
struct WitnessReply {
  enum class Kind {
    kCosigned,  // 200: `cosignature` holds the witness's verified line
    kConflict,  // 409: `size` is the witness's stored size (not yet judged against the log)
    kRefused,   // any other status: `status` and `detail` say what
  };
  Kind kind = Kind::kRefused;
  int status = 0;
  uint64_t size = 0;
  std::string cosignature;  // "— <name> <base64>\n", verified against the checkpoint
  std::string detail;       // the first line of the witness's body, for logs (printable)
};

class WitnessClient {
 public:
  // `url` is the witness's submission prefix, "http://host:port[/prefix]" (or https);
  // `witness` its cosignature verifier key.
  // kInvalidArgument for a URL that is not http(s)://host[:port][/path].
  static Result<std::unique_ptr<WitnessClient>> Make(const std::string& url,
                                                     const NoteVerifier& witness,
                                                     std::chrono::milliseconds timeout);
  ~WitnessClient();
  WitnessClient(const WitnessClient&) = delete;
  WitnessClient& operator=(const WitnessClient&) = delete;

  // POSTs `request` to <prefix>/add-checkpoint. A 200 answer is accepted only if one of its
  // lines is a valid cosignature by the witness's key of the request's checkpoint (others are
  // ignored, as the spec says); a 409 only with a well-formed text/x.tlog.size body. Errors:
  // kUnavailable (no connection, timeout), kCorruption (a 200 without a valid cosignature, a
  // 409 with a malformed body).
  Result<WitnessReply> AddCheckpoint(const witness::AddCheckpointRequest& request);

  const std::string& url() const { return url_; }

 private:
  WitnessClient() = default;
  std::unique_ptr<httplib::Client> http_;
  std::string url_;
  std::string prefix_;  // the path part of the URL, without a trailing '/'
  NoteVerifier witness_;
};

// The size of the log the witness `witness` at `url` holds: add-checkpoint with old 0 and
// `signed_checkpoint` (the log's own signed note), through WitnessClient. A witness that
// already holds a size answers 409 with it; one that never saw the log cosigns the checkpoint
// (its cosignature must verify) and so now holds its size, which is returned. Errors: those of
// Make and AddCheckpoint, kFailedPrecondition (the witness refused the checkpoint: status and
// reason in the message).
Result<uint64_t> AskWitnessSize(const std::string& url, const NoteVerifier& witness,
                                const std::string& signed_checkpoint,
                                std::chrono::milliseconds timeout);

}  // namespace vigil::api

#endif  // VIGIL_API_WITNESS_CLIENT_H_
