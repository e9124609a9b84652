// vigil serve: the HTTP server over a data directory.
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>

#include <algorithm>
#include <iostream>
#include <thread>

#include "api/server.h"
#include "api/witnessing.h"
#include "cli/commands.h"
#include "ledger/ledger.h"
#include "ledger/log/publish.h"
#include "ledger/log/writer.h"

namespace vigil::cli {

// "host:port" or ":port" or "port".
bool ParseListen(const std::string& listen, std::string& host, int& port) {
  size_t colon = listen.rfind(':');
  std::string p = colon == std::string::npos ? listen : listen.substr(colon + 1);
  if (colon != std::string::npos && colon > 0) host = listen.substr(0, colon);
  try {
    size_t used = 0;
    port = std::stoi(p, &used);
    return used == p.size() && port >= 0 && port <= 65535;
  } catch (...) {
    return false;
  }
}

void AddServe(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("serve", "Serve a log over HTTP (or HTTPS)");
  cmd->footer(
      "Stops cleanly on SIGTERM or Ctrl-C: stops accepting, finishes the batch in flight and\n"
      "every queued submission, then exits.\n\n"
      "Every option can also come from a config file (--config FILE or $VIGIL_CONFIG), e.g.\n"
      "  [serve]\n  data = \"/var/lib/vigil\"\n  listen = \"0.0.0.0:8443\"\n"
      "  witness = [\"https://w1.example.vn=w1.example.vn+1a2b3c4d+BA...\"]\n\n"
      "With --witness (repeatable), each new checkpoint is sent to the witnesses, and\n"
      "/checkpoint serves the newest one --witness-quorum of them cosigned (fail-closed;\n"
      "--witness-fail-open serves newer log-signed ones too). See docs/operator.md.\n\n"
      "Examples:\n  vigil serve --data /var/lib/vigil --listen 127.0.0.1:8080\n"
      "  vigil serve --data /var/lib/vigil --listen 0.0.0.0:8443 --tls-cert c.pem --tls-key k.pem");
  struct Args {
    std::string data, listen = "127.0.0.1:8080", log_level = "info", publish;
    api::ServerOptions server;
    WriterOptions writer;
    LedgerOpenOptions open;
    std::vector<std::string> witnesses;
    size_t witness_quorum = 0;
    double witness_timeout_s = 5;
    bool witness_fail_open = false;
  };
  auto a = std::make_shared<Args>();
  cmd->add_option("--data,-d", a->data, "Data directory of the log")->required();
  cmd->add_option("--listen,-l", a->listen, "Address to listen on, host:port")
      ->capture_default_str();
  cmd->add_option("--tls-cert", a->server.tls_cert, "PEM certificate file (enables HTTPS)");
  cmd->add_option("--tls-key", a->server.tls_key, "PEM private key file for --tls-cert");
  cmd->add_option("--threads", a->server.threads, "HTTP handler threads")->capture_default_str();
  cmd->add_option("--max-body", a->server.max_body_bytes, "Largest request body, bytes")
      ->capture_default_str();
  cmd->add_option("--read-timeout", a->server.read_timeout_s,
                  "Seconds a client may take to send a request head in all (a body gets this "
                  "plus 1 s per 16 KiB)")
      ->capture_default_str()
      ->check(CLI::Range(1, 3600));
  cmd->add_option("--write-timeout", a->server.write_timeout_s,
                  "Seconds a client may take to read an answer in all")
      ->capture_default_str()
      ->check(CLI::Range(1, 3600));
  cmd->add_option("--quota-records", a->server.quota.records_per_hour,
                  "Records a business or inspector may append per hour (and at once); 0: no limit")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--quota-bytes", a->server.quota.bytes_per_hour,
                  "Payload bytes a business or inspector may append per hour; 0: no limit")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--max-connections", a->server.max_connections,
                  "Open connections in all; more are answered 503 and closed")
      ->capture_default_str()
      ->check(CLI::Range(size_t{1}, size_t{1'000'000}));
  cmd->add_option("--max-connections-per-client", a->server.max_connections_per_client,
                  "Open connections from one address (raise it behind a reverse proxy, whose "
                  "connections all come from one address)")
      ->capture_default_str()
      ->check(CLI::Range(size_t{1}, size_t{1'000'000}));
  cmd->add_option("--max-buffered-bytes", a->server.max_buffered_bytes,
                  "Request bodies the server holds at once, in all clients' requests; a request "
                  "announcing more is answered 503 + Retry-After (at least the batch route's "
                  "8 MiB)")
      ->capture_default_str()
      ->check(CLI::Range(size_t{8} << 20, size_t{1} << 40));
  cmd->add_option("--max-queue", a->writer.max_queue,
                  "Submissions waiting for the writer before new ones get 503 + Retry-After")
      ->capture_default_str()
      ->check(CLI::Range(size_t{1}, size_t{1'000'000}));
  cmd->add_flag("--accept-personal-data-loss", a->open.accept_personal_data_loss,
                "Start although keys/personal.key or personal.slots is missing and the store "
                "holds personal records (they become unreadable for ever)");
  cmd->add_option("--witness", a->witnesses,
                  "A witness that cosigns the log's checkpoints, URL=VKEY (repeatable; the key "
                  "vigil witness init printed)");
  cmd->add_option("--witness-quorum", a->witness_quorum,
                  "Witnesses that must cosign a checkpoint before /checkpoint serves it "
                  "(default: all of them)")
      ->check(CLI::Range(size_t{1}, size_t{1000}));
  cmd->add_option("--witness-timeout", a->witness_timeout_s,
                  "Seconds to wait for one witness's answer")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 300.0));
  cmd->add_flag("--witness-fail-open", a->witness_fail_open,
                "Serve the newest log-signed checkpoint at /checkpoint even when too few "
                "witnesses have cosigned it (docs/operator.md: what this gives up)");
  cmd->add_option("--publish", a->publish,
                  "Keep the checkpoint and hash tiles as static files in this directory (as "
                  "vigil publish), updated after each new checkpoint on a background thread");
  cmd->add_option("--log-level", a->log_level, "trace, debug, info, warn, error")
      ->capture_default_str()
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}));
  cmd->callback([a, &exit_code] {
    if (!ParseListen(a->listen, a->server.host, a->server.port)) {
      std::cerr << "vigil serve: --listen must be host:port, e.g. 127.0.0.1:8080\n";
      exit_code = kExitUsage;
      return;
    }
    if (a->server.tls_cert.empty() != a->server.tls_key.empty()) {
      std::cerr << "vigil serve: give both --tls-cert and --tls-key, or neither\n";
      exit_code = kExitUsage;
      return;
    }
    api::WitnessingOptions witnessing;
    for (const std::string& flag : a->witnesses) {
      Result<api::WitnessSpec> spec = api::ParseWitnessFlag(flag);
      if (!spec.ok()) {
        std::cerr << "vigil serve: " << spec.status().message() << "\n";
        exit_code = kExitUsage;
        return;
      }
      witnessing.witnesses.push_back(*spec);
    }
    if (witnessing.witnesses.empty() && (a->witness_quorum != 0 || a->witness_fail_open)) {
      std::cerr << "vigil serve: --witness-quorum and --witness-fail-open need --witness\n";
      exit_code = kExitUsage;
      return;
    }
    witnessing.quorum = a->witness_quorum;
    witnessing.timeout =
        std::chrono::milliseconds(static_cast<int64_t>(a->witness_timeout_s * 1000));
    witnessing.fail_open = a->witness_fail_open;
    witnessing.cosigned_file = a->data + "/cosigned-checkpoint";
    spdlog::set_level(spdlog::level::from_str(a->log_level));
    // --max-connections descriptors, plus the store, the listener and some slack: raise the
    // soft limit (often 1024) toward the hard one. Past it, accepting pauses (api/connections).
    if (rlimit nofile{}; ::getrlimit(RLIMIT_NOFILE, &nofile) == 0) {
      const rlim_t want = static_cast<rlim_t>(a->server.max_connections) + 256;
      if (nofile.rlim_cur < want) {
        nofile.rlim_cur = nofile.rlim_max == RLIM_INFINITY ? want : std::min(want, nofile.rlim_max);
        ::setrlimit(RLIMIT_NOFILE, &nofile);
      }
    }
    // Block the stop signals in every thread; one thread waits for them.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

    Result<std::unique_ptr<Ledger>> ledger = Ledger::Open(a->data, a->open);
    if (!ledger.ok()) {
      std::cerr << "vigil serve: " << ledger.status().message() << "\n";
      exit_code = kExitUsage;
      return;
    }
    Log& log = (*ledger)->log();
    std::unique_ptr<api::Witnessing> witnesses;
    if (!witnessing.witnesses.empty()) {
      Result<std::unique_ptr<api::Witnessing>> w = api::Witnessing::Make(log, witnessing);
      if (!w.ok()) {
        std::cerr << "vigil serve: " << w.status().message() << "\n";
        exit_code = kExitUsage;
        return;
      }
      witnesses = std::move(*w);
      // Before any append: the first round asks every witness its size, and holds signing if
      // one saw a larger tree than the store holds.
      if (Status s = witnesses->Start(); !s.ok()) {
        std::cerr << "vigil serve: " << s.message() << "\n";
        exit_code = kExitUsage;
        return;
      }
      if (std::optional<std::string> held = log.SigningHeld()) {
        spdlog::error("signing is held: {}", *held);
      }
    }
    Writer writer(log, a->writer);
    api::Server server(**ledger, writer, a->server);
    server.set_witnessing(witnesses.get());
    if (Status s = server.Bind(); !s.ok()) {
      std::cerr << "vigil serve: " << s.message() << "\n";
      exit_code = kExitUsage;
      return;
    }
    if (log.is_mirror()) {
      spdlog::info("{} is a mirror: serving it read-only (submissions are refused)", a->data);
    }
    std::unique_ptr<Publisher> publisher;
    if (!a->publish.empty()) {
      // Static readers get what /checkpoint serves: with witnesses, the cosigned checkpoint.
      Publisher::Source source;
      if (witnesses != nullptr) {
        source = [w = witnesses.get()] { return w->ServedCheckpoint(); };
      }
      Result<std::unique_ptr<Publisher>> p =
          Publisher::Start(log, a->publish, std::chrono::milliseconds(250), std::move(source));
      if (!p.ok()) {
        std::cerr << "vigil serve: --publish " << a->publish << ": " << p.status().message()
                  << "\n";
        exit_code = kExitUsage;
        return;
      }
      publisher = std::move(*p);
      spdlog::info("publishing the checkpoint and hash tiles to {}", a->publish);
    }
    if (std::optional<std::string> held = log.SigningHeld()) {
      spdlog::error("the log is NOT signing (appends are refused): {}", *held);
    }
    spdlog::info("serving {} ({} entries) on {}://{}:{}", log.info().origin, log.Size(),
                 a->server.tls_cert.empty() ? "http" : "https", a->server.host, server.port());
    std::thread waiter([&] {
      int sig = 0;
      sigwait(&stop_signals, &sig);
      spdlog::info("signal {} received: stopping", sig);
      server.Stop();
    });
    server.Run();
    writer.Stop();  // finishes every submission already queued
    if (witnesses != nullptr) witnesses->Stop();
    if (publisher) publisher->Stop();
    // If Run() ended on its own, wake the waiter so it can be joined.
    if (waiter.joinable()) {
      pthread_kill(waiter.native_handle(), SIGTERM);
      waiter.join();
    }
    spdlog::info("stopped at {} entries", log.Size());
  });
}

}  // namespace vigil::cli
