// The client side of witnessing (C2SP tlog-cosignature v1): the options by which `vigil verify`
// and `vigil export` require a checkpoint to be cosigned by witnesses the user trusts, and
// their one parser. The check itself is OpenWitnessedCheckpoint (ledger/log/checkpoint.h).
#ifndef VIGIL_CLI_WITNESS_POLICY_H_
#define VIGIL_CLI_WITNESS_POLICY_H_

#include <CLI/CLI.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "keys/result.h"
#include "ledger/log/checkpoint.h"

namespace vigil::cli {

struct WitnessArgs {
  std::vector<std::string> vkeys;  // --witness VKEY, repeatable
  int quorum = -1;                 // --witness-quorum K; -1: all of the given witnesses
};

// Adds --witness and --witness-quorum to `cmd`; `*args` must outlive the parse.
void AddWitnessOptions(CLI::App* cmd, WitnessArgs* args);

// The policy the options describe: every key must be a witness (cosignature) verifier key;
// the quorum defaults to all of them and must be between 1 and their number. No --witness:
// an empty policy (the log's signature alone), and --witness-quorum alone is a usage error.
// kInvalidArgument naming the option otherwise.
Result<WitnessPolicy> ParseWitnessPolicy(const WitnessArgs& args);

// Checks the checkpoint `note` of the log `log` against `policy` (OpenWitnessedCheckpoint) and
// says what it found: "cosigned by 2 of 3 witnesses (w1.example, w2.example; quorum 2)", or ""
// for an empty policy (nothing checked beyond what the caller did). Errors: those of
// OpenWitnessedCheckpoint (below the quorum: kPermissionDenied).
Result<std::string> CheckWitnessPolicy(std::string_view note, const NoteVerifier& log,
                                       const WitnessPolicy& policy);

}  // namespace vigil::cli

#endif  // VIGIL_CLI_WITNESS_POLICY_H_
