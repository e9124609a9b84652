// The HTTP face of a witness (`vigil witness serve`): C2SP tlog-witness v1.0.0's one call,
// POST /add-checkpoint (the submission prefix is the server's root), answered by
// ledger/witness/witness.h. Plain HTTP through the FrontDoor (api/connections.h), so slow or
// idle clients cost a descriptor, never a handler thread; bodies over 64 KiB are refused (413)
// before they are read. One log line per request. Put TLS in front (a reverse proxy) if the
// witness is reached over an untrusted network: the protocol authenticates checkpoints by their
// signatures, not the channel, but a proxy also hides the witness machine.
//
// Thread-safety: Bind() and Run() from one thread; Stop() from any thread (not a signal
// handler). The Witness must outlive the server.
#ifndef VIGIL_API_WITNESS_SERVER_H_
#define VIGIL_API_WITNESS_SERVER_H_

#include <memory>
#include <string>

#include "keys/result.h"
#include "ledger/witness/protocol.h"
#include "ledger/witness/witness.h"

namespace httplib {
class Server;
}  // namespace httplib

namespace vigil::api {

class FrontDoor;

struct WitnessServerOptions {
  std::string host = "127.0.0.1";
  int port = 0;      // 0: any free port (tests); see WitnessServer::port()
  int threads = 16;  // handler threads (each request is short: a verify, a commit, a signature)
  int read_timeout_s = 10;
  int write_timeout_s = 10;
  int keep_alive_s = 30;  // logs keep their connection open between rounds
  size_t max_body_bytes = witness::kMaxRequestBytes;
  size_t max_connections = 256;
  size_t max_connections_per_client = 32;
};

class WitnessServer {
 public:
  WitnessServer(witness::Witness& witness, WitnessServerOptions options);
  ~WitnessServer();
  WitnessServer(const WitnessServer&) = delete;
  WitnessServer& operator=(const WitnessServer&) = delete;

  // Listens (SO_REUSEADDR only). kIoError ("address in use", ...).
  Status Bind();
  int port() const { return port_; }
  // Serves until Stop(); returns when in-flight requests have finished.
  void Run();
  void Stop();

 private:
  witness::Witness& witness_;
  const WitnessServerOptions options_;
  std::unique_ptr<httplib::Server> http_;
  std::unique_ptr<FrontDoor> door_;
  int port_ = 0;
};

}  // namespace vigil::api

#endif  // VIGIL_API_WITNESS_SERVER_H_
