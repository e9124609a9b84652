// The authority's reference-data records (DESIGN §5): catalogue additions, thresholds,
// jurisdiction-wide settings and checklist items; and the records that act on earlier entries:
// corrections (by the original signer), erasure of personal side data (authority), and police
// notes. Internal to ledger/.
#ifndef VIGIL_LEDGER_STATE_AUTHORITY_H_
#define VIGIL_LEDGER_STATE_AUTHORITY_H_

#include "ledger/layering.h"
#include "ledger/state/state.h"

namespace vigil::authority {

void ApplyCatalogAdd(ApplyContext& ctx);
void ApplyThresholdSet(ApplyContext& ctx);
void ApplySettingsSet(ApplyContext& ctx);
void ApplyChecklistAdd(ApplyContext& ctx);
void ApplyCorrection(ApplyContext& ctx);
void ApplyErasure(ApplyContext& ctx);
void ApplyPoliceNote(ApplyContext& ctx);

}  // namespace vigil::authority

#endif  // VIGIL_LEDGER_STATE_AUTHORITY_H_
