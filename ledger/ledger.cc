#include "ledger/ledger.h"

#include <algorithm>

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

Result<std::unique_ptr<Ledger>> Ledger::Open(const std::string& dir) {
  VIGIL_RETURN_IF_ERROR(Log::CheckExists(dir));  // before the personal key would be created
  Result<PersonalVault> vault = PersonalVault::Open(dir + "/keys/personal.key", /*create=*/true);
  if (!vault.ok()) return vault.status();
  std::unique_ptr<Ledger> ledger(new Ledger(std::move(*vault)));
  Result<std::unique_ptr<Log>> log = Log::Open(dir, &ledger->admission_);
  if (!log.ok()) return log.status();
  ledger->log_ = std::move(*log);
  Result<db::Txn> txn = ledger->log_->BeginRead();
  if (!txn.ok()) return txn.status();
  Result<nlohmann::json> jurisdiction = ReadJurisdiction(*txn);
  if (!jurisdiction.ok()) return jurisdiction.status();
  ledger->jurisdiction_ = std::move(*jurisdiction);
  return ledger;
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
  Result<std::optional<std::string>> sealed =
      txn->Get(db::Table::kPersonal, EncodeBigEndian64(seq));
  if (!sealed.ok()) return sealed.status();
  if (!sealed->has_value()) return std::optional<std::string>();
  Result<std::string> plain = vault_.Unseal(**sealed);
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
