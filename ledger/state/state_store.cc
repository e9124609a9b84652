#include "ledger/state/state_store.h"

#include <algorithm>

namespace vigil {

// ---- MemoryStateStore ----

Result<std::optional<std::string>> MemoryStateStore::Get(std::string_view key) const {
  auto it = map_.find(key);
  if (it == map_.end()) return std::optional<std::string>();
  return std::optional<std::string>(it->second);
}

Status MemoryStateStore::Put(std::string_view key, std::string_view value) {
  Forget(key);
  auto it = map_.lower_bound(key);
  if (it != map_.end() && it->first == key) {
    it->second.assign(value);  // reuses the value's buffer when it fits
  } else {
    map_.emplace_hint(it, std::string(key), std::string(value));
  }
  return Status::Ok();
}

Status MemoryStateStore::Delete(std::string_view key) {
  Forget(key);
  auto it = map_.find(key);
  if (it != map_.end()) map_.erase(it);
  return Status::Ok();
}

std::shared_ptr<const void> MemoryStateStore::GetDecoded(std::string_view key) const {
  auto it = decoded_.find(key);
  return it == decoded_.end() ? nullptr : it->second;
}

void MemoryStateStore::KeepDecoded(std::string_view key,
                                   std::shared_ptr<const void> decoded) const {
  decoded_.insert_or_assign(std::string(key), std::move(decoded));
}

Status MemoryStateStore::ScanPrefix(std::string_view prefix, const ScanFn& fn,
                                    std::string_view from) const {
  for (auto it = map_.lower_bound(std::max(prefix, from));
       it != map_.end() && std::string_view(it->first).starts_with(prefix); ++it) {
    if (!fn(it->first, it->second)) break;
  }
  return Status::Ok();
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
  auto w = writes_.lower_bound(std::max(prefix, from));
  auto in_range = [&] {
    return w != writes_.end() && std::string_view(w->first).starts_with(prefix);
  };
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

std::shared_ptr<const void> OverlayStateStore::GetDecoded(std::string_view key) const {
  if (writes_.find(key) != writes_.end()) return nullptr;
  return base_.GetDecoded(key);
}

void OverlayStateStore::KeepDecoded(std::string_view key,
                                    std::shared_ptr<const void> decoded) const {
  if (writes_.find(key) == writes_.end()) base_.KeepDecoded(key, std::move(decoded));
}

Status OverlayStateStore::Flush() {
  for (const auto& [k, v] : writes_) {
    VIGIL_RETURN_IF_ERROR(v.has_value() ? base_.Put(k, *v) : base_.Delete(k));
  }
  writes_.clear();
  return Status::Ok();
}

}  // namespace vigil
