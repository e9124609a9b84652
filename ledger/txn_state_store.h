// The state machine's key-value space (ledger/state/state_store.h) kept in the LMDB `state`
// table of the log's store, through a transaction: the server's derived state, written in the
// same transaction as the entries it derives from (DESIGN §4.5), and read by the queries.
#ifndef VIGIL_LEDGER_TXN_STATE_STORE_H_
#define VIGIL_LEDGER_TXN_STATE_STORE_H_

#include "ledger/layering.h"
#include "ledger/log/db.h"
#include "ledger/state/state_store.h"

namespace vigil {

// `*txn` must remain live while this store is in use.
class TxnStateStore : public StateStore {
 public:
  explicit TxnStateStore(db::Txn& txn) : txn_(&txn), writable_(&txn) {}
  // Read-only: Put and Delete answer kFailedPrecondition.
  explicit TxnStateStore(const db::Txn& txn) : txn_(&txn) {}
  Result<std::optional<std::string>> Get(std::string_view key) const override;
  Status Put(std::string_view key, std::string_view value) override;
  Status Delete(std::string_view key) override;
  Status ScanPrefix(std::string_view prefix, const ScanFn& fn,
                    std::string_view from = {}) const override;
  // Forms kept by the store's Env for every transaction (db::Txn::GetDecoded): a participant
  // record is parsed once, not by every request and append that reads it.
  std::shared_ptr<const void> GetDecoded(std::string_view key) const override {
    return txn_->GetDecoded(db::Table::kState, key);
  }
  void KeepDecoded(std::string_view key, std::shared_ptr<const void> decoded) const override {
    txn_->KeepDecoded(db::Table::kState, key, std::move(decoded));
  }

 private:
  const db::Txn* txn_;
  db::Txn* writable_ = nullptr;  // the same transaction when writes are allowed
};

}  // namespace vigil

#endif  // VIGIL_LEDGER_TXN_STATE_STORE_H_
