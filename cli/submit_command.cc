// vigil submit: sign payloads and append them to a log.
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/client.h"
#include "cli/commands.h"
#include "keys/key.h"
#include "ledger/payload.h"

namespace vigil::cli {

namespace {

Result<std::string> ReadInput(const std::string& path) {
  std::ostringstream ss;
  if (path == "-") {
    ss << std::cin.rdbuf();
  } else {
    std::ifstream in(path, std::ios::binary);
    if (!in) return Status(Code::kNotFound, "cannot open " + path);
    ss << in.rdbuf();
  }
  return ss.str();
}

// One payload per non-empty line (JSON lines), or the whole input if it is one JSON object
// spread over several lines. Each payload keeps its line number for messages.
std::vector<std::pair<int, std::string>> SplitPayloads(const std::string& text) {
  std::vector<std::pair<int, std::string>> out;
  Result<nlohmann::json> whole = ParseJson(text);
  if (whole.ok() && whole->is_object()) {
    out.emplace_back(1, text);
    return out;
  }
  std::istringstream in(text);
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    out.emplace_back(n, line);
  }
  return out;
}

}  // namespace

void AddSubmit(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("submit", "Sign records and append them to the log");
  cmd->footer(
      "INPUT holds one JSON payload, or JSON lines (one payload per line); '-' reads stdin.\n"
      "Each payload is signed with --key and sent; the result is printed per line, and bad\n"
      "lines do not stop the others. Rerunning after an interruption is safe: a payload that\n"
      "is already in the log (same id, same content) answers with its original receipt.\n\n"
      "Examples:\n"
      "  vigil submit --key clerk.key --server http://127.0.0.1:8080 purchase.json\n"
      "  vigil submit --key clerk.key --server $URL --receipts receipts.jsonl day.jsonl\n"
      "  vigil submit --key clerk.key --cosign witness.key --server $URL disposal.json");
  struct Args {
    std::string key, server, receipts, input;
    std::vector<std::string> cosign;
  };
  auto a = std::make_shared<Args>();
  cmd->add_option("--key,-k", a->key, "Secret key file to sign with")->required()->envname("VIGIL_KEY");
  cmd->add_option("--server,-s", a->server, "Server URL")->required()->envname("VIGIL_SERVER");
  cmd->add_option("--receipts,-r", a->receipts, "Append each receipt (JSON line) to this file");
  cmd->add_option("--cosign", a->cosign, "Also sign with this key file (a witness); repeatable");
  cmd->add_option("INPUT", a->input, "Payload file, JSON lines, or - for stdin")->required();
  cmd->callback([a, &exit_code] {
    auto fail = [&exit_code](const std::string& msg) {
      std::cerr << "vigil submit: " << msg << "\n";
      exit_code = kExitUsage;
    };
    Result<SecretKey> key = SecretKey::Load(a->key);
    if (!key.ok()) return fail(key.status().message());
    std::vector<SecretKey> cosigners;
    for (const std::string& path : a->cosign) {
      Result<SecretKey> k = SecretKey::Load(path);
      if (!k.ok()) return fail(k.status().message());
      cosigners.push_back(std::move(*k));
    }
    Result<std::string> text = ReadInput(a->input);
    if (!text.ok()) return fail(text.status().message());
    Result<std::unique_ptr<Client>> client = Client::Connect(a->server);
    if (!client.ok()) return fail(client.status().message());
    std::ofstream receipts;
    if (!a->receipts.empty()) {
      receipts.open(a->receipts, std::ios::app);
      if (!receipts) return fail("cannot open " + a->receipts + " for appending");
    }
    int accepted = 0, rejected = 0;
    for (const auto& [line, raw] : SplitPayloads(*text)) {
      Result<nlohmann::json> payload = ParseJson(raw);
      if (!payload.ok() || !payload->is_object()) {
        std::cout << "line " << line << ": rejected: not a JSON object"
                  << (payload.ok() ? "" : " (" + payload.status().message() + ")") << "\n";
        ++rejected;
        continue;
      }
      const std::string bytes = payload->dump();
      nlohmann::json body = {{"signer", key->Id()},
                             {"payload", bytes},
                             {"sig", Base64Encode(key->Sign(SignContext::kEntry, bytes))}};
      for (const SecretKey& c : cosigners) {
        body["cosigners"].push_back(
            {{"signer", c.Id()}, {"sig", Base64Encode(c.Sign(SignContext::kEntry, bytes))}});
      }
      Result<Response> res = (*client)->Post("/v1/entries", body.dump());
      if (!res.ok()) {
        fail(res.status().message() + " (lines before " + std::to_string(line) +
             " were handled; rerun to resume safely)");
        return;
      }
      const std::string id = payload->value("id", "");
      if (!res->ok()) {
        std::cout << "line " << line << ": rejected (id " << id << "): " << res->ProblemText() << "\n";
        ++rejected;
        continue;
      }
      nlohmann::json receipt = nlohmann::json::parse(res->body, nullptr, false);
      std::cout << "line " << line << ": " << (res->status == 201 ? "appended" : "already in the log")
                << " as entry " << receipt.value("seq", uint64_t{0}) << " (id " << id << ")\n";
      ++accepted;
      if (receipts.is_open()) receipts << res->body << "\n" << std::flush;
    }
    std::cout << accepted << " accepted, " << rejected << " rejected\n";
    exit_code = rejected > 0 ? kExitFailure : kExitOk;
  });
}

}  // namespace vigil::cli
