// Included by every header of the state machine (ledger/state/) and of the layer that joins
// it to the log (ledger/*.h). The log core (ledger/log/) is compiled with VIGIL_LOG_CORE, so
// an include from it upwards stops the build here (DESIGN §2: the log knows nothing of what
// an entry means). tests/layering checks that it does.
#ifndef VIGIL_LEDGER_LAYERING_H_
#define VIGIL_LEDGER_LAYERING_H_

#ifdef VIGIL_LOG_CORE
#error "ledger/log/ must not include the state machine or the layer above it (DESIGN section 2)"
#endif

#endif  // VIGIL_LEDGER_LAYERING_H_
