// Where the state machine keeps derived state: a sorted key-value space with point reads and
// writes. The server's store is the LMDB `state` table inside the append transaction
// (ledger/txn_state_store.h); the verifier's is memory; an overlay buffers one entry's writes so a
// rejected entry leaves no trace. Not thread-safe: one state machine runs at a time on a store.
#ifndef VIGIL_LEDGER_STATE_STATE_STORE_H_
#define VIGIL_LEDGER_STATE_STATE_STORE_H_

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

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
};

// State in memory (the verifier's replay).
class MemoryStateStore : public StateStore {
 public:
  Result<std::optional<std::string>> Get(std::string_view key) const override;
  Status Put(std::string_view key, std::string_view value) override;
  Status Delete(std::string_view key) override;
  Status ScanPrefix(std::string_view prefix, const ScanFn& fn,
                    std::string_view from = {}) const override;
  const std::map<std::string, std::string, std::less<>>& contents() const { return map_; }

 private:
  std::map<std::string, std::string, std::less<>> map_;
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
  Status Flush();

 private:
  StateStore& base_;
  std::map<std::string, std::optional<std::string>, std::less<>> writes_;  // nullopt: deleted
};

}  // namespace vigil

#endif  // VIGIL_LEDGER_STATE_STATE_STORE_H_
