// Chemical movements (DESIGN §5): the record handlers for chem.* records. Internal to ledger/.
#ifndef VIGIL_LEDGER_STATE_CHEMICALS_H_
#define VIGIL_LEDGER_STATE_CHEMICALS_H_

#include <nlohmann/json.hpp>
#include <string_view>

#include "ledger/layering.h"
#include "ledger/state/state.h"

namespace vigil::chemicals {

void ApplyPurchase(ApplyContext& ctx);   // bought from a party outside the ledger
void ApplySale(ApplyContext& ctx);       // sold to a party outside the ledger
void ApplyDispatch(ApplyContext& ctx);   // sent to a registered participant (control slip)
void ApplyReceipt(ApplyContext& ctx);    // received from a registered participant's dispatch
void ApplyUse(ApplyContext& ctx);        // consumed in production
void ApplyDispose(ApplyContext& ctx);    // destroyed, with a witness cosignature
void ApplyLoss(ApplyContext& ctx);       // lost or stolen
void ApplyStocktake(ApplyContext& ctx);  // a physical count

// Undoes the stock, window and transfer effects of a chem.* record of `type` being voided by
// a correction (authority.cc), with the violations that make a void impossible.
void UndoMovement(ApplyContext& ctx, std::string_view type, const nlohmann::json& effect);

// Alerts that come due with the passage of time (dispatches not received in time, licences
// about to expire), raised by the first entry whose time is past the deadline.
void SweepDeadlines(ApplyContext& ctx);

}  // namespace vigil::chemicals

#endif  // VIGIL_LEDGER_STATE_CHEMICALS_H_
