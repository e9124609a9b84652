#include "ledger/state_store.h"

#include "ledger/entry.h"

namespace vigil {

namespace {
bool HasPrefix(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}
std::string_view Start(std::string_view prefix, std::string_view from) {
  return from > prefix ? from : prefix;
}
}  // namespace

Result<Hash> StateStore::StoredPayloadHash(uint64_t) const {
  return Status(Code::kFailedPrecondition, "this state store has no entries to read payloads from");
}

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

Status MemoryStateStore::ScanPrefix(std::string_view prefix, const ScanFn& fn,
                                    std::string_view from) const {
  for (auto it = map_.lower_bound(Start(prefix, from)); it != map_.end() && HasPrefix(it->first, prefix);
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

Status TxnStateStore::ScanPrefix(std::string_view prefix, const ScanFn& fn,
                                 std::string_view from) const {
  return txn_.Scan(db::Table::kState, Start(prefix, from), [&](std::string_view k, std::string_view v) {
    return HasPrefix(k, prefix) && fn(k, v);
  });
}

Result<Hash> TxnStateStore::StoredPayloadHash(uint64_t seq) const {
  Result<std::optional<std::string>> bytes = txn_.Get(db::Table::kEntries, EncodeBigEndian64(seq));
  if (!bytes.ok()) return bytes.status();
  if (!bytes->has_value()) {
    return Status(Code::kCorruption, "the state names entry " + std::to_string(seq) + ", which is not stored");
  }
  Result<Entry> e = DecodeEntry(**bytes);
  if (!e.ok()) return e.status();
  return Sha256(e->payload);
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

Status OverlayStateStore::ScanPrefix(std::string_view prefix, const ScanFn& fn,
                                     std::string_view from) const {
  // A streaming merge of the base's keys with the buffered writes, in key order; stops as soon
  // as fn does, so a bounded range scan stays bounded.
  auto w = writes_.lower_bound(Start(prefix, from));
  auto in_range = [&] { return w != writes_.end() && HasPrefix(w->first, prefix); };
  bool stopped = false;
  // Emits buffered writes with keys below `limit` (all remaining if limit is null).
  auto emit_writes_before = [&](const std::string_view* limit) {
    while (!stopped && in_range() && (limit == nullptr || w->first < *limit)) {
      if (w->second.has_value() && !fn(w->first, *w->second)) stopped = true;
      ++w;
    }
  };
  VIGIL_RETURN_IF_ERROR(base_.ScanPrefix(
      prefix,
      [&](std::string_view k, std::string_view v) {
        emit_writes_before(&k);
        if (stopped) return false;
        if (in_range() && w->first == k) {  // the overlay's version wins
          if (w->second.has_value() && !fn(k, *w->second)) stopped = true;
          ++w;
        } else if (!fn(k, v)) {
          stopped = true;
        }
        return !stopped;
      },
      from));
  emit_writes_before(nullptr);
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
