// The monitor behind `vigil verify --server URL --state FILE` (docs/operator.md, "Monitoring";
// the state file is docs/formats.md §14).
//
// Each run downloads only what is new since the checkpoint saved in the state file: the
// public checkpoint, a consistency proof from the saved size, and then either the entry
// bundles of the new entries (with a full reader's key: every entry's bytes, position, chain,
// signatures and rules are checked by replaying the state saved from the previous run) or,
// with --tree-only, just the level-0 hash tiles. The new leaves, appended to the saved
// frontier of the tree, must give the new checkpoint's root: that proves both that the new
// tree extends the saved one and that the downloaded entries are exactly the log's. Only when
// everything verifies is the state file replaced (temporary file, fsync, rename).
#ifndef VIGIL_CLI_MONITOR_H_
#define VIGIL_CLI_MONITOR_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "keys/encoding.h"
#include "keys/key.h"
#include "keys/note.h"
#include "ledger/log/checkpoint.h"
#include "ledger/verify.h"

namespace vigil::cli {

struct MonitorOptions {
  std::string server;      // http(s)://host:port
  std::string state_file;  // created on the first run
  // The log's verifier key from a trusted channel. Required on the first run unless
  // trust_on_first_use; afterwards it must equal the key pinned in the state file.
  std::optional<NoteVerifier> log_key;
  bool trust_on_first_use = false;  // first run only: pin the key the server announces
  // A full reader's key (authority, police or inspector) to sign entry-bundle requests; needed
  // to verify entries. Without it the run must be tree_only.
  const SecretKey* reader = nullptr;
  bool tree_only = false;
  // Witnesses whose cosignatures the server's checkpoint must carry (cli/witness_policy.h);
  // empty: the log's signature alone.
  WitnessPolicy witnesses;
  int threads = 0;
  std::function<void(uint64_t done, uint64_t total)> progress;
};

struct MonitorReport {
  int exit_code = 0;                    // 0 verified, 1 integrity failure, 2 usage or unreachable
  std::string summary;                  // one line: what happened, or what is wrong and what to do
  std::vector<VerifyProblem> problems;  // integrity problems (exit 1)
  std::string mode;                     // "entries" or "tree"
  bool first_run = false;
  uint64_t old_size = 0;     // size of the checkpoint saved before this run
  uint64_t new_size = 0;     // size of the server's checkpoint
  uint64_t checked = 0;      // entries (or leaves) downloaded and checked this run
  uint64_t requests = 0;     // HTTP requests made
  std::optional<Hash> root;  // the verified new root
  std::string cosigned;      // "cosigned by 2 of 3 witnesses (...)", with a witness policy
  bool state_saved = false;
};

MonitorReport RunMonitor(const MonitorOptions& options);

// ---- what the monitor and the mirror (cli/mirror_command.cc) both do over HTTP ----
class Client;

// GET of the entry bundle `tile` at `width` (1..256) entries, signed by `reader` (a full
// reader: authority or police), split into its entries. Errors, worded for a user:
// kIoError (unreachable, or a server error: try again), kPermissionDenied (the server refused
// the reader's signature), kNotFound (the server does not serve the entries a checkpoint
// claims), kCorruption (a bundle that does not split into `width` entries).
Result<std::vector<std::string>> FetchEntryBundle(Client& client, uint64_t tile, uint64_t width,
                                                  const SecretKey& reader);

// GET /v1/proof/consistency from `from` (> 0) to `to`, verified between `old_root` and
// `new_root`. Errors: kIoError (unreachable, a server error, or a 2xx reply that is not a
// proof: say nothing of the tree, try again), kCorruption (the server declines to prove
// consistency or its proof does not verify: a fork).
Status CheckConsistency(Client& client, uint64_t from, uint64_t to, const Hash& old_root,
                        const Hash& new_root);

}  // namespace vigil::cli

#endif  // VIGIL_CLI_MONITOR_H_
