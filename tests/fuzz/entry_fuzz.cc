// Fuzz harness: stored entry bytes (ledger/entry.h DecodeEntry), which the verifier and the
// server read back from the store and which an insider may have edited. Property: DecodeEntry
// accepts only what EncodeEntry writes, so an accepted input re-encodes to the same bytes.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "ledger/log/entry.h"
#include "ledger/state/payload.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  vigil::Result<vigil::Entry> e = vigil::DecodeEntry(bytes);
  if (!e.ok()) {
    FUZZ_CHECK(e.status().code() == vigil::Code::kCorruption);
    return 0;
  }
  FUZZ_CHECK(vigil::EncodeEntry(*e) == bytes);
  FUZZ_CHECK(e->sig.size() == 64);
  FUZZ_CHECK(size <= vigil::Entry::kMaxSize);
  // The payload of an accepted entry goes on to ParsePayload in the verifier: it must not crash.
  (void)vigil::ParsePayload(e->payload);
  return 0;
}
