#include "ledger/access.h"

#include <algorithm>
#include <array>
#include <string>
#include <vector>

namespace vigil::access {

bool ReadsAllEntries(Role role) { return role == Role::kAuthority || role == Role::kPolice; }

bool ReadsEveryParticipant(Role role) { return role != Role::kBusiness; }

Status SeenBy(Role role, std::string_view reader, Status refusal) {
  if (refusal.code() != Code::kRuleViolation || ReadsEveryParticipant(role)) return refusal;
  std::vector<Violation> shown;
  bool hidden = false;
  for (const Violation& v : refusal.details()) {
    if (v.about.empty() || v.about == reader) {
      shown.push_back(v);
    } else if (!hidden) {
      hidden = true;
      shown.push_back({"counterparty_invalid",
                       "another participant this record names cannot take part in it as it "
                       "stands (its registration, licence or role); ask that participant or the "
                       "authority"});
    }
  }
  if (!hidden) return refusal;
  std::string summary =
      shown.size() == 1 ? shown[0].message : std::to_string(shown.size()) + " rules broken";
  return Status(Code::kRuleViolation, std::move(summary), std::move(shown));
}

bool ReadsPersonalData(Role role) { return role == Role::kAuthority || role == Role::kPolice; }

bool ReadsWholeAccessLog(Role role) { return role == Role::kAuthority; }

bool MayReadType(Role role, std::string_view type) {
  if (type == "police.note") return ReadsAllEntries(role);
  if (type == "threshold.set") return MayReadLimits(role);
  return true;
}

bool MayReadEntry(Role role, std::string_view reader, const Payload& payload) {
  if (!MayReadType(role, payload.type)) return false;
  if (ReadsEveryParticipant(role)) return true;
  const std::vector<std::string> named = ParticipantsNamed(payload);
  return std::find(named.begin(), named.end(), reader) != named.end();
}

bool AlertHiddenFromSubject(std::string_view kind) {
  static constexpr std::array<std::string_view, 5> kHidden = {
      "threshold_single", "threshold_window", "unusual_size", "concentration_mismatch",
      "outside_buyer_window"};
  return std::find(kHidden.begin(), kHidden.end(), kind) != kHidden.end();
}

bool MayReadAlert(Role role, std::string_view reader, std::string_view kind,
                  std::string_view subject) {
  if (ReadsEveryParticipant(role)) return true;
  return subject == reader && !AlertHiddenFromSubject(kind);
}

bool MayReadLimits(Role role) { return ReadsEveryParticipant(role); }

bool LimitSetting(std::string_view name) {
  return name == "unusual_factor" || name == "unusual_min_history";
}

}  // namespace vigil::access
