// C2SP tlog-tiles paths (DESIGN §4.4): hash tiles of height 8 and entry bundles.
// Pure and thread-safe; reading tile contents is Log::ReadTile's job.
#ifndef VIGIL_LEDGER_LOG_TILE_H_
#define VIGIL_LEDGER_LOG_TILE_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "keys/result.h"

namespace vigil {

struct TileRef {
  static constexpr int kHeight = 8;
  static constexpr uint32_t kWidth = 256;  // hashes (or entries) in a full tile
  static constexpr int kEntries = -1;      // `level` of an entry bundle

  int level = 0;            // hash-tile level (tree level 8 * level), or kEntries
  uint64_t index = 0;       // tile index N
  uint32_t width = kWidth;  // 1..256; < 256 is a partial tile
  bool full() const { return width == kWidth; }
  bool operator==(const TileRef&) const = default;
};

// "x001/x234/067" for 1234067 (C2SP tlog-tiles path element encoding).
std::string EncodeTileIndex(uint64_t index);

// Parses the part of a URL after "/tile/": "<L>/<N>[.p/<W>]" or "entries/<N>[.p/<W>]".
// Strict: non-canonical index encodings, W of 0 or 256 and above, L above 63, and anything else
// (dots, empty elements, "..") are kInvalidArgument.
Result<TileRef> ParseTilePath(std::string_view path);

// The path after "/tile/" for `t`.
std::string TilePath(const TileRef& t);

}  // namespace vigil

#endif  // VIGIL_LEDGER_LOG_TILE_H_
