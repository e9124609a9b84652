#include "ledger/state/state.h"

#include <algorithm>
#include <map>

#include "keys/coding.h"
#include "ledger/state/authority.h"
#include "ledger/state/chemicals.h"
#include "ledger/state/domain.h"
#include "ledger/state/inspections.h"
#include "ledger/state/registry.h"
#include "ledger/state/state_codec.h"
#include "ledger/state/state_keys.h"

namespace vigil {

namespace {

constexpr uint8_t kAuthority = static_cast<uint8_t>(Role::kAuthority);
constexpr uint8_t kPolice = static_cast<uint8_t>(Role::kPolice);
constexpr uint8_t kInspector = static_cast<uint8_t>(Role::kInspector);
constexpr uint8_t kBusiness = static_cast<uint8_t>(Role::kBusiness);
constexpr uint8_t kAnyRole = kAuthority | kPolice | kInspector | kBusiness;

Status Denied(std::string code, std::string message) {
  std::string summary = message;
  return Status(Code::kPermissionDenied, std::move(summary),
                {Violation{std::move(code), std::move(message)}});
}

}  // namespace

std::string_view RoleName(Role role) {
  switch (role) {
    case Role::kAuthority:
      return "authority";
    case Role::kPolice:
      return "police";
    case Role::kInspector:
      return "inspector";
    case Role::kBusiness:
      return "business";
  }
  return "?";
}

std::optional<Role> ParseRole(std::string_view name) {
  for (Role r : {Role::kAuthority, Role::kPolice, Role::kInspector, Role::kBusiness}) {
    if (RoleName(r) == name) return r;
  }
  return std::nullopt;
}

// ---- ApplyContext ----

std::optional<std::string> ApplyContext::String(std::string_view field, bool required) {
  auto it = payload.body.find(field);
  if (it == payload.body.end()) {
    if (required) Violate("missing_field", "the record needs a \"" + std::string(field) + "\"");
    return std::nullopt;
  }
  if (!it->is_string() || it->get_ref<const std::string&>().empty()) {
    Violate("bad_field", "\"" + std::string(field) + "\" must be a non-empty string");
    return std::nullopt;
  }
  return it->get<std::string>();
}

namespace {
// The JSON value at `field` if it has the kind `is_kind` checks; records the violation otherwise.
const nlohmann::json* TypedField(ApplyContext& ctx, std::string_view field, bool required,
                                 bool (nlohmann::json::*is_kind)() const noexcept,
                                 const char* kind) {
  auto it = ctx.payload.body.find(field);
  if (it == ctx.payload.body.end()) {
    if (required) ctx.Violate("missing_field", "the record needs a \"" + std::string(field) + "\"");
    return nullptr;
  }
  if (!((*it).*is_kind)()) {
    ctx.Violate("bad_field", "\"" + std::string(field) + "\" must be " + kind);
    return nullptr;
  }
  return &*it;
}
}  // namespace

const nlohmann::json* ApplyContext::Array(std::string_view field, bool required) {
  return TypedField(*this, field, required, &nlohmann::json::is_array, "an array");
}

const nlohmann::json* ApplyContext::Object(std::string_view field, bool required) {
  return TypedField(*this, field, required, &nlohmann::json::is_object, "an object");
}

namespace {
// Records "unknown_field" for every top-level payload field that is neither in the envelope nor
// among the type's fields.
void OnlyFields(ApplyContext& ctx, const std::vector<std::string_view>& allowed) {
  for (const auto& [name, value] : ctx.payload.body.items()) {
    if (name == "type" || name == "id" || name == "actor" || name == "at" ||
        name == "late_reason") {
      continue;
    }
    if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
      ctx.Violate("unknown_field",
                  "\"" + name + "\" is not a field of " + ctx.payload.type + " records");
    }
  }
}
}  // namespace

// ---- the record table ----

const std::vector<RecordType>& RecordTypes() {
  // What every record of an area may carry (docs/records.md).
  using Fields = std::vector<std::string_view>;
  const Fields movement = {"substance",          "quantity", "unit",      "concentration", "lot",
                           "packaging",          "purpose",  "transport", "documents",     "note",
                           "personal_commitment"};
  const Fields inspection = {"business",   "started_at", "ended_at", "team", "checklist",
                             "violations", "sanctions",  "evidence", "note", "personal_commitment"};
  const Fields movement_csv = {
      "substance",       "quantity",       "unit",      "concentration", "lot",
      "packaging",       "purpose",        "transport", "note",          "document.kind",
      "document.number", "document.sha256"};
  const Fields party_csv = {"party.name",    "party.enterprise_code", "party.licence_number",
                            "party.invoice", "party.address",         "party.country"};
  auto join = [](Fields a, const Fields& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
  };
  // The codes are stored in the state (since format 2): a new type takes the next unused code.
  static const std::vector<RecordType> kTypes = {
      {"participant.register",
       1,
       kAuthority,
       &registry::ApplyParticipantRegister,
       {"participant", "role", "legal_name", "tax_code", "address", "jurisdiction", "keys",
        "licences", "venues"},
       {"participant"},
       {"keys"},
       false,
       {}},
      {"participant.update",
       2,
       kAuthority,
       &registry::ApplyParticipantUpdate,
       {"participant", "legal_name", "tax_code", "address", "jurisdiction", "licences", "venues",
        "reason"},
       {"participant"},
       {},
       false,
       {}},
      {"participant.revoke",
       3,
       kAuthority,
       &registry::ApplyParticipantRevoke,
       {"participant", "reason"},
       {"participant"},
       {},
       false,
       {}},
      {"key.add",
       4,
       kAuthority,
       &registry::ApplyKeyAdd,
       {"participant", "key"},
       {"participant"},
       {"key"},
       false,
       {}},
      {"key.revoke",
       5,
       kAuthority,
       &registry::ApplyKeyRevoke,
       {"key", "reason"},
       {},
       {},
       false,
       {}},
      {"catalog.add", 6, kAuthority, &authority::ApplyCatalogAdd, {"substance"}, {}, {}, false, {}},
      {"threshold.set",
       7,
       kAuthority,
       &authority::ApplyThresholdSet,
       {"substance", "single_max", "window_days", "window_max"},
       {},
       {},
       false,
       {}},
      {"settings.set",
       8,
       kAuthority,
       &authority::ApplySettingsSet,
       {"settings"},
       {},
       {},
       false,
       {}},
      {"checklist.add",
       9,
       kAuthority,
       &authority::ApplyChecklistAdd,
       {"list", "item"},
       {},
       {},
       false,
       {}},
      {"chem.purchase",
       10,
       kBusiness,
       &chemicals::ApplyPurchase,
       join(movement, {"party"}),
       {},
       {},
       true,
       join(movement_csv, party_csv)},
      {"chem.sale",
       11,
       kBusiness,
       &chemicals::ApplySale,
       join(movement, {"party"}),
       {},
       {},
       true,
       join(movement_csv, party_csv)},
      {"chem.dispatch",
       12,
       kBusiness,
       &chemicals::ApplyDispatch,
       join(movement, {"counterparty", "transfer_id"}),
       {"counterparty"},
       {},
       true,
       join(movement_csv, {"counterparty", "transfer_id"})},
      {"chem.receipt",
       13,
       kBusiness,
       &chemicals::ApplyReceipt,
       join(movement, {"counterparty", "transfer_id"}),
       {"counterparty"},
       {},
       true,
       join(movement_csv, {"counterparty", "transfer_id"})},
      {"chem.use",
       14,
       kBusiness,
       &chemicals::ApplyUse,
       join(movement, {"product"}),
       {},
       {},
       true,
       join(movement_csv, {"product"})},
      {"chem.dispose",
       15,
       kBusiness,
       &chemicals::ApplyDispose,
       join(movement, {"method", "witness"}),
       {},
       {},
       true,
       join(movement_csv, {"method", "witness"})},
      {"chem.loss",
       16,
       kBusiness,
       &chemicals::ApplyLoss,
       join(movement, {"kind", "discovered_at", "police_report", "transfer_id", "counterparty"}),
       {"counterparty"},
       {},
       true,
       join(movement_csv,
            {"kind", "discovered_at", "police_report", "transfer_id", "counterparty"})},
      {"chem.stocktake",
       17,
       kBusiness,
       &chemicals::ApplyStocktake,
       {"substance", "quantity", "unit", "note", "documents"},
       {},
       {},
       true,
       {"substance", "quantity", "unit", "note", "document.kind", "document.number",
        "document.sha256"}},
      {"inspection.venue",
       18,
       kInspector | kPolice,
       &inspections::ApplyVenueInspection,
       join(inspection, {"venue", "kind", "approval_ref", "drug_tests"}),
       {"business"},
       {},
       true,
       {}},
      {"inspection.stock",
       19,
       kInspector | kPolice,
       &inspections::ApplyStockInspection,
       join(inspection, {"counts"}),
       {"business"},
       {},
       true,
       {}},
      {"inspection.ack",
       20,
       kBusiness,
       &inspections::ApplyAck,
       {"inspection_seq", "decision", "reason"},
       {},
       {},
       true,
       {}},
      {"correction",
       21,
       kAnyRole,
       &authority::ApplyCorrection,
       {"target_seq", "action", "reason"},
       {},
       {},
       false,
       {"target_seq", "action", "reason"}},
      {"erasure",
       22,
       kAuthority,
       &authority::ApplyErasure,
       {"target_seq", "reason", "order_ref"},
       {},
       {},
       false,
       {}},
      {"police.note",
       23,
       kPolice,
       &authority::ApplyPoliceNote,
       {"subject", "text", "refs", "personal_commitment"},
       {},
       {},
       true,
       {}},
  };
  return kTypes;
}

const RecordType* FindRecordType(std::string_view type) {
  for (const RecordType& t : RecordTypes()) {
    if (t.type == type) return &t;
  }
  return nullptr;
}

const RecordType* FindRecordTypeByCode(uint8_t code) {
  for (const RecordType& t : RecordTypes()) {
    if (t.code == code) return &t;
  }
  return nullptr;
}

std::vector<std::string> ParticipantsNamed(const Payload& payload) {
  std::vector<std::string> out = {payload.actor};
  const RecordType* type = FindRecordType(payload.type);
  if (type == nullptr) return out;
  for (std::string_view field : type->names) {
    auto it = payload.body.find(field);
    if (it != payload.body.end() && it->is_string() && it->get<std::string>() != payload.actor) {
      out.push_back(it->get<std::string>());
    }
  }
  return out;
}

std::vector<PublicKey> DeclaredKeys(const Payload& payload) {
  std::vector<PublicKey> out;
  const RecordType* type = FindRecordType(payload.type);
  if (type == nullptr) return out;
  auto take = [&out](const nlohmann::json& v) {
    if (!v.is_string()) return;
    Result<PublicKey> k = PublicKey::FromBase64(v.get_ref<const std::string&>());
    if (k.ok()) out.push_back(*k);
  };
  for (std::string_view field : type->declares_keys) {
    auto it = payload.body.find(field);
    if (it == payload.body.end()) continue;
    if (it->is_array()) {
      for (const auto& v : *it) take(v);
    } else {
      take(*it);
    }
  }
  return out;
}

Result<std::optional<uint64_t>> FindPriorSeq(const StateStore& state, std::string_view actor,
                                             std::string_view id) {
  Result<std::optional<std::string>> v = state.Get(statekey::IdKey(actor, id));
  if (!v.ok()) return v.status();
  if (!v->has_value()) return std::optional<uint64_t>();
  std::string_view in = **v;
  uint64_t seq = 0;
  if (!GetVarint(in, &seq) || !in.empty()) {
    return Status(Code::kCorruption, "damaged payload-id record");
  }
  return std::optional<uint64_t>(seq);
}

bool VerifiedSignatures::Contains(const PublicKey& key, std::string_view sig) const {
  for (const auto& [k, s] : pairs) {
    if (k == key && s == sig) return true;
  }
  return false;
}

Status Apply(StateStore& base, std::string_view origin, const Entry& entry, const Payload& payload,
             const VerifiedSignatures* verified) {
  auto verifies = [&](const PublicKey& key, std::string_view sig) {
    return (verified != nullptr && verified->Contains(key, sig)) ||
           key.Verify(SignContext::kEntry, origin, entry.payload, sig);
  };
  // Who signed: a registered key, or the first authority registering itself.
  std::optional<KeyRecord> key;
  std::optional<Participant> actor;
  {
    Result<std::optional<KeyRecord>> k = LoadKey(base, entry.signer);
    if (!k.ok()) return k.status();
    if (k->has_value()) {
      key = **k;
      Result<std::optional<Participant>> p = LoadParticipant(base, key->participant);
      if (!p.ok()) return p.status();
      if (!p->has_value()) return Status(Code::kCorruption, "key of unknown participant");
      actor = **p;
    } else {
      auto genesis = registry::GenesisSigner(base, entry, payload);
      if (!genesis.ok()) return genesis.status();
      if (!genesis->has_value()) {
        return Denied("signer_unknown", "key " + entry.signer +
                                            " is not registered; ask the authority to register it");
      }
      key = (*genesis)->first;
      actor = (*genesis)->second;
    }
  }
  if (!verifies(key->public_key, entry.sig)) {
    return Denied("bad_signature",
                  "the signature does not match the payload and key " + entry.signer);
  }
  if (key->revoked_seq.has_value() && *key->revoked_seq <= entry.seq) {
    return Denied("key_revoked", "key " + entry.signer + " was revoked at entry " +
                                     std::to_string(*key->revoked_seq));
  }
  if (key->participant != payload.actor) {
    return Denied("actor_mismatch", "key " + entry.signer + " belongs to \"" + key->participant +
                                        "\", not to the payload's actor \"" + payload.actor + "\"");
  }
  if (actor->revoked) {
    return Denied("participant_revoked", "participant \"" + actor->id + "\" has been revoked");
  }
  const RecordType* type = FindRecordType(payload.type);
  if (type == nullptr) {
    return Status(Code::kInvalidArgument, "unknown record type \"" + payload.type + "\"",
                  {{"unknown_type", "unknown record type \"" + payload.type + "\""}});
  }
  if ((type->roles & static_cast<uint8_t>(actor->role)) == 0) {
    return Denied("role_not_allowed", "a participant with role " +
                                          std::string(RoleName(actor->role)) + " may not submit " +
                                          payload.type + " records");
  }

  Result<std::optional<uint64_t>> prior = FindPriorSeq(base, payload.actor, payload.id);
  if (!prior.ok()) return prior.status();
  if (prior->has_value()) {
    return Status(Code::kConflict, "payload id \"" + payload.id + "\" of \"" + payload.actor +
                                       "\" was already used for a different record (entry " +
                                       std::to_string(**prior) + "); choose a new id");
  }

  OverlayStateStore overlay(base);
  ApplyContext ctx{overlay, entry,  payload, *actor, {}, {}, Status::Ok(), nlohmann::json::object(),
                   0,       nullptr};
  for (const Cosignature& c : entry.cosigners) {
    Result<std::optional<KeyRecord>> ck = LoadKey(base, c.signer);
    if (!ck.ok()) return ck.status();
    if (!ck->has_value()) {
      ctx.Violate("cosigner_unknown", "cosigning key " + c.signer + " is not registered");
    } else if (!verifies((*ck)->public_key, c.sig)) {
      ctx.Violate("bad_cosignature", "the cosignature of key " + c.signer + " does not verify");
    } else if ((*ck)->revoked_seq.has_value() && *(*ck)->revoked_seq <= entry.seq) {
      // Told only to whoever holds a valid signature by that key.
      ctx.Violate("cosigner_revoked", "cosigning key " + c.signer + " has been revoked");
    } else {
      ctx.cosigners.push_back(**ck);
    }
  }
  if (payload.at_ms > entry.ts_ms + kMaxFutureSkewMs) {
    ctx.Violate("at_in_future", "\"at\" (" + FormatTimestamp(payload.at_ms) +
                                    ") is later than the server's time (" +
                                    FormatTimestamp(entry.ts_ms) + ")");
  }
  if (auto c = payload.body.find("personal_commitment"); c != payload.body.end()) {
    if (!c->is_string() || !HashFromBase64(c->get<std::string>()).ok()) {
      ctx.Violate("bad_commitment",
                  "\"personal_commitment\" must be the base64 SHA-256 of the salt "
                  "and the personal data");
    }
  }
  try {
    chemicals::SweepDeadlines(ctx);  // alerts that came due before this entry's time
    OnlyFields(ctx, type->fields);
    domain::CheckTime(ctx);
    type->handler(ctx);
  } catch (const nlohmann::json::exception&) {
    // A field of the wrong JSON type (a number where text belongs, ...) that a handler read
    // without checking: the record is refused, never the server stopped.
    ctx.Violate("bad_field_type",
                "a field has the wrong JSON type (for example a number where "
                "text is expected); see docs/records.md for each field's type");
  }
  if (!ctx.failure.ok()) return ctx.failure;
  if (!ctx.violations.empty()) {
    std::string summary = ctx.violations.size() == 1
                              ? ctx.violations[0].message
                              : std::to_string(ctx.violations.size()) + " rules broken";
    return Status(Code::kRuleViolation, summary, std::move(ctx.violations));
  }
  // Records every entry gets (codec): its type, actor and effect; the trail of each
  // participant it concerns, with the stock after it of what it changed; its payload id.
  std::map<std::string, std::vector<std::pair<std::string, int64_t>>, std::less<>> stock_after;
  for (const auto& d : ctx.effect.value("stock", nlohmann::json::array())) {
    const std::string participant = d.value("participant", "");
    const std::string substance = d.value("substance", "");
    const int64_t now = domain::Stock(ctx, participant, substance);
    auto& list = stock_after[participant];
    auto it =
        std::find_if(list.begin(), list.end(), [&](const auto& s) { return s.first == substance; });
    if (it != list.end()) {
      it->second = now;
    } else {
      list.emplace_back(substance, now);
    }
  }
  std::vector<std::string> named;  // ParticipantsNamed without repeats: one trail item each
  for (std::string& p : ParticipantsNamed(payload)) {
    if (std::find(named.begin(), named.end(), p) == named.end()) named.push_back(std::move(p));
  }
  for (const auto& [participant, list] : stock_after) {
    if (std::find(named.begin(), named.end(), participant) == named.end()) {
      // Stock histories are read from trails: a handler may change only the stock of a
      // participant the record names (today: always its actor).
      ctx.Fail(Status(Code::kInternal,
                      "entry changes the stock of \"" + participant + "\", whom it does not name"));
    }
  }
  for (const std::string& p : named) {
    codec::TrailItem item{entry.seq, type->code, {}};
    if (auto it = stock_after.find(p); it != stock_after.end()) item.stock = it->second;
    const std::string open_key = statekey::TrailOpenKey(p);
    Result<std::optional<std::string>> open = overlay.Get(open_key);
    if (ctx.Fail(open.status())) break;
    std::string chunk = open->value_or("");
    if (!codec::AppendTrailItem(chunk, item)) {
      ctx.Fail(Status(Code::kCorruption, "damaged trail chunk of \"" + p + "\""));
      break;
    }
    if (chunk.size() >= codec::kTrailChunkBytes) {  // close it under its last seq
      ctx.Fail(overlay.Put(statekey::TrailKey(p, entry.seq), chunk));
      ctx.Fail(overlay.Delete(open_key));
    } else {
      ctx.Fail(overlay.Put(open_key, chunk));
    }
  }
  codec::EntryInfo info{type->code, payload.actor, payload.body.contains("personal_commitment"),
                        ctx.effect, payload.at_ms};
  ctx.Fail(overlay.Put(statekey::EntryKey(entry.seq), codec::EncodeEntryInfo(info)));
  if (!ctx.failure.ok()) return ctx.failure;
  std::string seq_value;
  PutVarint(seq_value, entry.seq);
  VIGIL_RETURN_IF_ERROR(overlay.Put(statekey::IdKey(payload.actor, payload.id), seq_value));
  return overlay.Flush();
}

}  // namespace vigil
