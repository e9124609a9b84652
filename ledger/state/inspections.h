// Inspections (DESIGN §5): venue inspections (karaoke, bars, dance halls) against the venue
// checklist, stock inspections at chemical businesses against the stock checklist, and the
// inspected business's countersignature or objection. Internal to ledger/.
#ifndef VIGIL_LEDGER_STATE_INSPECTIONS_H_
#define VIGIL_LEDGER_STATE_INSPECTIONS_H_

#include "ledger/layering.h"
#include "ledger/state/state.h"

namespace vigil::inspections {

void ApplyVenueInspection(ApplyContext& ctx);
void ApplyStockInspection(ApplyContext& ctx);
void ApplyAck(ApplyContext& ctx);

}  // namespace vigil::inspections

#endif  // VIGIL_LEDGER_STATE_INSPECTIONS_H_
