// Compiled as part of the log core (VIGIL_LOG_CORE) by the ctest `layering`, which passes only
// if this include stops the build with ledger/layering.h's message.
#include "ledger/state/state.h"
