// Participants and their keys (DESIGN §1, §5): the record handlers of the registry. Internal to
// ledger/; the state machine's table (state.cc) refers to these.
//
// State records (keys built and parsed by state_keys.h):
//   "participant/<id>"  JSON: the registration fields plus "revoked" and "registered_seq"
//   "key/<key id>"      binary (read for every entry): public key (32 bytes), varint
//                       added_seq, 1 byte revoked (0/1) [then varint revoked_seq], then the
//                       participant id (the rest of the value)
//   "genesis"           "1" once the first authority registered itself (entry 0)
//   "taxcode/<code>"    the participant registered with that tax code (a branch's 10+3 code
//                       is its own registration); kept when the participant is revoked, so an
//                       enterprise is registered once
//
// Identifying text (ids, names, tax codes, licence numbers, provinces, communes, venue ids
// and names) is checked at intake by identity.h's rules and refused (not_nfc,
// bad_participant_id, bad_tax_code, tax_code_exists, bad_licence_number), never rewritten.
#ifndef VIGIL_LEDGER_STATE_REGISTRY_H_
#define VIGIL_LEDGER_STATE_REGISTRY_H_

#include <optional>
#include <string>
#include <string_view>

#include "ledger/layering.h"
#include "ledger/state/state.h"

namespace vigil::registry {

void ApplyParticipantRegister(ApplyContext& ctx);
void ApplyParticipantUpdate(ApplyContext& ctx);
void ApplyParticipantRevoke(ApplyContext& ctx);
void ApplyKeyAdd(ApplyContext& ctx);
void ApplyKeyRevoke(ApplyContext& ctx);

// The participant registered with exactly `tax_code` (one lookup of "taxcode/<code>"), or
// nullopt, also for text that is not a valid tax code. For "is this enterprise a registered
// participant", ask with identity::EnterpriseOf(code) for the parent and with the code itself
// for a branch.
Result<std::optional<std::string>> ParticipantByTaxCode(const StateStore& state,
                                                        std::string_view tax_code);
// A participant registered as enterprise `tax_code` or any branch of it (the parent or a
// branch of the same 10-digit enterprise): one short scan of "taxcode/<enterprise>"; nullopt
// for text that is not a valid tax code.
Result<std::optional<std::string>> ParticipantOfEnterprise(const StateStore& state,
                                                           std::string_view tax_code);

// For entry 0 only: the signing key and actor of a self-registering first authority, if the
// state is empty and `payload` is such a registration signed by one of its own keys.
Result<std::optional<std::pair<KeyRecord, Participant>>> GenesisSigner(const StateStore& state,
                                                                       const Entry& entry,
                                                                       const Payload& payload);

}  // namespace vigil::registry

#endif  // VIGIL_LEDGER_STATE_REGISTRY_H_
