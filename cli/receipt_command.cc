// vigil receipt: a fresh receipt for an entry already in the log, against the server's newest
// checkpoint — cosigned by the witnesses once they have cosigned it, which a receipt given at
// submission (its batch's checkpoint, signed before any witness saw it) cannot be.
#include <fstream>
#include <iostream>

#include "cli/client.h"
#include "cli/commands.h"
#include "cli/reply_shape.h"
#include "cli/witness_policy.h"
#include "keys/key.h"
#include "ledger/log/entry.h"
#include "ledger/log/merkle.h"
#include "ledger/log/receipt.h"

namespace vigil::cli {

namespace {

struct ReceiptArgs {
  uint64_t seq = 0;
  std::string key, server = "http://127.0.0.1:8080", log_key, output;
  WitnessArgs witness;
};

// The receipt of entry `seq` from the reply to GET /v1/entries/{seq}, or why it is not one.
Result<Receipt> ReceiptFromReply(uint64_t seq, const nlohmann::json& j) {
  Receipt r;
  r.seq = seq;
  r.entry = j["entry"].get<std::string>();
  r.checkpoint = j["checkpoint"].get<std::string>();
  Result<Entry> e = DecodeEntry(r.entry);
  if (!e.ok()) return Status(Code::kIoError, "the server's entry: " + e.status().message());
  if (e->seq != seq) {
    return Status(Code::kIoError, "the server answered entry " + std::to_string(e->seq) +
                                      " when asked for entry " + std::to_string(seq));
  }
  r.ts_ms = e->ts_ms;
  r.leaf_hash = merkle::HashLeaf(r.entry);
  for (const auto& h : j["inclusion"]) {
    Result<Hash> hash = HashFromBase64(h.get<std::string>());
    if (!hash.ok()) return Status(Code::kIoError, "the server's inclusion proof: not a hash");
    r.inclusion.push_back(*hash);
  }
  return r;
}

int Run(const ReceiptArgs& a) {
  auto fail = [](int code, const std::string& msg) {
    std::cerr << "vigil receipt: " << msg << "\n";
    return code;
  };
  Result<WitnessPolicy> policy = ParseWitnessPolicy(a.witness);
  if (!policy.ok()) return fail(kExitUsage, policy.status().message());
  Result<SecretKey> key = SecretKey::Load(a.key);
  if (!key.ok()) return fail(kExitUsage, "--key: " + key.status().message());
  Result<std::unique_ptr<Client>> client = Client::Connect(a.server);
  if (!client.ok()) return fail(kExitUsage, client.status().message());

  std::string vkey = a.log_key;
  if (vkey.empty()) {
    Result<Response> res = (*client)->Get("/v1/log");
    if (!res.ok()) return fail(kExitUsage, res.status().message());
    Result<nlohmann::json> j = ParseReply(*res, "GET /v1/log", LogInfoShape(), "the log's facts");
    if (!j.ok()) return fail(kExitUsage, j.status().message());
    vkey = (*j)["verifier_key"].get<std::string>();
    std::cerr << "note: checked with the log key the server announces; give --log-key with the "
                 "key published through a trusted channel to prove who signed\n";
  }
  Result<NoteVerifier> log = ParseVerifierKey(vkey);
  if (!log.ok()) return fail(kExitUsage, "--log-key: " + log.status().message());

  const std::string target = "/v1/entries/" + std::to_string(a.seq);
  Result<Response> res = (*client)->Get(target, &*key);
  if (!res.ok()) return fail(kExitUsage, res.status().message());
  if (!res->ok()) return fail(kExitFailure, "GET " + target + ": " + res->ProblemText());
  Result<nlohmann::json> j = ParseReply(*res, "GET " + target, EntryShape(), "an entry");
  if (!j.ok()) return fail(kExitUsage, j.status().message());
  Result<Receipt> receipt = ReceiptFromReply(a.seq, *j);
  if (!receipt.ok()) return fail(kExitFailure, receipt.status().message());

  Result<Checkpoint> cp = VerifyReceipt(*receipt, *log);
  if (!cp.ok())
    return fail(kExitFailure, "the server's receipt does not verify: " + cp.status().message());
  Result<std::string> cosigned = CheckWitnessPolicy(receipt->checkpoint, *log, *policy);
  if (!cosigned.ok()) {
    return fail(kExitFailure, "the server's checkpoint does not meet the witness policy: " +
                                  cosigned.status().message() +
                                  " (try again once the witnesses have cosigned)");
  }

  const std::string text = ReceiptToTlogProof(*receipt);
  if (a.output.empty()) {
    std::cout << text;
  } else {
    std::ofstream out(a.output, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out.flush()) return fail(kExitUsage, "cannot write " + a.output);
  }
  std::cerr << "ok: entry " << a.seq << " is in " << cp->origin << " at size " << cp->size
            << (cosigned->empty() ? "" : ", " + *cosigned) << "\n";
  return kExitOk;
}

}  // namespace

void AddReceipt(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand(
      "receipt",
      "Fetch and verify a receipt for an entry against the newest (cosigned) checkpoint");
  auto a = std::make_shared<ReceiptArgs>();
  cmd->add_option("SEQ", a->seq, "The entry's position in the log")->required();
  cmd->add_option("--key,-k", a->key, "Secret key file that signs the request")
      ->required()
      ->envname("VIGIL_KEY");
  cmd->add_option("--server,-s", a->server, "Server URL")
      ->envname("VIGIL_SERVER")
      ->capture_default_str();
  cmd->add_option("--log-key,--vkey", a->log_key,
                  "The log's verifier key from a trusted source (default: the server's)")
      ->envname("VIGIL_LOG_KEY");
  cmd->add_option("--output,-o", a->output, "Write the receipt (tlog-proof) here, not to stdout");
  AddWitnessOptions(cmd, &a->witness);
  cmd->footer(
      "The receipt (c2sp.org/tlog-proof@v1, holding the entry) is verified here before it is\n"
      "written: the entry's hash, the inclusion proof, the log's signature and, with --witness,\n"
      "the witnesses' cosignatures. `vigil verify --receipt FILE` checks it again offline.\n"
      "Exit status: 0 written, 1 refused or did not verify, 2 usage or unreachable server.\n\n"
      "Example:\n"
      "  vigil receipt 1234 --key clerk.key --log-key \"$(cat verifier.key)\" \\\n"
      "      --witness \"$(cat w1.vkey)\" --witness \"$(cat w2.vkey)\" -o entry-1234.tlog-proof");
  cmd->callback([a, &exit_code] { exit_code = Run(*a); });
}

}  // namespace vigil::cli
