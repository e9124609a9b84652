// Verification of the personal side data (docs/formats.md "Personal data"), the part of
// VerifyStore that follows the state replay. Without the personal key it checks the table's
// shape against the log: every value decodes, belongs to an entry whose payload commits to
// personal data, is a tombstone exactly when an erasure entry erased it, no two records share
// a slot, and every entry that commits to personal data has a value (sealed or tombstone).
// With the personal key and slot file it also opens every sealed record for its own entry (the
// AEAD binding to origin, seq and commitment), re-checks the commitment from the sealed salt
// and data, and checks that every erased record's key is destroyed.
#ifndef VIGIL_LEDGER_VERIFY_PERSONAL_H_
#define VIGIL_LEDGER_VERIFY_PERSONAL_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "keys/result.h"
#include "ledger/layering.h"
#include "ledger/log/db.h"
#include "ledger/personal.h"
#include "ledger/state/state_store.h"

namespace vigil {

struct PersonalCheckCounts {
  uint64_t sealed = 0;  // sealed records in the table
  uint64_t erased = 0;  // tombstones
  uint64_t opened = 0;  // sealed records that opened and matched their commitment (with a vault)
};

// Called with each problem (the entry concerned and what is wrong); returns false to stop.
using PersonalProblemFn = std::function<bool(std::optional<uint64_t> seq, std::string what)>;

// Checks the `personal` table read through `txn` against the log of `size` entries whose
// replayed state is `replayed`, and, when `vault` is not null, opens every record with it for
// the log `origin`. Problems go to `report`; the Status is an error only when the store or
// the slot file cannot be read (kIoError). The first `replicated` entries came from another
// log through a mirror (Log::ReplicatedUntil), which never holds personal data: they may
// commit to personal data the store lacks.
Result<PersonalCheckCounts> VerifyPersonalData(const db::Txn& txn, const std::string& origin,
                                               uint64_t size, const MemoryStateStore& replayed,
                                               const PersonalVault* vault,
                                               const PersonalProblemFn& report,
                                               uint64_t replicated = 0);

}  // namespace vigil

#endif  // VIGIL_LEDGER_VERIFY_PERSONAL_H_
