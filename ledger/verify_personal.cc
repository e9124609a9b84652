#include "ledger/verify_personal.h"

#include <sodium.h>

#include <unordered_map>
#include <unordered_set>

#include "keys/coding.h"
#include "ledger/ledger.h"
#include "ledger/state/state_codec.h"
#include "ledger/state/state_keys.h"

namespace vigil {

Result<PersonalCheckCounts> VerifyPersonalData(const db::Txn& txn, const std::string& origin,
                                               uint64_t size, const MemoryStateStore& replayed,
                                               const PersonalVault* vault,
                                               const PersonalProblemFn& report,
                                               uint64_t replicated) {
  PersonalCheckCounts counts;
  std::unordered_map<uint64_t, uint64_t> slot_owner;  // slot -> the seq that names it
  std::unordered_set<uint64_t> seqs;                  // the entries the table holds data for
  Status io;
  bool stopped = false;
  const PersonalProblemFn problem = [&](std::optional<uint64_t> seq, std::string what) {
    stopped = !report(seq, std::move(what));
    return !stopped;
  };
  Status scan = txn.Scan(db::Table::kPersonal, "", [&](std::string_view k, std::string_view v) {
    if (k.size() != 8) return problem(std::nullopt, "the personal table has a malformed key");
    const uint64_t seq = DecodeBigEndian64(k);
    seqs.insert(seq);
    const std::string which = "entry " + std::to_string(seq);
    if (seq >= size) {
      return problem(seq, "personal data is stored for " + which + ", beyond the log's " +
                              std::to_string(size) + " entries");
    }
    Result<PersonalRecord> r = DecodePersonalRecord(v);
    if (!r.ok()) return problem(seq, "the personal record of " + which + " is damaged");
    Result<std::string> commitment = PersonalCommitmentOf(txn, seq);
    if (!commitment.ok()) {
      if (commitment.status().code() != Code::kCorruption) {
        io = commitment.status();
        return false;
      }
      return problem(seq, commitment.status().message());
    }
    const auto [owner, fresh] = slot_owner.emplace(r->slot, seq);
    if (!fresh) {
      return problem(seq, "the personal records of entries " + std::to_string(owner->second) +
                              " and " + std::to_string(seq) + " name the same key slot " +
                              std::to_string(r->slot));
    }
    Result<std::optional<std::string>> erasure = replayed.Get(statekey::ErasedKey(seq));
    if (!erasure.ok()) {
      io = erasure.status();
      return false;
    }
    if (r->erased) {
      ++counts.erased;
      if (!erasure->has_value()) {
        return problem(seq, "the personal data of " + which +
                                " is marked erased, but no erasure entry erased it");
      }
      if (vault != nullptr) {
        Result<std::optional<SlotSecret>> secret = vault->slots().Read(r->slot);
        if (!secret.ok()) {
          io = secret.status();
          return false;
        }
        if (secret->has_value()) {
          sodium_memzero((*secret)->data(), (*secret)->size());
          return problem(seq, "the personal data of " + which +
                                  " was erased but its key is still in the slot file (an "
                                  "interrupted erasure: starting the server finishes it)");
        }
      }
      return true;
    }
    ++counts.sealed;
    if (erasure->has_value()) {
      return problem(seq, "the personal data of " + which +
                              " was erased by an erasure entry but is still stored sealed");
    }
    if (vault == nullptr) return true;
    Result<std::string> plain = vault->Unseal(PersonalBinding{origin, seq, *commitment}, v);
    if (!plain.ok()) {
      if (plain.status().code() == Code::kIoError) {
        io = plain.status();
        return false;
      }
      return problem(seq, plain.status().message());
    }
    sodium_memzero(plain->data(), plain->size());
    ++counts.opened;
    return true;
  });
  VIGIL_RETURN_IF_ERROR(scan);
  VIGIL_RETURN_IF_ERROR(io);
  if (stopped) return counts;
  // Every entry that commits to personal data keeps a value: sealed, or the erasure's
  // tombstone. The replay's per-entry records ("~" ‖ seq, after every other state key) say
  // which entries commit.
  const auto& records = replayed.contents();
  uint64_t seq = 0;
  for (auto it = records.lower_bound(statekey::EntryKey(0)); it != records.end() && seq < size;
       ++it, ++seq) {
    if (it->first != statekey::EntryKey(seq)) break;  // the replay stopped early
    Result<bool> personal = codec::EntryInfoPersonal(it->second);
    if (!personal.ok() || !*personal || seqs.count(seq) == 1 || seq < replicated) continue;
    if (!problem(seq, "entry " + std::to_string(seq) +
                          " commits to personal data, but the store holds none for it (its "
                          "record was deleted from the personal table)")) {
      break;
    }
  }
  return counts;
}

}  // namespace vigil
