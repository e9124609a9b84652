// Driving the real `vigil` binary (VIGIL_BINARY) in tests: running a command and capturing its
// output and exit status, and a `vigil serve` child process on a free loopback port.
#ifndef VIGIL_TESTS_SERVE_HARNESS_H_
#define VIGIL_TESTS_SERVE_HARNESS_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "keys/key.h"

namespace vigil::testing {

struct CommandResult {
  int exit_code = -1;
  std::string out;  // stdout and stderr, interleaved
};

// Runs `vigil <args>` (args already shell-quoted where needed) through /bin/sh.
CommandResult RunVigil(const std::string& args);

// Single-quotes `s` for /bin/sh.
std::string Quote(const std::string& s);

// `vigil serve --data dir` on 127.0.0.1 and a free port, started in the constructor (waits
// until /healthz answers) and stopped with SIGTERM in Stop() or the destructor.
class Server {
 public:
  explicit Server(const std::string& data_dir, int port = 0);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  void Stop();
  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  // POST /v1/entries of `payload` signed by `key`; returns the HTTP status.
  int Submit(const SecretKey& key, const nlohmann::json& payload);

 private:
  int pid_ = -1;
  int port_ = 0;
  std::string log_file_;
};

// A port nothing listens on right now.
int FreePort();

}  // namespace vigil::testing

#endif  // VIGIL_TESTS_SERVE_HARNESS_H_
