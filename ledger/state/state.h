// The state machine (DESIGN §2, §5): Apply(state, entry) checks every rule an entry must pass
// and, if all pass, writes the state it changes. It is a pure function of the previous state
// and the entry: time comes from the entry, never from a clock. The server runs it inside the
// append transaction; the verifier replays it from entry 0 and must reach the same bytes.
//
// Record types register a handler in a table (state.cc); each domain area lives in its own
// file (registry.cc for participants and keys, ...).
#ifndef VIGIL_LEDGER_STATE_STATE_H_
#define VIGIL_LEDGER_STATE_STATE_H_

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "keys/encoding.h"
#include "keys/key.h"
#include "keys/result.h"
#include "ledger/layering.h"
#include "ledger/log/entry.h"
#include "ledger/state/payload.h"
#include "ledger/state/state_store.h"

namespace vigil {

enum class Role : uint8_t { kAuthority = 1, kPolice = 2, kInspector = 4, kBusiness = 8 };
std::string_view RoleName(Role role);
std::optional<Role> ParseRole(std::string_view name);

// How far `at` may lie after the server's acceptance time (clock skew between machines).
inline constexpr int64_t kMaxFutureSkewMs = 5 * 60 * 1000;

// A registered signing key, as stored under "key/<key id>".
struct KeyRecord {
  std::string participant;
  PublicKey public_key;
  uint64_t added_seq = 0;
  std::optional<uint64_t> revoked_seq;  // entries from this seq on may not use the key
};

// A registered participant, as stored under "participant/<id>" (the JSON of its registration
// plus status fields the state machine maintains).
struct Participant {
  std::string id;
  Role role = Role::kBusiness;
  bool revoked = false;
  // The stored JSON object, immutable and shared: LoadParticipant parses it once and the
  // store may keep it for later readers (StateStore::KeepDecoded). Null for the genesis signer.
  std::shared_ptr<const nlohmann::json> stored;
  const nlohmann::json& record() const {
    static const nlohmann::json kNull;
    return stored != nullptr ? *stored : kNull;
  }
};

namespace domain {
struct Settings;  // domain.h
}  // namespace domain

// Everything a record handler sees. Handlers add violations and, when they add none, write
// the state they change through `state` (an overlay: nothing reaches the store on rejection).
struct ApplyContext {
  StateStore& state;
  const Entry& entry;
  const Payload& payload;
  const Participant& actor;
  std::vector<Violation> violations;
  std::vector<KeyRecord> cosigners;  // verified cosigning keys, in entry order

  Status failure;  // a store error (not a broken rule): the whole batch is aborted
  nlohmann::json effect = nlohmann::json::object();  // what a correction must undo (domain.h)
  int alerts = 0;                                    // alerts raised by this entry so far
  // The settings in force, read once per entry by domain::LoadSettings (settings.set drops it
  // when it writes new ones).
  std::shared_ptr<const domain::Settings> settings = nullptr;

  void Violate(std::string code, std::string message) {
    violations.emplace_back(std::move(code), std::move(message));
  }
  // A broken rule whose message describes the records of participant `subject` (a
  // counterparty's registration or licence, a witness): shown in a refusal only to callers who
  // may read about `subject`; others get one generic violation (ledger/access.h SeenBy).
  void ViolateAbout(std::string subject, std::string code, std::string message) {
    violations.emplace_back(std::move(code), std::move(message), std::move(subject));
  }
  // Records a store error; returns true if `s` was one (so handlers can `if (ctx.Fail(s))`).
  bool Fail(const Status& s) {
    if (s.ok()) return false;
    if (failure.ok()) failure = s;
    return true;
  }
  // Field accessors: record a violation ("missing_field" / "bad_field") and return nullopt if
  // the field is absent (when required) or has the wrong type.
  std::optional<std::string> String(std::string_view field, bool required = true);
  const nlohmann::json* Array(std::string_view field, bool required = true);
  const nlohmann::json* Object(std::string_view field, bool required = true);
};

using RecordHandler = void (*)(ApplyContext& ctx);

// One row per record type: everything the rest of Vigil needs to know about a type is here or
// in its handler, and access control, the verifier, corrections and CSV import derive from it.
// Adding a type means a row here, its handler, and its docs and tests (docs/architecture.md).
struct RecordType {
  std::string_view type;
  uint8_t code;   // stored in the state for the type (codec::EntryInfo, trails); never reused
  uint8_t roles;  // bit set of Role values allowed to sign it
  RecordHandler handler;
  // The payload fields beyond the envelope (type, id, actor, at): Apply refuses any other
  // ("unknown_field") before the handler runs.
  std::vector<std::string_view> fields;
  // Fields holding the id of a participant the record concerns (beside its actor): it goes into
  // their trails, and a business may read the record (ParticipantsNamed).
  std::vector<std::string_view> names;
  // Fields declaring public keys (a base64 string, or an array of them): the verifier pre-checks
  // later signatures with them.
  std::vector<std::string_view> declares_keys;
  // Whether its signer may void it with a correction; the areas undo their own effects
  // (UndoEffects). Others are changed by new records, not corrections.
  bool correctable = false;
  // The columns of docs/csv.md a CSV row of this type may fill beyond the envelope (a dotted
  // column fills a field of an object, "document.*" one of "documents"); empty: not importable.
  std::vector<std::string_view> csv_columns;
};

// The record type named `type`, or nullptr.
const RecordType* FindRecordType(std::string_view type);
// The record type stored as `code`, or nullptr.
const RecordType* FindRecordTypeByCode(uint8_t code);
// Every record type, in documentation order.
const std::vector<RecordType>& RecordTypes();

// Signatures already known to verify over one entry's payload: (public key, signature) pairs
// checked beforehand, off the writer's thread (Log::Prepare on the submitter's thread, or the
// verifier's workers). Apply still looks up which key the signer holds at this entry and
// whether it is revoked; a listed pair only saves the Ed25519 arithmetic.
struct VerifiedSignatures {
  std::vector<std::pair<PublicKey, std::string>> pairs;
  bool Contains(const PublicKey& key, std::string_view sig) const;
};

// Applies `entry` (whose payload parsed to `payload`) to `state`.
// Ok: every rule passed and the state was updated. Otherwise nothing was written and:
//   kPermissionDenied  signer unknown, revoked, not the actor's, bad signature, role not allowed
//   kRuleViolation     one or more domain rules broken; details() lists every one
//   kInvalidArgument   unknown record type
//   kConflict          the actor already used the payload id
//   kIoError / kResourceExhausted from the store (the caller aborts the batch)
// Signatures are checked for the log `origin` (keys/key.h SignContext::kEntry); `verified`, if
// given, lists signatures over entry.payload checked beforehand for that origin.
Status Apply(StateStore& state, std::string_view origin, const Entry& entry, const Payload& payload,
             const VerifiedSignatures* verified = nullptr);

// The seq of the entry that used payload id `id` of `actor`, if any. Payload ids are unique
// per actor: Apply refuses a reused one (kConflict).
Result<std::optional<uint64_t>> FindPriorSeq(const StateStore& state, std::string_view actor,
                                             std::string_view id);

// The participants a record concerns: its actor and every participant its type's `names`
// fields name (the subject of a registration, a counterparty, an inspected business). A
// business may read exactly the entries that concern it.
std::vector<std::string> ParticipantsNamed(const Payload& payload);
// The public keys a payload declares in its type's `declares_keys` fields (registrations'
// "keys", key.add's "key"). Only candidates for pre-checking signatures: Apply decides.
std::vector<PublicKey> DeclaredKeys(const Payload& payload);

// Registry lookups (registry.cc).
Result<std::optional<KeyRecord>> LoadKey(const StateStore& state, std::string_view key_id);
Result<std::optional<Participant>> LoadParticipant(const StateStore& state, std::string_view id);

}  // namespace vigil

#endif  // VIGIL_LEDGER_STATE_STATE_H_
