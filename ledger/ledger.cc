#include "ledger/ledger.h"

#include <sodium.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>

#include "keys/coding.h"
#include "ledger/state/payload.h"

namespace vigil {

std::string GenesisPayload(const InitOptions& options, const PublicKey& key, int64_t now_ms) {
  nlohmann::json genesis = {
      {"type", "participant.register"},
      {"id", "genesis"},
      {"actor", options.authority_id},
      {"at", FormatTimestamp(now_ms)},
      {"participant", options.authority_id},
      {"role", "authority"},
      {"legal_name", options.authority_name},
      {"jurisdiction", options.jurisdiction},
      {"keys", {key.ToBase64()}},
  };
  return genesis.dump();
}

Status CheckGenesis(const Submission& genesis, const PublicKey& key, std::string_view origin) {
  const auto bad = [](const std::string& why) {
    return Status(Code::kInvalidArgument, "the genesis registration " + why);
  };
  if (genesis.signer != key.Id()) {
    return bad("is signed by key " + genesis.signer + ", not by the authority key " + key.Id());
  }
  if (!key.Verify(SignContext::kEntry, origin, genesis.payload, genesis.sig)) {
    return bad("has a signature that does not verify with the authority key " + key.Id() +
               " for the log " + std::string(origin) + " (vigil genesis --origin)");
  }
  const nlohmann::json p = nlohmann::json::parse(genesis.payload, nullptr, false);
  if (!p.is_object() || p.value("type", "") != "participant.register" ||
      p.value("role", "") != "authority" || !p.contains("actor") ||
      p.value("participant", "") != p["actor"] || !p.contains("keys") || !p["keys"].is_array()) {
    return bad("is not a participant.register of an authority by itself");
  }
  for (const auto& k : p["keys"]) {
    if (k.is_string() && k.get<std::string>() == key.ToBase64()) return Status::Ok();
  }
  return bad("does not register the authority key " + key.Id());
}

Result<LogInfo> Ledger::Init(const std::string& dir, const InitOptions& options) {
  if (options.authority_pub.has_value() != options.genesis.has_value()) {
    return Status(Code::kInvalidArgument,
                  "an authority key made offline needs both its public key and the genesis "
                  "registration it signed (vigil genesis)");
  }
  if (options.genesis.has_value()) {
    VIGIL_RETURN_IF_ERROR(CheckGenesis(*options.genesis, *options.authority_pub, options.origin));
  }
  Result<LogInfo> created = Log::Create(dir, options.origin);
  if (!created.ok()) return created.status();
  const std::string keys = dir + "/keys";
  const int64_t now = NowMs();
  Submission sub;
  if (options.genesis.has_value()) {
    VIGIL_RETURN_IF_ERROR(SavePublicKey(*options.authority_pub, keys + "/authority.pub"));
    sub = *options.genesis;
  } else {
    SecretKey authority_key = SecretKey::Generate();
    VIGIL_RETURN_IF_ERROR(authority_key.Save(keys + "/authority.key"));
    VIGIL_RETURN_IF_ERROR(SavePublicKey(authority_key.public_key(), keys + "/authority.pub"));
    sub.signer = authority_key.Id();
    sub.payload = GenesisPayload(options, authority_key.public_key(), now);
    sub.sig = authority_key.Sign(SignContext::kEntry, options.origin, sub.payload);
  }

  Result<std::unique_ptr<Ledger>> ledger = Open(dir);
  if (!ledger.ok()) return ledger.status();
  std::vector<Result<Appended>> r = (*ledger)->log().AppendBatch({sub}, now);
  if (!r[0].ok()) return r[0].status();
  return *created;
}

Result<std::unique_ptr<Ledger>> Ledger::Open(const std::string& dir,
                                             const LedgerOpenOptions& options) {
  std::unique_ptr<Ledger> ledger(new Ledger());
  // The log first: its writer lock keeps a second process away from the slot file too.
  // A mirror (Log::OpenMirror) has no log key; it is served read-only.
  std::error_code ec;
  const bool mirror =
      !std::filesystem::exists(dir + "/keys/log.key", ec) && Log::CheckExists(dir).ok();
  Result<std::unique_ptr<Log>> log = mirror ? Log::OpenMirror(dir, &ledger->admission_, false)
                                            : Log::Open(dir, &ledger->admission_);
  if (!log.ok() && mirror && log.status().code() == Code::kNotFound) {
    log = Log::Open(dir, &ledger->admission_);  // a primary without its key: say so
  }
  if (!log.ok()) return log.status();
  ledger->log_ = std::move(*log);
  VIGIL_RETURN_IF_ERROR(ledger->OpenVault(dir, options));
  Result<db::Txn> txn = ledger->log_->BeginRead();
  if (!txn.ok()) return txn.status();
  Result<nlohmann::json> jurisdiction = ReadJurisdiction(*txn);
  if (!jurisdiction.ok()) return jurisdiction.status();
  ledger->jurisdiction_ = std::move(*jurisdiction);
  return ledger;
}

Status Ledger::OpenVault(const std::string& dir, const LedgerOpenOptions& options) {
  const std::string keys = dir + "/keys";
  // What the store holds: sealed records, erased ones (tombstones), and the slots they name.
  uint64_t sealed = 0;
  uint64_t slots_named = 0;
  std::vector<uint64_t> erased_slots;
  {
    Result<db::Txn> txn = log_->BeginRead();
    if (!txn.ok()) return txn.status();
    Status bad;
    VIGIL_RETURN_IF_ERROR(
        txn->Scan(db::Table::kPersonal, "", [&](std::string_view k, std::string_view v) {
          Result<PersonalRecord> r = DecodePersonalRecord(v);
          if (!r.ok()) {
            bad = Status(Code::kCorruption, "the personal record of entry " +
                                                std::to_string(DecodeBigEndian64(k)) +
                                                " is damaged in the store");
            return false;
          }
          if (r->erased) {
            erased_slots.push_back(r->slot);
          } else {
            ++sealed;
          }
          slots_named = std::max(slots_named, r->slot + 1);
          return true;
        }));
    VIGIL_RETURN_IF_ERROR(bad);
  }
  std::error_code ec;
  for (const char* name : {kPersonalKeyFile, kPersonalSlotsFile}) {
    const std::string path = keys + "/" + name;
    if (sealed == 0 || options.accept_personal_data_loss || std::filesystem::exists(path, ec)) {
      continue;
    }
    return Status(Code::kFailedPrecondition,
                  path + " is missing, but the store holds " + std::to_string(sealed) +
                      " sealed personal-data records that cannot be read without it. Put back "
                      "personal.key and personal.slots from your key backup into " +
                      keys +
                      " (docs/operator.md, \"Restore\"); vigil will not make a new one, which "
                      "would leave those records unreadable for ever. If no copy exists at all, "
                      "start once with --accept-personal-data-loss.");
  }
  // A slot file without its key: its secrets are useless, and a new key would not match it.
  const std::string key_path = keys + "/" + kPersonalKeyFile;
  const std::string slots_path = keys + "/" + kPersonalSlotsFile;
  if (!std::filesystem::exists(key_path, ec) && std::filesystem::exists(slots_path, ec)) {
    if (!options.accept_personal_data_loss) {
      return Status(Code::kFailedPrecondition,
                    key_path + " is missing, but " + slots_path +
                        ", which belongs to it, is there. Put back personal.key from your key "
                        "backup (docs/operator.md, \"Restore\"). If no copy exists at all, "
                        "start once with --accept-personal-data-loss (the slot file is then "
                        "set aside and the personal data it keyed is lost).");
    }
    const std::string aside = slots_path + ".orphaned-" + std::to_string(NowMs() / 1000);
    std::filesystem::rename(slots_path, aside, ec);
    if (ec) return Status(Code::kIoError, "cannot rename " + slots_path + ": " + ec.message());
    spdlog::warn("personal.key was missing: set {} aside as {}", slots_path, aside);
  }
  const bool create = sealed == 0 || options.accept_personal_data_loss;
  Result<PersonalVault> vault = PersonalVault::Open(
      keys, create ? PersonalVault::Mode::kCreateMissing : PersonalVault::Mode::kWrite);
  if (!vault.ok()) return vault.status();
  vault_ = std::make_unique<PersonalVault>(std::move(*vault));
  // New slots never take an index the store already names (a slot file older than the store).
  const bool grown = vault_->slots().size() < slots_named;
  VIGIL_RETURN_IF_ERROR(vault_->Reserve(slots_named));
  // Finishes erasures a crash interrupted between their commit and the slot's destruction.
  size_t destroyed = 0;
  for (uint64_t slot : erased_slots) {
    Result<std::optional<SlotSecret>> secret = vault_->slots().Read(slot);
    if (!secret.ok()) return secret.status();
    if (!secret->has_value()) continue;
    sodium_memzero((*secret)->data(), (*secret)->size());
    VIGIL_RETURN_IF_ERROR(vault_->DestroyKey(slot));
    ++destroyed;
  }
  if (destroyed > 0 || grown) VIGIL_RETURN_IF_ERROR(vault_->Sync());
  if (destroyed > 0) {
    spdlog::warn("destroyed the keys of {} erased personal records (an erasure was interrupted)",
                 destroyed);
  }
  admission_.SetVault(vault_.get());
  return Status::Ok();
}

Result<std::string> PersonalCommitmentOf(const db::Txn& txn, uint64_t seq) {
  const std::string which = "entry " + std::to_string(seq);
  Result<std::optional<std::string>> stored = txn.Get(db::Table::kEntries, EncodeBigEndian64(seq));
  if (!stored.ok()) return stored.status();
  if (!stored->has_value()) {
    return Status(Code::kCorruption, "personal data is stored for " + which + ", which is not");
  }
  Result<Entry> e = DecodeEntry(**stored);
  if (!e.ok()) return Status(Code::kCorruption, which + " does not decode");
  Result<Payload> p = ParsePayload(e->payload);
  if (!p.ok()) return Status(Code::kCorruption, which + ": its payload does not parse");
  const auto c = p->body.find("personal_commitment");
  if (c == p->body.end() || !c->is_string()) {
    return Status(Code::kCorruption,
                  "personal data is stored for " + which + ", whose payload commits to none");
  }
  return c->get<std::string>();
}

Result<nlohmann::json> Ledger::ReadJurisdiction(const db::Txn& txn) {
  Result<std::optional<std::string>> e0 = txn.Get(db::Table::kEntries, EncodeBigEndian64(0));
  if (!e0.ok()) return e0.status();
  if (e0->has_value()) {
    Result<Entry> e = DecodeEntry(**e0);
    if (e.ok()) {
      Result<Payload> p = ParsePayload(e->payload);
      if (p.ok() && p->body.contains("jurisdiction")) return p->body["jurisdiction"];
    }
  }
  return nlohmann::json::object();
}

Result<std::optional<std::string>> Ledger::ReadPersonal(uint64_t seq,
                                                        const nlohmann::json& reader) {
  {
    std::lock_guard<std::mutex> lock(access_mu_);
    Result<db::Txn> w = log_->BeginSideWrite();
    if (!w.ok()) return w.status();
    Result<std::optional<std::pair<std::string, std::string>>> last =
        w->Last(db::Table::kAccessLog);
    if (!last.ok()) return last.status();
    uint64_t key = static_cast<uint64_t>(NowMs());
    if (last->has_value()) key = std::max(key, DecodeBigEndian64((*last)->first) + 1);
    nlohmann::json record = reader;
    record["seq"] = seq;
    record["at"] = FormatTimestamp(static_cast<int64_t>(key));
    VIGIL_RETURN_IF_ERROR(w->Append(db::Table::kAccessLog, EncodeBigEndian64(key), record.dump()));
    VIGIL_RETURN_IF_ERROR(w->Commit());
  }
  Result<db::Txn> txn = log_->BeginRead();
  if (!txn.ok()) return txn.status();
  Result<std::optional<std::string>> stored =
      txn->Get(db::Table::kPersonal, EncodeBigEndian64(seq));
  if (!stored.ok()) return stored.status();
  if (!stored->has_value()) return std::optional<std::string>();
  Result<PersonalRecord> record = DecodePersonalRecord(**stored);
  if (!record.ok()) return record.status();
  if (record->erased) return std::optional<std::string>();
  Result<std::string> commitment = PersonalCommitmentOf(*txn, seq);
  if (!commitment.ok()) return commitment.status();
  Result<std::string> plain =
      vault_->Unseal(PersonalBinding{log_->info().origin, seq, *commitment}, **stored);
  if (!plain.ok()) return plain.status();
  return std::optional<std::string>(std::move(*plain));
}

Result<nlohmann::json> Ledger::PersonalAccessLog(size_t limit, const std::string* only_reader) {
  Result<db::Txn> txn = log_->BeginRead();
  if (!txn.ok()) return txn.status();
  nlohmann::json out = nlohmann::json::array();
  VIGIL_RETURN_IF_ERROR(
      txn->ScanBack(db::Table::kAccessLog, "", [&](std::string_view, std::string_view v) {
        nlohmann::json row = nlohmann::json::parse(v, nullptr, false);
        if (only_reader == nullptr ||
            (row.is_object() && row.value("participant", "") == *only_reader)) {
          out.push_back(std::move(row));
        }
        return out.size() < limit;
      }));
  return out;
}

}  // namespace vigil
