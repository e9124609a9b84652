// vigil verify: offline verification of a store or of a receipt.
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/commands.h"
#include "keys/note.h"
#include "ledger/receipt.h"
#include "ledger/verify.h"

namespace vigil::cli {

namespace {

// A progress line on a terminal: done/total, rate and ETA. Silent when stderr is not a tty.
std::function<void(uint64_t, uint64_t)> ProgressBar() {
  if (!::isatty(STDERR_FILENO)) return nullptr;
  auto start = std::chrono::steady_clock::now();
  return [start](uint64_t done, uint64_t total) {
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    double rate = secs > 0 ? static_cast<double>(done) / secs : 0;
    double eta = rate > 0 ? static_cast<double>(total - done) / rate : 0;
    std::fprintf(stderr, "\rverifying %llu/%llu entries  %.0f/s  ETA %.0fs   ",
                 static_cast<unsigned long long>(done), static_cast<unsigned long long>(total),
                 rate, eta);
    if (done == total) std::fputs("\n", stderr);
  };
}

int VerifyData(const std::string& dir, const std::optional<NoteVerifier>& key, bool all_errors,
               bool json, const std::string& saved_checkpoint_file) {
  VerifyOptions options;
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
  if (!json) options.progress = ProgressBar();
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
    if (report->latest.has_value()) {
      std::cout << "\nroot at size " << report->latest->size << ": " << Base64(report->latest->root);
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

int VerifyReceiptFile(const std::string& path, const NoteVerifier& key) {
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
  std::cout << "ok: entry " << receipt->seq << " is in " << cp->origin << " at size " << cp->size
            << " (root " << Base64(cp->root) << ")\n";
  return kExitOk;
}

}  // namespace

void AddVerify(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("verify", "Verify a log's integrity, or a receipt");
  cmd->footer(
      "--data DIR checks every entry, link, signature, rule (by replaying the state), tree hash,\n"
      "checkpoint and the stored state. --receipt FILE checks a receipt (JSON or tlog-proof)\n"
      "offline. Exit status: 0 verified, 1 integrity failure (the first bad entry is named),\n"
      "2 usage or I/O error.\n\n"
      "Examples:\n  vigil verify --data /var/lib/vigil --key \"$(cat verifier.key)\"\n"
      "  vigil verify --receipt receipt.tlog-proof --key \"$(cat verifier.key)\"");
  struct Args {
    std::string data, receipt, key, checkpoint;
    bool all_errors = false, json = false;
  };
  auto a = std::make_shared<Args>();
  auto* data = cmd->add_option("--data,-d", a->data, "Data directory to verify offline");
  auto* receipt = cmd->add_option("--receipt", a->receipt, "Receipt file to verify offline");
  data->excludes(receipt);
  cmd->add_option("--key", a->key, "The log's verifier key (name+hash+base64)")->envname("VIGIL_LOG_KEY");
  cmd->add_option("--checkpoint", a->checkpoint,
                  "With --data: a checkpoint saved earlier; detects rollback and forks");
  cmd->add_flag("--all-errors", a->all_errors, "Report every damaged entry, not just the first");
  cmd->add_flag("--json", a->json, "Print a JSON report");
  cmd->callback([a, &exit_code] {
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
      exit_code = VerifyReceiptFile(a->receipt, *key);
    } else if (!a->data.empty()) {
      exit_code = VerifyData(a->data, key, a->all_errors, a->json, a->checkpoint);
    } else {
      std::cerr << "vigil verify: give --data DIR or --receipt FILE\n";
      exit_code = kExitUsage;
    }
  });
}

}  // namespace vigil::cli
