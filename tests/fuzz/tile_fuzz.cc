// Fuzz harness: C2SP tile paths (ledger/tile.h ParseTilePath), the part of a URL after "/tile/"
// that anyone may send. Property: the parser is strict, so whatever it accepts is the canonical
// path of what it returns (TilePath round trip), with L in 0..63 or entries, W in 1..256.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "ledger/log/tile.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view path(reinterpret_cast<const char*>(data), size);
  vigil::Result<vigil::TileRef> t = vigil::ParseTilePath(path);
  if (!t.ok()) {
    FUZZ_CHECK(t.status().code() == vigil::Code::kInvalidArgument);
    return 0;
  }
  FUZZ_CHECK(vigil::TilePath(*t) == path);
  FUZZ_CHECK(t->level == vigil::TileRef::kEntries || (t->level >= 0 && t->level <= 63));
  FUZZ_CHECK(t->width >= 1 && t->width <= vigil::TileRef::kWidth);
  return 0;
}
