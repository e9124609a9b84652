// vigil accept-rollback: the forced override for a log that opened with signing held because
// its store is behind the last checkpoint it signed (ledger/log/log.h, DIR/checkpoint.last),
// when no copy of the store holding that checkpoint exists anywhere.
//
// It records itself in the log before anything else changes: a `police.note` (docs/records.md
// §36; signed by a police key, so the rules need no new record type) whose text states the
// abandoned checkpoint (size, root and the signed note itself), the store's size, and the
// operator's reason. Log::AcceptRollback appends it although signing is held; like every
// append, that replaces checkpoint.last with the new checkpoint, and the log signs again.
// Without this command nothing changes: the log stays held.
#include <fcntl.h>
#include <unistd.h>

#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/commands.h"
#include "keys/encoding.h"
#include "ledger/ledger.h"
#include "ledger/log/checkpoint.h"
#include "ledger/state/state.h"
#include "ledger/txn_state_store.h"

namespace vigil::cli {

namespace {

struct RollbackArgs {
  std::string data, key, actor, reason;
};

// The participant that registered `key_id`, read from the store.
Result<std::string> ActorOf(Log& log, const std::string& key_id) {
  Result<db::Txn> txn = log.BeginRead();
  if (!txn.ok()) return txn.status();
  TxnStateStore state(static_cast<const db::Txn&>(*txn));
  Result<std::optional<KeyRecord>> k = LoadKey(state, key_id);
  if (!k.ok()) return k.status();
  if (!k->has_value()) {
    return Status(Code::kNotFound, "the key " + key_id +
                                       " is not registered in this store; give a registered "
                                       "police key (or --actor)");
  }
  return (*k)->participant;
}

int AcceptRollback(const RollbackArgs& a) {
  auto fail = [](const std::string& why) {
    std::cerr << "vigil accept-rollback: " << why << "\n";
    return kExitUsage;
  };
  if (a.reason.find_first_not_of(" \t\n") == std::string::npos) {
    return fail("--reason must say why no newer copy of the store can be found");
  }
  Result<SecretKey> key = SecretKey::Load(a.key);
  if (!key.ok()) return fail(key.status().message());
  Result<std::unique_ptr<Ledger>> ledger = Ledger::Open(a.data);
  if (!ledger.ok()) return fail(ledger.status().message());
  Log& log = (*ledger)->log();
  if (!log.RollbackHeld()) {
    return fail("the log in " + a.data +
                " is not behind its last checkpoint: there is nothing to accept, and nothing "
                "was changed");
  }
  // What is abandoned: the file as it is (it may not even verify, which the note then says).
  const std::string file = Log::CheckpointFilePath(a.data);
  Result<std::string> kept = Log::ReadCheckpointFile(a.data, log.info().verifier());
  const std::string abandoned = kept.ok() ? *kept : std::string();
  std::string what;
  Result<Checkpoint> cp = OpenCheckpoint(abandoned, log.info().verifier());
  if (cp.ok()) {
    what = "the checkpoint this log signed and published at size " + std::to_string(cp->size) +
           " with root " + Base64(cp->root);
  } else {
    what = "the checkpoint in " + file + ", which does not verify (" + cp.status().message() +
           "; SHA-256 of the file " + Base64(Sha256(abandoned)) + ")";
  }
  std::string actor = a.actor;
  if (actor.empty()) {
    Result<std::string> found = ActorOf(log, key->Id());
    if (!found.ok()) return fail(found.status().message());
    actor = *found;
  }
  const uint64_t size = log.Size();
  const int64_t now = NowMs();
  nlohmann::json payload = {
      {"type", "police.note"},
      {"id", "accept-rollback-" + std::to_string(now)},
      {"actor", actor},
      {"at", FormatTimestamp(now)},
      {"text", "vigil accept-rollback: this log abandons " + what + ". Its store was found with " +
                   std::to_string(size) +
                   " entries and no copy holding the rest could be found; the log signs on from " +
                   std::to_string(size) + " entries. Reason: " + a.reason +
                   "\n\nThe abandoned checkpoint:\n" + abandoned}};
  if (size > 0) payload["refs"] = nlohmann::json::array({size - 1});
  Submission sub;
  sub.signer = key->Id();
  sub.payload = payload.dump();
  sub.sig = key->Sign(SignContext::kEntry, log.info().origin, sub.payload);
  Result<Placed> placed = log.AcceptRollback(sub, now);
  if (!placed.ok()) {
    std::cout << "REFUSED: " << placed.status().message()
              << "\nnothing was changed: the log stays held\n";
    return kExitFailure;
  }
  std::cout << "recorded as entry " << placed->seq << " (a police.note by " << actor
            << "): the log abandons " << what << " and signs again at size " << log.Size() << "; "
            << file << " holds the new checkpoint.\n"
            << "Whoever saved the abandoned checkpoint (witnesses, mirrors, monitors, receipt "
               "holders) will see a fork: entry "
            << placed->seq << " is the log's own account of it.\n";
  return kExitOk;
}

}  // namespace

void AddAcceptRollback(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand(
      "accept-rollback",
      "Let a log held behind its last checkpoint sign again, recording the loss in the log");
  cmd->footer(
      "For a store found behind DATA/checkpoint.last (restored from an older backup) when no\n"
      "newer copy exists anywhere: prefer vigil restore of a newer backup or a mirror. With the\n"
      "server stopped, appends a police.note signed by --key stating the abandoned checkpoint\n"
      "(size, root, the signed note) and --reason, then replaces checkpoint.last; the log then\n"
      "signs again. Entries covered by the abandoned checkpoint and missing from the store are\n"
      "lost, and every holder of that checkpoint will see a fork that this entry explains.\n"
      "Exit status: 0 recorded, 1 the record was refused, 2 usage or I/O error.\n\n"
      "Example:\n  vigil accept-rollback --data /var/lib/vigil --key pc04.key \\\n"
      "    --reason \"disk lost 2026-12-01; newest backup 2026-11-28; no mirror\"");
  auto a = std::make_shared<RollbackArgs>();
  cmd->add_option("--data,-d", a->data, "Data directory of the held log")->required();
  cmd->add_option("--key,-k", a->key, "A registered police key (signs the police.note)")
      ->required();
  cmd->add_option("--actor", a->actor,
                  "Participant id of the key (default: looked up in the store)");
  cmd->add_option("--reason", a->reason, "Why no newer copy of the store can be used")->required();
  cmd->callback([a, &exit_code] { exit_code = AcceptRollback(*a); });
}

}  // namespace vigil::cli
