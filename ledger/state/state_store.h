// Where the state machine keeps derived state: a sorted key-value space with point reads and
// writes. The server's store is the LMDB `state` table inside the append transaction
// (ledger/txn_state_store.h); the verifier's is memory; an overlay buffers one entry's writes so a
// rejected entry leaves no trace. Not thread-safe: one state machine runs at a time on a store
// (even reads: a const read such as LoadParticipant may keep a decoded form, below).
//
// A store may also keep decoded forms of its values (GetDecoded/KeepDecoded): the verifier's
// memory keeps, say, a participant record parsed once instead of at every entry that reads it,
// and the server's LMDB store keeps them for all its transactions (db::Txn::GetDecoded).
// A decoded form is dropped whenever its key is written or deleted, so a reader that finds one
// gets exactly what decoding the current value would give.
#ifndef VIGIL_LEDGER_STATE_STATE_STORE_H_
#define VIGIL_LEDGER_STATE_STATE_STORE_H_

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "keys/encoding.h"
#include "keys/result.h"
#include "ledger/layering.h"

namespace vigil {

class StateStore {
 public:
  virtual ~StateStore() = default;
  // The value at `key`, or std::nullopt. Errors come from the backing store (kIoError).
  virtual Result<std::optional<std::string>> Get(std::string_view key) const = 0;
  // Errors: kResourceExhausted (LMDB map full), kIoError.
  virtual Status Put(std::string_view key, std::string_view value) = 0;
  virtual Status Delete(std::string_view key) = 0;
  // Calls fn(key, value) for every key that starts with `prefix` and is >= `from` (when given),
  // in key order, until fn returns false.
  using ScanFn = std::function<bool(std::string_view key, std::string_view value)>;
  virtual Status ScanPrefix(std::string_view prefix, const ScanFn& fn,
                            std::string_view from = {}) const = 0;

  // The decoded form of the value at `key` kept by KeepDecoded since the value last changed, or
  // nullptr (always, for stores that keep none: this default). Every key family has one decoder
  // (LoadParticipant for participant/ keys, ...), which alone keeps and casts forms of its keys.
  virtual std::shared_ptr<const void> GetDecoded(std::string_view /*key*/) const { return nullptr; }
  // Offers `decoded`, made from the value Get returned for `key` just before with no write
  // between, to be kept (a cache: a store may ignore it). Const: it changes no value.
  virtual void KeepDecoded(std::string_view /*key*/,
                           std::shared_ptr<const void> /*decoded*/) const {}
};

// State in memory (the verifier's replay). Keeps the decoded forms it is offered.
class MemoryStateStore : public StateStore {
 public:
  Result<std::optional<std::string>> Get(std::string_view key) const override;
  Status Put(std::string_view key, std::string_view value) override;
  Status Delete(std::string_view key) override;
  Status ScanPrefix(std::string_view prefix, const ScanFn& fn,
                    std::string_view from = {}) const override;
  std::shared_ptr<const void> GetDecoded(std::string_view key) const override;
  void KeepDecoded(std::string_view key, std::shared_ptr<const void> decoded) const override;
  const std::map<std::string, std::string, std::less<>>& contents() const { return map_; }

 private:
  struct KeyHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };
  std::map<std::string, std::string, std::less<>> map_;
  // Decoded forms of some of map_'s values (immutable, shared with readers), by key.
  mutable std::unordered_map<std::string, std::shared_ptr<const void>, KeyHash, std::equal_to<>>
      decoded_;
  void Forget(std::string_view key) {
    if (decoded_.empty()) return;
    if (auto it = decoded_.find(key); it != decoded_.end()) decoded_.erase(it);
  }
};

// Buffers writes over `base`; Flush() applies them, dropping the overlay discards them.
class OverlayStateStore : public StateStore {
 public:
  explicit OverlayStateStore(StateStore& base) : base_(base) {}
  Result<std::optional<std::string>> Get(std::string_view key) const override;
  Status Put(std::string_view key, std::string_view value) override;
  Status Delete(std::string_view key) override;
  Status ScanPrefix(std::string_view prefix, const ScanFn& fn,
                    std::string_view from = {}) const override;
  // Forms of the base's values, for keys this overlay has not written.
  std::shared_ptr<const void> GetDecoded(std::string_view key) const override;
  void KeepDecoded(std::string_view key, std::shared_ptr<const void> decoded) const override;
  Status Flush();

 private:
  StateStore& base_;
  std::map<std::string, std::optional<std::string>, std::less<>> writes_;  // nullopt: deleted
};

}  // namespace vigil

#endif  // VIGIL_LEDGER_STATE_STATE_STORE_H_
