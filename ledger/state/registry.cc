#include "ledger/state/registry.h"

#include <set>

#include "keys/coding.h"
#include "ledger/log/entry.h"
#include "ledger/state/catalog.h"
#include "ledger/state/domain.h"
#include "ledger/state/identity.h"
#include "ledger/state/state_codec.h"
#include "ledger/state/state_keys.h"

namespace vigil::registry {

namespace {

using statekey::KeyKey;
using statekey::ParticipantKey;

// statekey::KeyKey: public key (32 bytes) ‖ varint added_seq ‖ 1 byte revoked (0/1)
// [‖ varint revoked_seq] ‖ participant id (the rest). Read for every entry (LoadKey).
std::string EncodeKeyRecord(const KeyRecord& k) {
  std::string out(k.public_key.bytes());
  PutVarint(out, k.added_seq);
  out.push_back(k.revoked_seq.has_value() ? 1 : 0);
  if (k.revoked_seq.has_value()) PutVarint(out, *k.revoked_seq);
  out.append(k.participant);
  return out;
}

Status PutJson(StateStore& state, const std::string& key, const nlohmann::json& j) {
  return state.Put(key, j.dump());
}

// Parses the "keys" array of base64 public keys; records violations for bad or taken keys.
std::vector<PublicKey> NewKeys(ApplyContext& ctx, const nlohmann::json& keys) {
  std::vector<PublicKey> out;
  for (const auto& k : keys) {
    Result<PublicKey> pk = k.is_string() ? PublicKey::FromBase64(k.get<std::string>())
                                         : Result<PublicKey>(Status(Code::kInvalidArgument, ""));
    if (!pk.ok()) {
      ctx.Violate("bad_key", "each key must be the base64 of a 32-byte Ed25519 public key");
      continue;
    }
    Result<std::optional<KeyRecord>> existing = LoadKey(ctx.state, pk->Id());
    if (ctx.Fail(existing.status())) return out;
    if (existing->has_value()) {
      ctx.Violate("key_exists", "key " + pk->Id() + " is already registered to \"" +
                                    (*existing)->participant + "\"");
      continue;
    }
    for (const PublicKey& seen : out) {
      if (seen == *pk) ctx.Violate("key_repeated", "key " + pk->Id() + " is listed twice");
    }
    out.push_back(*pk);
  }
  return out;
}

void CheckId(ApplyContext& ctx, std::string_view field, const std::string& id) {
  if (!identity::ValidParticipantId(id)) {
    ctx.Violate("bad_participant_id",
                "\"" + std::string(field) +
                    "\" must be 1 to 128 lower-case ASCII letters, digits, '-', '_' or '.', "
                    "starting with a letter or digit");
  }
}

// Identifying text is refused unless it is NFC: the signed bytes are the evidence, so the
// server never rewrites them (identity.h).
void CheckNfc(ApplyContext& ctx, std::string_view field, std::string_view text) {
  if (!identity::IsNfc(text)) {
    ctx.Violate("not_nfc", "\"" + std::string(field) +
                               "\" must be UTF-8 text in Unicode NFC (composed: \"\u00e0\", not "
                               "\"a\" + U+0300); normalise it to NFC before signing");
  }
}

// The tax code of a registration or update: its shape, and that no other participant holds it.
void CheckTaxCode(ApplyContext& ctx, const std::string& participant, const std::string& code) {
  if (!identity::ValidTaxCode(code)) {
    return ctx.Violate("bad_tax_code",
                       "\"tax_code\" is the 10-digit enterprise code (m\u00e3 s\u1ed1 doanh "
                       "nghi\u1ec7p), or 10 digits, '-' and 3 digits for a branch, e.g. "
                       "0101234567 or 0101234567-001");
  }
  Result<std::optional<std::string>> holder = ParticipantByTaxCode(ctx.state, code);
  if (ctx.Fail(holder.status())) return;
  if (holder->has_value() && **holder != participant) {
    ctx.Violate("tax_code_exists", "tax code " + code + " is already registered to \"" + **holder +
                                       "\"; an enterprise is registered once (a "
                                       "branch has its own code, " +
                                       std::string(identity::EnterpriseOf(code)) + "-NNN)");
  }
}

// Checks the licences of a registration or update and returns them with substances resolved
// to catalogue ids (what the rules compare against).
nlohmann::json ValidLicences(ApplyContext& ctx, const nlohmann::json& licences,
                             const std::string& participant) {
  nlohmann::json out = nlohmann::json::array();
  std::set<std::string> numbers;
  for (const auto& l : licences) {
    if (!l.is_object()) {
      ctx.Violate("bad_licence", "each licence is an object with kind, number, issued, expires");
      continue;
    }
    const std::string kind = l.value("kind", "");
    const std::string number = l.value("number", "");
    if (!domain::IsLicenceKind(kind)) {
      ctx.Violate("bad_licence", "licence kind \"" + kind.substr(0, 40) +
                                     "\" is not precursor_trading, precursor_use, import_export, "
                                     "karaoke, bar or dance_hall");
      continue;
    }
    if (const std::string why = identity::LicenceNumberProblem(number); !why.empty()) {
      ctx.Violate("bad_licence_number", "licence number \"" + number.substr(0, 64) + "\": " + why);
      continue;
    }
    if (!numbers.insert(number).second) {
      ctx.Violate("bad_licence", "licence " + number + " is listed twice");
    }
    Result<std::optional<std::string>> holder = ctx.state.Get(statekey::LicenceKey(number));
    if (ctx.Fail(holder.status())) return out;
    if (holder->has_value() && **holder != participant) {
      ctx.Violate("licence_taken", "licence " + number + " belongs to \"" + **holder + "\"");
    }
    Result<int64_t> issued = ParseDate(l.value("issued", ""));
    Result<int64_t> expires = ParseDate(l.value("expires", ""));
    if (!issued.ok() || !expires.ok() || *expires < *issued) {
      ctx.Violate("bad_licence", "licence " + number +
                                     " needs \"issued\" and \"expires\" dates (YYYY-MM-DD), "
                                     "expires not before issued");
      continue;
    }
    nlohmann::json clean = {
        {"kind", kind}, {"number", number}, {"issued", l["issued"]}, {"expires", l["expires"]}};
    if (l.contains("suspended")) clean["suspended"] = l.value("suspended", false);
    if (l.contains("venue")) clean["venue"] = l["venue"];
    const bool precursor = kind.rfind("precursor_", 0) == 0 || kind == "import_export";
    nlohmann::json subs = nlohmann::json::array();
    for (const auto& id : l.value("substances", nlohmann::json::array())) {
      Result<std::optional<Substance>> sub =
          id.is_string() ? FindSubstance(ctx.state, id.get<std::string>())
                         : Result<std::optional<Substance>>(std::optional<Substance>());
      if (ctx.Fail(sub.status())) return out;
      if (!sub->has_value()) {
        ctx.Violate("unknown_substance", "licence " + number + " names " + id.dump() +
                                             ", which is not in the catalogue");
      } else {
        subs.push_back((*sub)->id);
      }
    }
    if (precursor && subs.empty()) {
      ctx.Violate("bad_licence", "precursor licence " + number +
                                     " must list the \"substances\" "
                                     "it covers");
    }
    if (precursor) clean["substances"] = subs;
    out.push_back(clean);
  }
  return out;
}

// Checks the venues of a registration or update (karaoke rooms, bars, dance halls).
void CheckVenues(ApplyContext& ctx, const nlohmann::json& venues) {
  std::set<std::string> ids;
  for (const auto& v : venues) {
    const std::string id = v.is_object() && v["id"].is_string() ? v["id"].get<std::string>() : "";
    if (id.empty() || id.find('/') != std::string::npos ||
        !domain::IsVenueKind(v.value("kind", ""))) {
      ctx.Violate("bad_venue",
                  "each venue needs an \"id\" (no '/') and a \"kind\" of karaoke, bar "
                  "or dance_hall");
      continue;
    }
    if (!ids.insert(id).second) ctx.Violate("bad_venue", "venue " + id + " is listed twice");
    CheckNfc(ctx, "venues[].id", id);
    if (auto name = v.find("name"); name != v.end() && name->is_string()) {
      CheckNfc(ctx, "venues[].name", name->get<std::string>());
    }
    for (const auto& r : v.value("rooms", nlohmann::json::array())) {
      const std::string area = r.is_object() ? r.value("area_m2", "") : "";
      if (area.empty() || area.find_first_not_of("0123456789.") != std::string::npos ||
          area.front() == '.' || area.back() == '.') {
        ctx.Violate("bad_venue",
                    "venue " + id + ": each room needs \"area_m2\" as a decimal string");
        break;
      }
    }
    if (v.contains("hours")) {
      const nlohmann::json& h = v["hours"];
      auto hhmm = [](const nlohmann::json& t) {
        if (!t.is_string()) return false;
        const std::string s = t.get<std::string>();
        return s.size() == 5 && s[2] == ':' && std::isdigit(static_cast<unsigned char>(s[0])) &&
               std::isdigit(static_cast<unsigned char>(s[1])) &&
               std::isdigit(static_cast<unsigned char>(s[3])) &&
               std::isdigit(static_cast<unsigned char>(s[4])) && s.substr(0, 2) <= "23" &&
               s.substr(3) <= "59";
      };
      if (!h.is_object() || !hhmm(h.value("open", nlohmann::json())) ||
          !hhmm(h.value("close", nlohmann::json()))) {
        ctx.Violate("bad_venue",
                    "venue " + id + ": \"hours\" is {\"open\": \"HH:MM\", \"close\": \"HH:MM\"}");
      }
    }
  }
}

// Writes the licence and expiry indexes of `record`'s licences (removing the old ones first).
void IndexLicences(ApplyContext& ctx, const std::string& participant,
                   const nlohmann::json* old_licences, const nlohmann::json& licences) {
  const int64_t warn = domain::LoadSettings(ctx).expiry_warning_days * domain::kDayMs;
  // Unchanged licences (same number and expiry) keep their expiry key, so an update that
  // restates them does not warn a second time.
  auto same = [](const nlohmann::json* list, const nlohmann::json& l) {
    if (list == nullptr) return false;
    for (const auto& o : *list) {
      if (o.value("number", "") == l.value("number", "") &&
          o.value("expires", "") == l.value("expires", "")) {
        return true;
      }
    }
    return false;
  };
  auto each = [&](const nlohmann::json& list, bool put) {
    const nlohmann::json* other = put ? old_licences : &licences;
    for (const auto& l : list) {
      const bool unchanged = same(other, l);
      Result<int64_t> expires = ParseDate(l.value("expires", ""));
      const std::string number = l.value("number", "");
      const std::string expiry_key =
          statekey::ExpiryKey(expires.ok() ? *expires - warn : 0, participant, number);
      if (put) {
        ctx.Fail(ctx.state.Put(statekey::LicenceKey(number), participant));
        if (expires.ok() && !unchanged) {
          ctx.Fail(ctx.state.Put(expiry_key, ""));
          ctx.Fail(ctx.state.Put(statekey::LicenceWarnKey(number), expiry_key));
        }
      } else {
        ctx.Fail(ctx.state.Delete(statekey::LicenceKey(number)));
        if (!unchanged) {  // the warning time may have been computed with another setting
          Result<std::optional<std::string>> written =
              ctx.state.Get(statekey::LicenceWarnKey(number));
          if (!ctx.Fail(written.status()) && written->has_value()) {
            ctx.Fail(ctx.state.Delete(**written));
          }
          ctx.Fail(ctx.state.Delete(statekey::LicenceWarnKey(number)));
        }
      }
    }
  };
  if (old_licences != nullptr) each(*old_licences, false);
  each(licences, true);
}

// Validates the profile fields shared by participant.register and participant.update, and
// returns the licences to store (substances resolved), or nullopt if none were given.
std::optional<nlohmann::json> CheckProfile(ApplyContext& ctx, const std::string& participant,
                                           std::optional<Role> role) {
  for (const char* f : {"legal_name", "address"}) {
    if (std::optional<std::string> text = ctx.String(f, false)) CheckNfc(ctx, f, *text);
  }
  if (std::optional<std::string> code = ctx.String("tax_code", false)) {
    CheckTaxCode(ctx, participant, *code);
  }
  if (const nlohmann::json* j = ctx.Object("jurisdiction", false)) {
    for (const auto& [k, v] : j->items()) {
      if ((k != "province" && k != "commune") || !v.is_string()) {
        ctx.Violate("bad_jurisdiction", "\"jurisdiction\" is {\"province\", \"commune\"} as text");
      } else {
        CheckNfc(ctx, "jurisdiction." + k, v.get<std::string>());
      }
    }
  }
  if (const nlohmann::json* venues = ctx.Array("venues", false)) CheckVenues(ctx, *venues);
  const nlohmann::json* licences = ctx.Array("licences", false);
  if (licences == nullptr) return std::nullopt;
  if (role.has_value() && *role != Role::kBusiness && !licences->empty()) {
    ctx.Violate("bad_licence", "only businesses hold licences");
  }
  return ValidLicences(ctx, *licences, participant);
}

}  // namespace

}  // namespace vigil::registry

namespace vigil {

Result<std::optional<KeyRecord>> LoadKey(const StateStore& state, std::string_view key_id) {
  Result<std::optional<std::string>> v = state.Get(statekey::KeyKey(key_id));
  if (!v.ok()) return v.status();
  if (!v->has_value()) return std::optional<KeyRecord>();
  auto damaged = [&] {
    return Status(Code::kCorruption, "damaged key record " + std::string(key_id));
  };
  std::string_view in = **v;
  if (in.size() < PublicKey::kSize + 2) return damaged();
  Result<PublicKey> pk = PublicKey::FromBytes(in.substr(0, PublicKey::kSize));
  if (!pk.ok()) return damaged();
  in.remove_prefix(PublicKey::kSize);
  KeyRecord k;
  k.public_key = *pk;
  if (!GetVarint(in, &k.added_seq) || in.empty()) return damaged();
  const char revoked = in[0];
  in.remove_prefix(1);
  if (revoked == 1) {
    uint64_t r = 0;
    if (!GetVarint(in, &r)) return damaged();
    k.revoked_seq = r;
  } else if (revoked != 0) {
    return damaged();
  }
  if (in.empty()) return damaged();
  k.participant = std::string(in);
  return std::optional<KeyRecord>(std::move(k));
}

Result<std::optional<Participant>> LoadParticipant(const StateStore& state, std::string_view id) {
  const std::string key = statekey::ParticipantKey(id);
  if (std::shared_ptr<const void> kept = state.GetDecoded(key)) {
    return std::optional<Participant>(*std::static_pointer_cast<const Participant>(kept));
  }
  Result<std::optional<std::string>> v = state.Get(key);
  if (!v.ok()) return v.status();
  if (!v->has_value()) return std::optional<Participant>();
  Participant p;
  p.id = std::string(id);
  auto record = std::make_shared<const nlohmann::json>(nlohmann::json::parse(**v, nullptr, false));
  try {
    std::optional<Role> role = ParseRole(record->at("role").get<std::string>());
    if (!role.has_value()) throw std::runtime_error("role");
    p.role = *role;
    p.revoked = record->at("revoked").get<bool>();
  } catch (const std::exception&) {
    return Status(Code::kCorruption, "damaged participant record " + std::string(id));
  }
  p.stored = std::move(record);
  state.KeepDecoded(key, std::make_shared<const Participant>(p));
  return std::optional<Participant>(std::move(p));
}

}  // namespace vigil

namespace vigil::registry {

Result<std::optional<std::string>> ParticipantByTaxCode(const StateStore& state,
                                                        std::string_view tax_code) {
  if (!identity::ValidTaxCode(tax_code)) return std::optional<std::string>();
  return state.Get(statekey::TaxCodeKey(tax_code));
}

Result<std::optional<std::string>> ParticipantOfEnterprise(const StateStore& state,
                                                           std::string_view tax_code) {
  std::optional<std::string> holder;
  if (!identity::ValidTaxCode(tax_code)) return holder;
  // Every code of the enterprise starts with its 10 digits: "<parent>" or "<parent>-NNN".
  Status s = state.ScanPrefix(statekey::TaxCodeKey(identity::EnterpriseOf(tax_code)),
                              [&](std::string_view, std::string_view v) {
                                holder = std::string(v);
                                return false;
                              });
  if (!s.ok()) return s;
  return holder;
}

Result<std::optional<std::pair<KeyRecord, Participant>>> GenesisSigner(const StateStore& state,
                                                                       const Entry& entry,
                                                                       const Payload& payload) {
  using Out = std::optional<std::pair<KeyRecord, Participant>>;
  Result<std::optional<std::string>> g = state.Get(statekey::kGenesisKey);
  if (!g.ok()) return g.status();
  const nlohmann::json& b = payload.body;
  if (g->has_value() || entry.seq != 0 || payload.type != "participant.register" ||
      b.value("role", "") != "authority" || b.value("participant", "") != payload.actor ||
      !b.contains("keys") || !b["keys"].is_array()) {
    return Out();
  }
  for (const auto& k : b["keys"]) {
    if (!k.is_string()) continue;
    Result<PublicKey> pk = PublicKey::FromBase64(k.get<std::string>());
    if (pk.ok() && pk->Id() == entry.signer) {
      KeyRecord key{payload.actor, *pk, 0, std::nullopt};
      Participant p;
      p.id = payload.actor;
      p.role = Role::kAuthority;
      return Out(std::make_pair(key, p));
    }
  }
  return Out();
}

void ApplyParticipantRegister(ApplyContext& ctx) {
  std::optional<std::string> id = ctx.String("participant");
  std::optional<std::string> role = ctx.String("role");
  ctx.String("legal_name");
  const nlohmann::json* keys = ctx.Array("keys");
  if (id.has_value()) {
    CheckId(ctx, "participant", *id);
    Result<std::optional<Participant>> existing = LoadParticipant(ctx.state, *id);
    if (ctx.Fail(existing.status())) return;
    if (existing->has_value()) {
      ctx.Violate("participant_exists", "participant \"" + *id + "\" is already registered");
    }
  }
  std::optional<Role> parsed_role = role.has_value() ? ParseRole(*role) : std::nullopt;
  if (role.has_value() && !parsed_role.has_value()) {
    ctx.Violate("bad_role",
                "role must be authority, police, inspector or business, not \"" + *role + "\"");
  }
  std::optional<nlohmann::json> licences = CheckProfile(ctx, id.value_or(""), parsed_role);
  std::vector<PublicKey> pks;
  if (keys != nullptr) {
    if (keys->empty()) ctx.Violate("no_keys", "a participant needs at least one public key");
    pks = NewKeys(ctx, *keys);
  }
  if (!ctx.violations.empty()) return;

  nlohmann::json record = ctx.payload.body;
  for (const char* f : {"type", "id", "actor", "at"}) record.erase(f);
  record["keys"] = nlohmann::json::array();
  for (const PublicKey& pk : pks) {
    record["keys"].push_back(pk.Id());
    Status s = ctx.state.Put(KeyKey(pk.Id()),
                             EncodeKeyRecord(KeyRecord{*id, pk, ctx.entry.seq, std::nullopt}));
    if (ctx.Fail(s)) return;
  }
  if (licences.has_value()) {
    record["licences"] = *licences;
    IndexLicences(ctx, *id, nullptr, *licences);
  }
  if (record.contains("tax_code")) {
    if (ctx.Fail(ctx.state.Put(statekey::TaxCodeKey(record["tax_code"].get<std::string>()), *id)))
      return;
  }
  record["registered_seq"] = ctx.entry.seq;
  // No record of the participant may be dated before this (domain::CheckTime). The authority
  // that founds the log (entry 0) has none: its records may reach back, within the reporting
  // period, to events before the log existed (a province entering its paper files).
  if (ctx.entry.seq != 0) record["registered_at"] = FormatTimestamp(ctx.payload.at_ms);
  record["revoked"] = false;
  Status s = PutJson(ctx.state, ParticipantKey(*id), record);
  if (s.ok() && ctx.entry.seq == 0) s = ctx.state.Put(statekey::kGenesisKey, "1");
  ctx.Fail(s);
}

void ApplyParticipantUpdate(ApplyContext& ctx) {
  std::optional<std::string> id = ctx.String("participant");
  if (!id.has_value()) return;
  Result<std::optional<Participant>> p = LoadParticipant(ctx.state, *id);
  if (ctx.Fail(p.status())) return;
  if (!p->has_value()) {
    return ctx.Violate("participant_unknown", "participant \"" + *id + "\" is not registered");
  }
  if ((*p)->revoked) ctx.Violate("participant_revoked", "participant \"" + *id + "\" is revoked");
  std::optional<nlohmann::json> licences = CheckProfile(ctx, *id, (*p)->role);
  bool changes = false;
  for (const char* f :
       {"legal_name", "tax_code", "address", "jurisdiction", "licences", "venues"}) {
    changes = changes || ctx.payload.body.contains(f);
  }
  if (!changes) ctx.Violate("missing_field", "an update changes at least one field");
  if (!ctx.violations.empty()) return;
  nlohmann::json record = (*p)->record();
  if (ctx.payload.body.contains("tax_code")) {  // the index follows the participant's code
    const std::string old_code = record.value("tax_code", "");
    const std::string new_code = ctx.payload.body["tax_code"].get<std::string>();
    if (!old_code.empty() && old_code != new_code) {
      if (ctx.Fail(ctx.state.Delete(statekey::TaxCodeKey(old_code)))) return;
    }
    if (ctx.Fail(ctx.state.Put(statekey::TaxCodeKey(new_code), *id))) return;
  }
  for (const char* f : {"legal_name", "tax_code", "address", "jurisdiction", "venues"}) {
    if (ctx.payload.body.contains(f)) record[f] = ctx.payload.body[f];
  }
  if (licences.has_value()) {
    const nlohmann::json old = record.value("licences", nlohmann::json::array());
    IndexLicences(ctx, *id, &old, *licences);
    record["licences"] = *licences;
  }
  record["updated_seq"] = ctx.entry.seq;
  ctx.Fail(PutJson(ctx.state, ParticipantKey(*id), record));
}

void ApplyParticipantRevoke(ApplyContext& ctx) {
  std::optional<std::string> id = ctx.String("participant");
  ctx.String("reason");
  if (!id.has_value()) return;
  Result<std::optional<Participant>> p = LoadParticipant(ctx.state, *id);
  if (ctx.Fail(p.status())) return;
  if (!p->has_value()) {
    return ctx.Violate("participant_unknown", "participant \"" + *id + "\" is not registered");
  }
  if ((*p)->revoked) {
    return ctx.Violate("participant_revoked", "participant \"" + *id + "\" is already revoked");
  }
  if (*id == ctx.actor.id) {
    return ctx.Violate("self_revoke", "an authority cannot revoke itself");
  }
  if (!ctx.violations.empty()) return;
  nlohmann::json record = (*p)->record();
  record["revoked"] = true;
  record["revoked_seq"] = ctx.entry.seq;
  Status s = PutJson(ctx.state, ParticipantKey(*id), record);
  ctx.Fail(s);
}

void ApplyKeyAdd(ApplyContext& ctx) {
  std::optional<std::string> id = ctx.String("participant");
  std::optional<std::string> key = ctx.String("key");
  if (!id.has_value() || !key.has_value()) return;
  Result<std::optional<Participant>> p = LoadParticipant(ctx.state, *id);
  if (ctx.Fail(p.status())) return;
  if (!p->has_value()) {
    return ctx.Violate("participant_unknown", "participant \"" + *id + "\" is not registered");
  }
  std::vector<PublicKey> pks = NewKeys(ctx, nlohmann::json::array({*key}));
  if (!ctx.violations.empty()) return;
  nlohmann::json record = (*p)->record();
  record["keys"].push_back(pks[0].Id());
  Status s = ctx.state.Put(KeyKey(pks[0].Id()),
                           EncodeKeyRecord(KeyRecord{*id, pks[0], ctx.entry.seq, std::nullopt}));
  if (s.ok()) s = PutJson(ctx.state, ParticipantKey(*id), record);
  ctx.Fail(s);
}

void ApplyKeyRevoke(ApplyContext& ctx) {
  std::optional<std::string> key_id = ctx.String("key");
  ctx.String("reason");
  if (!key_id.has_value()) return;
  Result<std::optional<KeyRecord>> k = LoadKey(ctx.state, *key_id);
  if (ctx.Fail(k.status())) return;
  if (!k->has_value()) {
    return ctx.Violate("key_unknown", "key " + *key_id + " is not registered");
  }
  KeyRecord rec = **k;
  if (rec.revoked_seq.has_value()) {
    return ctx.Violate("key_revoked", "key " + *key_id + " is already revoked");
  }
  // The authority must never lock itself out: its last working key cannot be revoked.
  Result<std::optional<Participant>> owner = LoadParticipant(ctx.state, rec.participant);
  if (ctx.Fail(owner.status())) return;
  if (owner->has_value() && (*owner)->role == Role::kAuthority) {
    int active = 0;
    static const nlohmann::json kNoKeys = nlohmann::json::array();
    const nlohmann::json& owner_record = (*owner)->record();
    auto owner_keys = owner_record.find("keys");
    for (const auto& kid : owner_keys != owner_record.end() ? *owner_keys : kNoKeys) {
      Result<std::optional<KeyRecord>> other = LoadKey(ctx.state, kid.get<std::string>());
      if (ctx.Fail(other.status())) return;
      if (other->has_value() && !(*other)->revoked_seq.has_value()) ++active;
    }
    if (active <= 1) {
      ctx.Violate("last_authority_key",
                  "key " + *key_id + " is the last working key of authority \"" + rec.participant +
                      "\"; add a new key (key.add) before revoking it");
    }
  }
  if (!ctx.violations.empty()) return;
  rec.revoked_seq = ctx.entry.seq;
  Status s = ctx.state.Put(KeyKey(*key_id), EncodeKeyRecord(rec));
  ctx.Fail(s);
}

}  // namespace vigil::registry
