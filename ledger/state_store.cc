#include "ledger/state_store.h"

namespace vigil {

namespace {
bool HasPrefix(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}
}  // namespace

// ---- MemoryStateStore ----

Result<std::optional<std::string>> MemoryStateStore::Get(std::string_view key) const {
  auto it = map_.find(key);
  if (it == map_.end()) return std::optional<std::string>();
  return std::optional<std::string>(it->second);
}

Status MemoryStateStore::Put(std::string_view key, std::string_view value) {
  map_.insert_or_assign(std::string(key), std::string(value));
  return Status::Ok();
}

Status MemoryStateStore::Delete(std::string_view key) {
  auto it = map_.find(key);
  if (it != map_.end()) map_.erase(it);
  return Status::Ok();
}

Status MemoryStateStore::ScanPrefix(std::string_view prefix, const ScanFn& fn) const {
  for (auto it = map_.lower_bound(prefix); it != map_.end() && HasPrefix(it->first, prefix);
       ++it) {
    if (!fn(it->first, it->second)) break;
  }
  return Status::Ok();
}

// ---- TxnStateStore ----

Result<std::optional<std::string>> TxnStateStore::Get(std::string_view key) const {
  return txn_.Get(db::Table::kState, key);
}

Status TxnStateStore::Put(std::string_view key, std::string_view value) {
  return txn_.Put(db::Table::kState, key, value);
}

Status TxnStateStore::Delete(std::string_view key) {
  return txn_.Delete(db::Table::kState, key);
}

Status TxnStateStore::ScanPrefix(std::string_view prefix, const ScanFn& fn) const {
  return txn_.Scan(db::Table::kState, prefix, [&](std::string_view k, std::string_view v) {
    return HasPrefix(k, prefix) && fn(k, v);
  });
}

// ---- OverlayStateStore ----

Result<std::optional<std::string>> OverlayStateStore::Get(std::string_view key) const {
  auto it = writes_.find(key);
  if (it != writes_.end()) return it->second;
  return base_.Get(key);
}

Status OverlayStateStore::Put(std::string_view key, std::string_view value) {
  writes_.insert_or_assign(std::string(key), std::optional<std::string>(std::string(value)));
  return Status::Ok();
}

Status OverlayStateStore::Delete(std::string_view key) {
  writes_.insert_or_assign(std::string(key), std::optional<std::string>());
  return Status::Ok();
}

Status OverlayStateStore::ScanPrefix(std::string_view prefix, const ScanFn& fn) const {
  // Merge the base's keys with the buffered writes, in key order.
  std::map<std::string, std::optional<std::string>, std::less<>> merged;
  VIGIL_RETURN_IF_ERROR(base_.ScanPrefix(prefix, [&](std::string_view k, std::string_view v) {
    merged.emplace(std::string(k), std::string(v));
    return true;
  }));
  for (auto it = writes_.lower_bound(prefix); it != writes_.end() && HasPrefix(it->first, prefix);
       ++it) {
    merged.insert_or_assign(it->first, it->second);
  }
  for (const auto& [k, v] : merged) {
    if (v.has_value() && !fn(k, *v)) break;
  }
  return Status::Ok();
}

Status OverlayStateStore::Flush() {
  for (const auto& [k, v] : writes_) {
    VIGIL_RETURN_IF_ERROR(v.has_value() ? base_.Put(k, *v) : base_.Delete(k));
  }
  writes_.clear();
  return Status::Ok();
}

}  // namespace vigil
