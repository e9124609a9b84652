#include "ledger/txn_state_store.h"

#include <algorithm>

namespace vigil {

namespace {
Status ReadOnly() {
  return Status(Code::kFailedPrecondition, "this state store reads a read-only transaction");
}
}  // namespace

Result<std::optional<std::string>> TxnStateStore::Get(std::string_view key) const {
  return txn_->Get(db::Table::kState, key);
}

Status TxnStateStore::Put(std::string_view key, std::string_view value) {
  if (writable_ == nullptr) return ReadOnly();
  return writable_->Put(db::Table::kState, key, value);
}

Status TxnStateStore::Delete(std::string_view key) {
  if (writable_ == nullptr) return ReadOnly();
  return writable_->Delete(db::Table::kState, key);
}

Status TxnStateStore::ScanPrefix(std::string_view prefix, const ScanFn& fn,
                                 std::string_view from) const {
  return txn_->Scan(
      db::Table::kState, std::max(prefix, from),
      [&](std::string_view k, std::string_view v) { return k.starts_with(prefix) && fn(k, v); });
}

}  // namespace vigil
