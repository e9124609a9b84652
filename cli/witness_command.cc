// vigil witness init | serve: a C2SP tlog-witness (ledger/witness/witness.h) over HTTP
// (api/witness_server.h).
#include <signal.h>
#include <spdlog/spdlog.h>

#include <iostream>
#include <thread>

#include "api/witness_server.h"
#include "cli/commands.h"
#include "keys/key.h"
#include "keys/passphrase.h"
#include "ledger/witness/witness.h"

namespace vigil::cli {

namespace {

void AddWitnessInit(CLI::App* parent, int& exit_code) {
  auto* cmd = parent->add_subcommand("init", "Create a witness: its key and its empty state");
  cmd->footer(
      "Creates DIR (mode 0700) with witness.key (the secret key, mode 0600), witness.vkey and\n"
      "an empty store, and prints the witness's verifier key\n"
      "  NAME+<hex key id>+<base64(0x04 || public key)>\n"
      "to give to the operators of the logs it witnesses (vigil serve --witness URL=VKEY).\n"
      "--from KEY uses an existing secret key file (vigil keygen) instead of a new key;\n"
      "--passphrase seals the key file under a passphrase (asked at every start).\n\n"
      "Example:\n  vigil witness init --data /var/lib/vigil-witness --name "
      "witness.sct.example.vn/w1");
  struct Args {
    std::string data, name, from;
    bool passphrase = false;
  };
  auto a = std::make_shared<Args>();
  cmd->add_option("--data,-d", a->data, "Directory of the witness to create")->required();
  cmd->add_option("--name", a->name, "The witness's name, e.g. witness.example.vn/w1")->required();
  cmd->add_option("--from", a->from, "Use this existing secret key file's key");
  cmd->add_flag("--passphrase", a->passphrase, "Seal the witness key under a passphrase");
  cmd->callback([a, &exit_code] {
    Result<SecretKey> key = a->from.empty() ? SecretKey::Generate() : SecretKey::Load(a->from);
    if (!key.ok()) {
      std::cerr << "vigil witness init: " << key.status().message() << "\n";
      exit_code = kExitUsage;
      return;
    }
    SecretBytes pass;
    if (a->passphrase) {
      Result<SecretBytes> p = AskNewPassphrase(a->data + "/witness.key");
      if (!p.ok()) {
        std::cerr << "vigil witness init: " << p.status().message() << "\n";
        exit_code = kExitUsage;
        return;
      }
      pass = std::move(*p);
    }
    Result<std::string> vkey = witness::Witness::Init(a->data, a->name, *key, pass.view());
    if (!vkey.ok()) {
      std::cerr << "vigil witness init: " << vkey.status().message() << "\n";
      exit_code = kExitUsage;
      return;
    }
    std::cout << *vkey << "\n";
  });
}

void AddWitnessServe(CLI::App* parent, int& exit_code) {
  auto* cmd = parent->add_subcommand("serve", "Serve a witness over HTTP (C2SP tlog-witness)");
  cmd->footer(
      "Answers POST /add-checkpoint (the submission prefix is the root: give the log operator\n"
      "http://HOST:PORT) for the logs named by --log, by their verifier keys (GET /v1/log of a\n"
      "Vigil log shows its \"verifier_key\"). Stops cleanly on SIGTERM or Ctrl-C.\n\n"
      "Every option can also come from a config file (--config FILE or $VIGIL_CONFIG), e.g.\n"
      "  [witness.serve]\n  data = \"/var/lib/vigil-witness\"\n  listen = \"0.0.0.0:7380\"\n"
      "  log = [\"vigil.hanoi.example/log+1a2b3c4d+AU...\"]\n\n"
      "Example:\n  vigil witness serve --data /var/lib/vigil-witness --listen 0.0.0.0:7380 \\\n"
      "      --log vigil.hanoi.example/log+1a2b3c4d+AU...");
  struct Args {
    std::string data, listen = "127.0.0.1:7380", log_level = "info";
    std::vector<std::string> logs;
    api::WitnessServerOptions server;
  };
  auto a = std::make_shared<Args>();
  cmd->add_option("--data,-d", a->data, "Directory of the witness (vigil witness init)")
      ->required();
  cmd->add_option("--listen,-l", a->listen, "Address to listen on, host:port")
      ->capture_default_str();
  cmd->add_option("--log", a->logs, "Verifier key of a log to witness (repeatable)")->required();
  cmd->add_option("--threads", a->server.threads, "HTTP handler threads")->capture_default_str();
  cmd->add_option("--log-level", a->log_level, "trace, debug, info, warn, error")
      ->capture_default_str()
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}));
  cmd->callback([a, &exit_code] {
    if (!ParseListen(a->listen, a->server.host, a->server.port)) {
      std::cerr << "vigil witness serve: --listen must be host:port, e.g. 127.0.0.1:7380\n";
      exit_code = kExitUsage;
      return;
    }
    std::vector<NoteVerifier> logs;
    for (const std::string& v : a->logs) {
      Result<NoteVerifier> log = ParseVerifierKey(v);
      if (!log.ok() || log->type != NoteKeyType::kEd25519) {
        std::cerr << "vigil witness serve: --log " << v << " is not a log's verifier key"
                  << (log.ok() ? " (it is a witness key)" : ": " + log.status().message()) << "\n";
        exit_code = kExitUsage;
        return;
      }
      logs.push_back(*log);
    }
    spdlog::set_level(spdlog::level::from_str(a->log_level));
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

    Result<std::unique_ptr<witness::Witness>> w = witness::Witness::Open(a->data, logs);
    if (!w.ok()) {
      std::cerr << "vigil witness serve: " << w.status().message() << "\n";
      exit_code = kExitUsage;
      return;
    }
    api::WitnessServer server(**w, a->server);
    if (Status s = server.Bind(); !s.ok()) {
      std::cerr << "vigil witness serve: " << s.message() << "\n";
      exit_code = kExitUsage;
      return;
    }
    spdlog::info("witness {} ({}) for {} log key(s) on http://{}:{}", (*w)->name(),
                 (*w)->verifier_key(), logs.size(), a->server.host, server.port());
    std::thread waiter([&] {
      int sig = 0;
      sigwait(&stop_signals, &sig);
      spdlog::info("signal {} received: stopping", sig);
      server.Stop();
    });
    server.Run();
    if (waiter.joinable()) {
      pthread_kill(waiter.native_handle(), SIGTERM);
      waiter.join();
    }
    spdlog::info("stopped");
  });
}

}  // namespace

void AddWitness(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("witness", "Run a C2SP witness that cosigns a log's checkpoints");
  cmd->require_subcommand(1);
  AddWitnessInit(cmd, exit_code);
  AddWitnessServe(cmd, exit_code);
}

}  // namespace vigil::cli
