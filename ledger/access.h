// Who may read what (DESIGN §1, issue 14): the one place that decides which role reads which
// records, alerts and limits. The server's route levels (api/route.h), the entry and trail
// reads, the alert list and the catalogue all ask here; nothing else compares roles to decide
// a read.
//
//   records     authority, police: every entry (entry bundles included);
//               inspector: every entry except police notes;
//               business: the entries that concern it (ParticipantsNamed), except police notes
//               and threshold.set (thresholds are never shown to a business).
//   alerts      authority, police, inspector: every alert;
//               business: the alerts about itself, except the anti-smurfing kinds
//               (AlertHiddenFromSubject), which would tip it off.
//   limits      thresholds and the settings that tune anti-smurfing alerts: authority, police,
//               inspector.
//   personal    personal side data: authority, police. Its access log (who read which):
//               the authority all of it, the police their own reads (ReadsWholeAccessLog).
//   refusals    a refused record's broken rules, as its signer sees them: every rule about
//               the record itself; a rule about another participant's records (Violation::about)
//               only to a role that reads every participant, else one `counterparty_invalid`
//               without their details (SeenBy).
// Pure functions, thread-safe.
#ifndef VIGIL_LEDGER_ACCESS_H_
#define VIGIL_LEDGER_ACCESS_H_

#include <string_view>

#include "ledger/layering.h"
#include "ledger/state/payload.h"
#include "ledger/state/state.h"

namespace vigil::access {

// Whether `role` reads every entry of every type (entry bundles): authority and police.
bool ReadsAllEntries(Role role);
// Whether `role` reads every participant's records (participant lists, any trail, any alert
// filter): authority, police, inspector. What it then sees of each record is MayReadType's.
bool ReadsEveryParticipant(Role role);
// Whether `role` may read personal side data (GET /v1/personal/{seq}): authority and police.
bool ReadsPersonalData(Role role);
// Whether `role` reads every row of the personal-data access log (the authority, which
// oversees the police); other readers of personal data see only their own reads.
bool ReadsWholeAccessLog(Role role);
// Whether `role` may read records of `type` at all, whatever they concern: police notes only
// authority and police; threshold.set not a business; every other type every role.
bool MayReadType(Role role, std::string_view type);
// Whether participant `reader` of `role` may read the entry whose payload is `payload`:
// MayReadType, and for a business, the entry concerns it (ParticipantsNamed).
bool MayReadEntry(Role role, std::string_view reader, const Payload& payload);

// Alert kinds the participant they are about may not read: the anti-smurfing alerts
// (threshold_single, threshold_window, unusual_size, concentration_mismatch,
// outside_buyer_window), whose sight would tell a buyer where the limits lie.
bool AlertHiddenFromSubject(std::string_view kind);
// Whether participant `reader` of `role` may read an alert of `kind` about `subject`.
bool MayReadAlert(Role role, std::string_view reader, std::string_view kind,
                  std::string_view subject);

// `refusal` as participant `reader` of `role` may see it: a kRuleViolation whose violations
// about other participants are replaced, when `role` does not read every participant, by one
// "counterparty_invalid" that says nothing of them. Any other Status is returned as it is.
Status SeenBy(Role role, std::string_view reader, Status refusal);

// Whether `role` may read the limits: thresholds (threshold.set) and LimitSetting settings.
bool MayReadLimits(Role role);
// Settings that tune anti-smurfing alerts (unusual_factor, unusual_min_history): limits.
bool LimitSetting(std::string_view name);

}  // namespace vigil::access

#endif  // VIGIL_LEDGER_ACCESS_H_
