#include "cli/witness_policy.h"

namespace vigil::cli {

void AddWitnessOptions(CLI::App* cmd, WitnessArgs* args) {
  cmd->add_option("--witness", args->vkeys,
                  "A witness's verifier key (name+hash+base64, type 0x04) whose cosignature the "
                  "checkpoint must carry; repeatable")
      ->envname("VIGIL_WITNESS");
  cmd->add_option("--witness-quorum", args->quorum,
                  "How many of the --witness keys must have cosigned (default: all)")
      ->check(CLI::Range(1, 100));
}

Result<WitnessPolicy> ParseWitnessPolicy(const WitnessArgs& args) {
  WitnessPolicy policy;
  if (args.vkeys.empty()) {
    if (args.quorum >= 0) {
      return Status(Code::kInvalidArgument,
                    "--witness-quorum needs the witnesses' keys (--witness VKEY, repeatable)");
    }
    return policy;
  }
  for (const std::string& vkey : args.vkeys) {
    Result<NoteVerifier> v = ParseVerifierKey(vkey);
    if (!v.ok()) return Status(Code::kInvalidArgument, "--witness: " + v.status().message());
    if (v->type != NoteKeyType::kCosignature) {
      return Status(Code::kInvalidArgument,
                    "--witness " + v->name +
                        ": this is a log's key (type 0x01); a witness key is type 0x04, as "
                        "printed by vigil witness init");
    }
    policy.witnesses.push_back(*v);
  }
  policy.quorum = args.quorum < 0 ? policy.witnesses.size() : static_cast<size_t>(args.quorum);
  if (policy.quorum > policy.witnesses.size()) {
    return Status(Code::kInvalidArgument,
                  "--witness-quorum " + std::to_string(policy.quorum) + " is more than the " +
                      std::to_string(policy.witnesses.size()) + " --witness key(s) given");
  }
  return policy;
}

Result<std::string> CheckWitnessPolicy(std::string_view note, const NoteVerifier& log,
                                       const WitnessPolicy& policy) {
  if (policy.witnesses.empty()) return std::string();
  Result<WitnessedCheckpoint> cp = OpenWitnessedCheckpoint(note, log, policy);
  if (!cp.ok()) return cp.status();
  std::string names;
  for (const std::string& n : cp->cosigned_by) names += (names.empty() ? "" : ", ") + n;
  return "cosigned by " + std::to_string(cp->cosigned_by.size()) + " of " +
         std::to_string(policy.witnesses.size()) + " witnesses (" + names + "; quorum " +
         std::to_string(policy.quorum) + ")";
}

}  // namespace vigil::cli
