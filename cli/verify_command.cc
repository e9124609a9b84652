// vigil verify: offline verification of a store, the monitor of a server, or a receipt.
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/commands.h"
#include "cli/monitor.h"
#include "cli/witness_policy.h"
#include "keys/note.h"
#include "ledger/log/receipt.h"
#include "ledger/verify.h"

namespace vigil::cli {

namespace {

// A progress line on a terminal: done/total, rate and ETA. Silent when stderr is not a tty.
// A progress line on a terminal: a bar, done/total, rate and ETA, redrawn at most 10 times a
// second. Silent (nullptr) when stderr is not a terminal, so scripts and cron see nothing.
std::function<void(uint64_t, uint64_t)> ProgressBar(const char* what = "entries") {
  if (!::isatty(STDERR_FILENO)) return nullptr;
  struct State {
    std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
    std::chrono::steady_clock::time_point last{};
    bool finished = false;
  };
  auto st = std::make_shared<State>();
  return [st, what](uint64_t done, uint64_t total) {
    const auto now = std::chrono::steady_clock::now();
    if (st->finished || (done < total && now - st->last < std::chrono::milliseconds(100))) return;
    st->last = now;
    const double secs = std::chrono::duration<double>(now - st->start).count();
    const double rate = secs > 0 ? static_cast<double>(done) / secs : 0;
    const double eta = rate > 0 && total > done ? static_cast<double>(total - done) / rate : 0;
    constexpr int kBar = 24;
    const int filled =
        total == 0
            ? kBar
            : static_cast<int>(kBar * static_cast<double>(done) / static_cast<double>(total));
    std::string bar(static_cast<size_t>(std::min(filled, kBar)), '#');
    bar.resize(kBar, '.');
    std::fprintf(stderr, "\r[%s] %llu/%llu %s  %.0f/s  ETA %.0fs   ", bar.c_str(),
                 static_cast<unsigned long long>(done), static_cast<unsigned long long>(total),
                 what, rate, eta);
    if (done >= total) {
      std::fputs("\n", stderr);
      st->finished = true;
    }
  };
}

int VerifyData(const std::string& dir, const std::optional<NoteVerifier>& key, bool all_errors,
               bool json, const std::string& saved_checkpoint_file, int threads,
               const std::string& personal_keys) {
  VerifyOptions options;
  if (!personal_keys.empty()) options.personal_keys = personal_keys;
  if (!saved_checkpoint_file.empty()) {
    std::ifstream in(saved_checkpoint_file, std::ios::binary);
    if (!in) {
      std::cerr << "vigil verify: cannot open " << saved_checkpoint_file << "\n";
      return kExitUsage;
    }
    std::ostringstream ss;
    ss << in.rdbuf();
    options.saved_checkpoint = ss.str();
  }
  options.log_key = key;
  options.all_errors = all_errors;
  options.threads = threads;
  options.progress = ProgressBar();
  Result<VerifyReport> report = VerifyStore(dir, options);
  if (!report.ok()) {
    std::cerr << "vigil verify: " << report.status().message() << "\n";
    return kExitUsage;
  }
  if (json) {
    nlohmann::json j = {{"ok", report->ok()},
                        {"entries", report->size},
                        {"checkpoints", report->checkpoints},
                        {"state_records", report->state_records},
                        {"personal",
                         {{"sealed", report->personal_sealed},
                          {"erased", report->personal_erased},
                          {"opened", report->personal_opened}}},
                        {"problems", nlohmann::json::array()}};
    if (report->latest.has_value()) {
      j["checkpoint"] = {{"size", report->latest->size}, {"root", Base64(report->latest->root)}};
    }
    for (const VerifyProblem& p : report->problems) {
      nlohmann::json pj = {{"what", p.what}};
      if (p.seq.has_value()) pj["seq"] = *p.seq;
      j["problems"].push_back(pj);
    }
    std::cout << j.dump(2) << "\n";
  } else if (report->ok()) {
    std::cout << "ok: " << report->size << " entries, " << report->checkpoints
              << " checkpoints and " << report->state_records << " state records verified";
    if (report->personal_sealed + report->personal_erased > 0) {
      std::cout << "\npersonal data: " << report->personal_sealed << " sealed records ("
                << (personal_keys.empty()
                        ? std::string("not opened: give --personal-keys to re-check them")
                        : std::to_string(report->personal_opened) +
                              " opened for their own entry, commitments re-checked")
                << "), " << report->personal_erased << " erased";
    }
    if (report->latest.has_value()) {
      std::cout << "\nroot at size " << report->latest->size << ": "
                << Base64(report->latest->root);
    }
    std::cout << "\n";
    if (!key.has_value()) {
      std::cout << "note: checked against the log key stored in " << dir
                << "; pass --key with the published verifier key to also prove who signed\n";
    }
  } else {
    for (const VerifyProblem& p : report->problems) {
      std::cout << "FAILED" << (p.seq.has_value() ? " at entry " + std::to_string(*p.seq) : "")
                << ": " << p.what << "\n";
    }
  }
  return report->ok() ? kExitOk : kExitFailure;
}

int VerifyServer(MonitorOptions options, const std::string& reader_key_file, bool json) {
  std::optional<SecretKey> reader;
  if (!reader_key_file.empty()) {
    Result<SecretKey> k = SecretKey::Load(reader_key_file);
    if (!k.ok()) {
      std::cerr << "vigil verify: --reader-key: " << k.status().message() << "\n";
      return kExitUsage;
    }
    reader = std::move(*k);
    options.reader = &*reader;
  }
  options.progress = ProgressBar();
  MonitorReport r = RunMonitor(options);
  if (json) {
    nlohmann::json j = {{"ok", r.exit_code == kExitOk},
                        {"exit", r.exit_code},
                        {"summary", r.summary},
                        {"server", options.server},
                        {"state", options.state_file},
                        {"mode", r.mode},
                        {"first_run", r.first_run},
                        {"old_size", r.old_size},
                        {"new_size", r.new_size},
                        {"checked", r.checked},
                        {"requests", r.requests},
                        {"state_saved", r.state_saved},
                        {"problems", nlohmann::json::array()}};
    if (r.root.has_value()) j["root"] = Base64(*r.root);
    if (!r.cosigned.empty()) j["cosigned"] = r.cosigned;
    for (const VerifyProblem& p : r.problems) {
      nlohmann::json pj = {{"what", p.what}};
      if (p.seq.has_value()) pj["seq"] = *p.seq;
      j["problems"].push_back(pj);
    }
    std::cout << j.dump(2) << "\n";
  } else if (r.exit_code == kExitOk) {
    std::cout << r.summary << "\n";
    if (!r.cosigned.empty()) std::cout << "checkpoint " << r.cosigned << "\n";
    if (r.mode == "tree") {
      std::cout << "note: --tree-only checks checkpoints and the tree, not the entries\n";
    }
  } else if (r.exit_code == kExitFailure) {
    for (const VerifyProblem& p : r.problems) {
      std::cout << "FAILED" << (p.seq.has_value() ? " at entry " + std::to_string(*p.seq) : "")
                << ": " << p.what << "\n";
    }
    std::cout << "the state file " << options.state_file
              << " was not changed: every run will fail until this is investigated\n";
  } else {
    std::cerr << "vigil verify: " << r.summary << "\n";
  }
  return r.exit_code;
}

int VerifyReceiptFile(const std::string& path, const NoteVerifier& key,
                      const WitnessPolicy& witnesses) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::cerr << "vigil verify: cannot open " << path << "\n";
    return kExitUsage;
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  Result<Receipt> receipt = ReceiptFromTlogProof(text);
  if (!receipt.ok()) {
    nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
    if (j.is_discarded()) {
      std::cerr << "vigil verify: " << path << " is neither a JSON receipt nor a tlog-proof\n";
      return kExitUsage;
    }
    receipt = ReceiptFromJson(j);
    if (!receipt.ok()) {
      std::cerr << "vigil verify: " << receipt.status().message() << "\n";
      return kExitUsage;
    }
  }
  Result<Checkpoint> cp = VerifyReceipt(*receipt, key);
  if (!cp.ok()) {
    std::cout << "FAILED: " << cp.status().message() << "\n";
    return kExitFailure;
  }
  Result<std::string> cosigned = CheckWitnessPolicy(receipt->checkpoint, key, witnesses);
  if (!cosigned.ok()) {
    std::cout << "FAILED: the receipt's checkpoint does not meet the witness policy: "
              << cosigned.status().message()
              << ". A receipt given at submission carries its batch's checkpoint before the "
                 "witnesses cosigned it; fetch a fresh receipt (vigil receipt "
              << receipt->seq << ", or GET /v1/entries/" << receipt->seq
              << ") for a receipt against the newest cosigned checkpoint\n";
    return kExitFailure;
  }
  std::cout << "ok: entry " << receipt->seq << " is in " << cp->origin << " at size " << cp->size
            << " (root " << Base64(cp->root) << ")" << (cosigned->empty() ? "" : ", " + *cosigned)
            << "\n";
  return kExitOk;
}

}  // namespace

void AddVerify(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand(
      "verify", "Verify a log's integrity (offline or as a monitor), or a receipt");
  cmd->footer(
      "--data DIR checks every entry, link, signature, rule (by replaying the state), tree hash,\n"
      "checkpoint and the stored state, on every core (--threads).\n"
      "--server URL --state FILE is a monitor: it downloads only what is new since the\n"
      "checkpoint saved in FILE, checks the checkpoint signature with the pinned log key,\n"
      "catches rollbacks and forks, verifies every new entry (bytes, chain, signatures,\n"
      "rules, its leaf in the tree) and saves the new checkpoint atomically. Entry bundles\n"
      "are not public: give --reader-key (an authority or police key), or\n"
      "--tree-only to check checkpoints and the tree only.\n"
      "With --data, --personal-keys KEYDIR (holding personal.key and personal.slots) also opens\n"
      "every sealed personal record for its own entry and re-checks its commitment.\n"
      "--receipt FILE checks a receipt (JSON or tlog-proof) offline.\n"
      "With --server or --receipt, --witness VKEY (repeatable) and --witness-quorum K refuse a\n"
      "checkpoint that fewer than K of those witnesses cosigned (default: all of them).\n"
      "A progress bar is drawn on stderr when it is a terminal. Exit status: 0 verified,\n"
      "1 integrity failure (the first bad entry is named), 2 usage, I/O error or unreachable\n"
      "server.\n\n"
      "Examples:\n  vigil verify --data /var/lib/vigil --key \"$(cat verifier.key)\"\n"
      "  vigil verify --server https://vigil.example --state monitor.state \\\n"
      "      --vkey \"$(cat verifier.key)\" --reader-key inspector.key\n"
      "  vigil verify --data /var/lib/vigil --personal-keys /var/lib/vigil/keys\n"
      "  vigil verify --receipt receipt.tlog-proof --key \"$(cat verifier.key)\"\n"
      "  vigil verify --server https://vigil.example --state monitor.state --tree-only \\\n"
      "      --vkey \"$(cat verifier.key)\" --witness \"$(cat w1.vkey)\" --witness \"$(cat "
      "w2.vkey)\" \\\n"
      "      --witness \"$(cat w3.vkey)\" --witness-quorum 2");
  struct Args {
    std::string data, receipt, key, checkpoint, server, state, reader_key, personal_keys;
    bool all_errors = false, json = false, tofu = false, tree_only = false;
    int threads = 0;
    WitnessArgs witness;
  };
  auto a = std::make_shared<Args>();
  auto* data = cmd->add_option("--data,-d", a->data, "Data directory to verify offline");
  auto* receipt = cmd->add_option("--receipt", a->receipt, "Receipt file to verify offline");
  auto* server =
      cmd->add_option("--server", a->server, "Monitor this server (http(s)://host:port)");
  auto* state = cmd->add_option("--state", a->state, "With --server: the monitor's state file");
  data->excludes(receipt);
  server->excludes(data)->excludes(receipt);
  server->needs(state);
  state->needs(server);
  cmd->add_option("--key,--vkey", a->key, "The log's verifier key (name+hash+base64)")
      ->envname("VIGIL_LOG_KEY");
  cmd->add_option("--personal-keys", a->personal_keys,
                  "With --data: directory with personal.key and personal.slots; re-check the "
                  "personal data too")
      ->needs(data);
  cmd->add_option("--checkpoint", a->checkpoint,
                  "With --data: a checkpoint saved earlier; detects rollback and forks");
  cmd->add_flag("--trust-on-first-use", a->tofu,
                "With --server, first run only: pin the log key the server announces")
      ->needs(server);
  cmd->add_option(
         "--reader-key", a->reader_key,
         "With --server: secret key of an authority, police or inspector, to read entry bundles")
      ->needs(server);
  cmd->add_flag("--tree-only", a->tree_only,
                "With --server: check checkpoints and the tree, not the entries")
      ->needs(server);
  cmd->add_option("--threads", a->threads, "Worker threads (default: one per core)")
      ->check(CLI::Range(0, 1024));
  cmd->add_flag("--all-errors", a->all_errors, "Report every damaged entry, not just the first");
  cmd->add_flag("--json", a->json, "Print a JSON report");
  AddWitnessOptions(cmd, &a->witness);
  cmd->callback([a, &exit_code] {
    Result<WitnessPolicy> witnesses = ParseWitnessPolicy(a->witness);
    if (!witnesses.ok()) {
      std::cerr << "vigil verify: " << witnesses.status().message() << "\n";
      exit_code = kExitUsage;
      return;
    }
    if (!witnesses->witnesses.empty() && !a->data.empty()) {
      std::cerr << "vigil verify: --witness applies to --server and --receipt (a store holds "
                   "no cosignatures)\n";
      exit_code = kExitUsage;
      return;
    }
    std::optional<NoteVerifier> key;
    if (!a->key.empty()) {
      Result<NoteVerifier> k = ParseVerifierKey(a->key);
      if (!k.ok()) {
        std::cerr << "vigil verify: --key: " << k.status().message() << "\n";
        exit_code = kExitUsage;
        return;
      }
      key = *k;
    }
    if (!a->receipt.empty()) {
      if (!key.has_value()) {
        std::cerr << "vigil verify: --receipt needs --key (the log's verifier key)\n";
        exit_code = kExitUsage;
        return;
      }
      exit_code = VerifyReceiptFile(a->receipt, *key, *witnesses);
    } else if (!a->data.empty()) {
      exit_code = VerifyData(a->data, key, a->all_errors, a->json, a->checkpoint, a->threads,
                             a->personal_keys);
    } else if (!a->server.empty()) {
      if (a->tree_only && !a->reader_key.empty()) {
        std::cerr << "vigil verify: give --reader-key or --tree-only, not both\n";
        exit_code = kExitUsage;
        return;
      }
      MonitorOptions options;
      options.server = a->server;
      options.state_file = a->state;
      options.log_key = key;
      options.trust_on_first_use = a->tofu;
      options.tree_only = a->tree_only;
      options.threads = a->threads;
      options.witnesses = *witnesses;
      exit_code = VerifyServer(std::move(options), a->reader_key, a->json);
    } else {
      std::cerr << "vigil verify: give --data DIR, --server URL --state FILE, or --receipt FILE\n";
      exit_code = kExitUsage;
    }
  });
}

}  // namespace vigil::cli
