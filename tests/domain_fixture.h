// A pure fixture for the state machine (ledger/state.h): no LMDB, no writer, no wall clock.
// It holds a MemoryStateStore, the next entry number and the entry time, registers
// participants through signed participant.register entries, and submits signed payloads by
// building an Entry and running ParsePayload + Apply exactly as the server and the verifier do.
//
// Entry 0 is the authority "auth" registering itself with its own key (the genesis rule of
// registry::GenesisSigner). Time starts at kStart; move it with SetTime / Advance.
//
// Helpers that can fail use Catch2's REQUIRE/CHECK, so call them only from inside a TEST_CASE.
#ifndef VIGIL_TESTS_DOMAIN_FIXTURE_H_
#define VIGIL_TESTS_DOMAIN_FIXTURE_H_

#include <cstdint>
#include <deque>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "keys/key.h"
#include "keys/result.h"
#include "ledger/log/entry.h"
#include "ledger/state/state.h"
#include "ledger/state/state_store.h"

namespace vigil::testing {

using Json = nlohmann::json;
using StateContents = std::map<std::string, std::string, std::less<>>;

// Substances of the shipped catalogue the tests use (catalogue ids are the base CAS numbers).
inline constexpr char kAcetone[] = "67-64-1";         // Table II, L
inline constexpr char kPermanganate[] = "7722-64-7";  // Table I, kg
inline constexpr char kEphedrine[] = "299-42-3";      // Table I, kg
inline constexpr char kToluene[] = "108-88-3";        // Table II, L

// What the Reject helpers return: the refusal, for further checks. (A plain Status would be
// [[nodiscard]], and most callers need nothing more than the checks Reject already made.)
struct Refusal {
  Status status;
  const std::string& message() const { return status.message(); }
  const std::vector<Violation>& details() const { return status.details(); }
};

// True if `s` lists a violation with `code` in details().
bool HasViolation(const Status& s, std::string_view code);
// The status with every violation, one a line, for failure messages.
std::string Describe(const Status& s);

class DomainFixture {
 public:
  static constexpr char kAuthority[] = "auth";
  static constexpr char kStart[] = "2026-06-01T08:00:00Z";

  // Applies the genesis entry (REQUIREs success).
  DomainFixture();

  MemoryStateStore& state() { return state_; }
  // The number the next entry gets (entries 0..seq()-1 were accepted).
  uint64_t seq() const { return seq_; }

  // The clock: entries get ts_ms = now(), payloads built by Make get "at" = now().
  int64_t now() const { return now_ms_; }
  void SetTime(std::string_view rfc3339);
  void SetTimeMs(int64_t ms) { now_ms_ = ms; }
  void Advance(int64_t ms) { now_ms_ += ms; }
  void AdvanceDays(int64_t days) { now_ms_ += days * 86'400'000; }

  // The authority's key, and the first key of any participant registered by Register.
  const SecretKey& authority() const { return Key(kAuthority); }
  const SecretKey& Key(const std::string& participant) const;
  // A fresh key, not registered (owned by the fixture, valid as long as it lives).
  const SecretKey& NewKey();

  // A payload {type, id (fresh), actor, at = now()} plus `fields`.
  Json Make(std::string_view type, std::string_view actor, const Json& fields = Json::object());

  // Registers participant `id` with `role` (a fresh key; legal_name defaulted) plus `extra`
  // fields (which override the defaults), signed by the authority. REQUIREs success.
  const SecretKey& Register(const std::string& id, std::string_view role,
                            const Json& extra = Json::object());
  // The participant.register payload Register would submit for `key`.
  Json RegisterPayload(const std::string& id, std::string_view role, const PublicKey& key,
                       const Json& extra = Json::object());

  // A signed entry of `payload` (bytes = payload.dump()) at seq() and now(), with cosignatures.
  Entry MakeEntry(const SecretKey& key, const Json& payload,
                  const std::vector<const SecretKey*>& cosigners = {}) const;
  // Runs ParsePayload + Apply on `e`; on success advances seq(). Returns Apply's status (or
  // ParsePayload's, if the payload does not parse).
  Status SubmitEntry(const Entry& e);

  // Signs and submits `payload` as `key`, cosigned by `cosigners` (each a const SecretKey&).
  template <typename... Cosigners>
  Status Submit(const SecretKey& key, const Json& payload, const Cosigners&... cosigners) {
    return SubmitEntry(MakeEntry(key, payload, {&cosigners...}));
  }
  // Submit that REQUIREs success; returns the seq of the accepted entry.
  template <typename... Cosigners>
  uint64_t Accept(const SecretKey& key, const Json& payload, const Cosigners&... cosigners) {
    return AcceptEntry(MakeEntry(key, payload, {&cosigners...}));
  }
  uint64_t AcceptEntry(const Entry& e);
  // Submit that CHECKs the entry was refused with status `code`, that `violation` is the only
  // rule reported broken (every item of details() has that code), and that the state is exactly
  // as before. Returns the status.
  template <typename... Cosigners>
  Refusal Reject(const SecretKey& key, const Json& payload, Code code, std::string_view violation,
                 const Cosigners&... cosigners) {
    return RejectEntry(MakeEntry(key, payload, {&cosigners...}), code, violation, true);
  }
  // Like Reject, but other violations may be reported besides `violation`.
  template <typename... Cosigners>
  Refusal RejectAmong(const SecretKey& key, const Json& payload, Code code,
                      std::string_view violation, const Cosigners&... cosigners) {
    return RejectEntry(MakeEntry(key, payload, {&cosigners...}), code, violation, false);
  }
  Refusal RejectEntry(const Entry& e, Code code, std::string_view violation, bool only = true);

  // A copy of every state key and value, to compare before and after a rejection.
  StateContents Snapshot() const { return state_.contents(); }

  // Every alert (the JSON under "alert/..."), in key order; those of one kind; their count.
  std::vector<Json> Alerts() const;
  std::vector<Json> Alerts(std::string_view kind) const;
  size_t CountAlerts(std::string_view kind) const { return Alerts(kind).size(); }

  // Current stock in base units (mg or µL); 0 if none was ever recorded.
  int64_t Stock(std::string_view participant, std::string_view substance) const;
  // The JSON stored at `key`, or null if absent.
  Json StateJson(std::string_view key) const;

 private:
  MemoryStateStore state_;
  uint64_t seq_ = 0;
  int64_t now_ms_ = 0;
  uint64_t next_id_ = 0;
  std::map<std::string, SecretKey> keys_;  // first key of each participant Register made
  std::deque<SecretKey> extra_keys_;       // NewKey(); a deque keeps references stable
};

}  // namespace vigil::testing

#endif  // VIGIL_TESTS_DOMAIN_FIXTURE_H_
