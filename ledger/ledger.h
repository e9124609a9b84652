// A Vigil ledger: the transparency log (ledger/log/) admitting records through the state
// machine (ledger/state/, via RecordAdmission), plus what lives beside them in a data
// directory: the authority's genesis registration and the personal side data.
//
// Layout of a data directory (the log's part is in ledger/log/log.h):
//   <dir>/keys/authority.key  the first authority's key (secret, mode 0600; move it offline),
//                             absent when the key was made offline (InitOptions::genesis)
//   <dir>/keys/authority.pub
//   <dir>/keys/personal.key   with personal.slots, derives the key of each personal record
//                             (secret, mode 0600; ledger/personal.h)
//   <dir>/keys/personal.slots one secret per personal record, destroyed in place on erasure
//                             (secret, mode 0600; ledger/personal_slots.h)
//
// Thread safety: as Log; ReadPersonal and PersonalAccessLog are thread-safe.
#ifndef VIGIL_LEDGER_LEDGER_H_
#define VIGIL_LEDGER_LEDGER_H_

#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "keys/result.h"
#include "ledger/admission.h"
#include "ledger/layering.h"
#include "ledger/log/log.h"
#include "ledger/personal.h"

namespace vigil {

struct InitOptions {
  std::string origin;  // e.g. "vigil.hanoi.example/log"
  std::string authority_id = "authority";
  std::string authority_name = "Authority";
  nlohmann::json jurisdiction = nlohmann::json::object();  // {"province","commune"}
  // The offline ceremony (docs/operator.md): the first authority's public key, and its
  // genesis registration signed with the secret key on another machine (vigil genesis). When
  // both are set, Init makes no authority key: entry 0 is `genesis`, which must be signed by
  // `authority_pub` and register it; authority_id, authority_name and jurisdiction above are
  // then ignored (the signed payload carries its own).
  std::optional<PublicKey> authority_pub;
  std::optional<Submission> genesis;
};

// The payload of the genesis registration: the first authority (options.authority_id, name,
// jurisdiction) registers itself with `key`, at `now_ms`.
std::string GenesisPayload(const InitOptions& options, const PublicKey& key, int64_t now_ms);

// Checks, before a log is created, that `genesis` is a self-registration of an authority
// signed by `key` for the log `origin`. kInvalidArgument naming what is wrong.
Status CheckGenesis(const Submission& genesis, const PublicKey& key, std::string_view origin);

struct LedgerOpenOptions {
  // When the store holds personal records but keys/personal.key or keys/personal.slots is
  // missing, make new ones instead of refusing to open: every existing personal record then
  // reads as lost (kCorruption) for ever. Only for an operator who has no key backup.
  bool accept_personal_data_loss = false;
};

class Ledger {
 public:
  // Creates a new ledger in `dir`: the log (Log::Create), the authority's key pair, and entry
  // 0, in which the authority registers itself with its own key. With options.authority_pub
  // and options.genesis, no authority key is made: entry 0 is the genesis signed offline (and
  // <dir>/keys/authority.pub is written from the given key). Errors: kInvalidArgument (only
  // one of the two given, or CheckGenesis), those of Log::Create and Open, and the genesis
  // record's refusal. Returns the LogInfo (print its verifier_key for outside verifiers).
  static Result<LogInfo> Init(const std::string& dir, const InitOptions& options);

  // Opens the ledger in `dir` to serve it: the log with its writer lock, then the personal-data
  // key and slot file. A store with no personal records gets them created if missing; a store
  // with personal records and a missing key or slot file is refused (kFailedPrecondition naming
  // the file and what to do) unless options.accept_personal_data_loss. Then finishes any
  // erasure a crash interrupted: every erased record's slot is destroyed (idempotent).
  // Errors: those of Log::Open and PersonalVault::Open, kCorruption for a damaged personal table.
  static Result<std::unique_ptr<Ledger>> Open(const std::string& dir,
                                              const LedgerOpenOptions& options = {});

  // The jurisdiction of the log, from the genesis registration (entry 0); {} if it has none.
  static Result<nlohmann::json> ReadJurisdiction(const db::Txn& txn);

  Log& log() { return *log_; }
  // How records are judged (a dry run, ledger/dry_run.h, judges through it without writing).
  const RecordAdmission& admission() const { return admission_; }
  const LogInfo& info() const { return log_->info(); }
  const nlohmann::json& jurisdiction() const { return jurisdiction_; }

  // The decrypted personal side data of entry `seq`; nullopt if it has none or it was erased.
  // Every call is recorded first in the access log (`reader` says who), durably: no record,
  // no data. kCorruption if the sealed record does not open for this entry (altered, moved
  // from another entry, or its key is lost): never another entry's data.
  Result<std::optional<std::string>> ReadPersonal(uint64_t seq, const nlohmann::json& reader);
  // The access log of personal data, newest first: [{"at","seq",...reader}], at most `limit`
  // rows; only the reads of participant `*only_reader` when it is given.
  Result<nlohmann::json> PersonalAccessLog(size_t limit, const std::string* only_reader = nullptr);

 private:
  Ledger() = default;
  // Opens (or creates) the vault once the log is open; destroys the slots of erased records.
  Status OpenVault(const std::string& dir, const LedgerOpenOptions& options);

  // In this order: the log uses the admission, which uses the vault.
  std::unique_ptr<PersonalVault> vault_;
  RecordAdmission admission_;
  std::unique_ptr<Log> log_;
  nlohmann::json jurisdiction_ = nlohmann::json::object();
  std::mutex access_mu_;  // orders access-log keys
};

// The personal_commitment of entry `seq`'s payload, read through `txn`: what its sealed
// personal record is bound to. kCorruption if the entry is missing, does not parse or commits
// to no personal data; kIoError.
Result<std::string> PersonalCommitmentOf(const db::Txn& txn, uint64_t seq);

}  // namespace vigil

#endif  // VIGIL_LEDGER_LEDGER_H_
