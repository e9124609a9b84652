#include "ledger/mirror.h"

#include "keys/coding.h"
#include "ledger/admission.h"
#include "ledger/log/merkle.h"
#include "ledger/txn_state_store.h"

namespace vigil {

void MirrorAdmission::Prepare(const db::Txn& snapshot, Submission& sub) const {
  (void)snapshot;
  (void)sub;  // the mirror checks signatures in EntryReplay::Prepare, before Replicate
}

Result<std::optional<uint64_t>> MirrorAdmission::Admit(db::Txn& txn, const Submission& sub,
                                                       const Entry& entry) {
  const RecordAttachment* a = FindAttachment(sub);
  std::optional<Result<Payload>> parsed_here;
  const Result<Payload>& payload = PreparedPayload(sub, &parsed_here);
  if (!payload.ok()) return payload.status();
  TxnStateStore state(txn);
  VIGIL_RETURN_IF_ERROR(
      Apply(state, origin_, entry, *payload, a != nullptr ? &a->verified : nullptr));
  return std::optional<uint64_t>();
}

Status RestoreReplay(const db::Txn& txn, EntryReplay& replay) {
  Result<std::optional<std::pair<std::string, std::string>>> last = txn.Last(db::Table::kEntries);
  if (!last.ok()) return last.status();
  if (!last->has_value()) return Status::Ok();  // a fresh replay is right for an empty store
  Result<Entry> e = DecodeEntry((*last)->second);
  if (!e.ok()) {
    return Status(Code::kCorruption,
                  "the store's last entry does not decode: " + e.status().message());
  }
  MemoryStateStore state;
  Status put;
  VIGIL_RETURN_IF_ERROR(
      txn.Scan(db::Table::kState, "", [&](std::string_view k, std::string_view v) {
        put = state.Put(k, v);
        return put.ok();
      }));
  VIGIL_RETURN_IF_ERROR(put);
  return replay.Restore(DecodeBigEndian64((*last)->first) + 1, merkle::HashLeaf((*last)->second),
                        e->ts_ms, std::move(state));
}

}  // namespace vigil
