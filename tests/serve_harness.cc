#include "tests/serve_harness.h"

#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

#include "keys/encoding.h"

namespace vigil::testing {

std::string Quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

CommandResult RunVigil(const std::string& args) {
  char path[] = "/tmp/vigil_cmd_XXXXXX";
  int fd = ::mkstemp(path);
  REQUIRE(fd >= 0);
  ::close(fd);
  const std::string cmd = std::string(VIGIL_BINARY) + " " + args + " >" + path + " 2>&1";
  const int status = std::system(cmd.c_str());
  CommandResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::ifstream in(path);
  std::ostringstream ss;
  ss << in.rdbuf();
  r.out = ss.str();
  ::unlink(path);
  return r;
}

int FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  socklen_t len = sizeof addr;
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  ::close(fd);
  return ntohs(addr.sin_port);
}

Server::Server(const std::string& data_dir, int port) {
  port_ = port != 0 ? port : FreePort();
  log_file_ = data_dir + ".serve.log";
  pid_ = ::fork();
  REQUIRE(pid_ >= 0);
  if (pid_ == 0) {
    std::FILE* f = std::freopen(log_file_.c_str(), "a", stdout);
    (void)f;
    ::dup2(STDOUT_FILENO, STDERR_FILENO);
    const std::string listen = "127.0.0.1:" + std::to_string(port_);
    ::execl(VIGIL_BINARY, VIGIL_BINARY, "serve", "--data", data_dir.c_str(), "--listen",
            listen.c_str(), "--log-level", "warn", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  httplib::Client c("127.0.0.1", port_);
  c.set_connection_timeout(0, 200000);
  for (int i = 0; i < 100; ++i) {
    if (auto r = c.Get("/healthz"); r && r->status == 200) return;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      std::ifstream in(log_file_);
      std::ostringstream ss;
      ss << in.rdbuf();
      FAIL("vigil serve exited: " << ss.str());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  Stop();
  FAIL("vigil serve did not answer /healthz within 10 s");
}

Server::~Server() { Stop(); }

void Server::Stop() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

int Server::Submit(const SecretKey& key, const nlohmann::json& payload) {
  httplib::Client c("127.0.0.1", port_);
  auto log = c.Get("/v1/log");  // the origin the record is signed for
  if (!log || log->status != 200) return -1;
  const std::string origin = nlohmann::json::parse(log->body)["origin"].get<std::string>();
  const std::string bytes = payload.dump();
  nlohmann::json body = {{"signer", key.Id()},
                         {"payload", bytes},
                         {"sig", Base64Encode(key.Sign(SignContext::kEntry, origin, bytes))}};
  auto r = c.Post("/v1/entries", body.dump(), "application/json");
  return r ? r->status : -1;
}

}  // namespace vigil::testing
