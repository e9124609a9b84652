#include "ledger/log/tile.h"

#include <vector>

namespace vigil {

namespace {

Status BadPath(std::string_view why) {
  return Status(Code::kInvalidArgument, "bad tile path: " + std::string(why));
}

bool ParseDecimal(std::string_view s, uint64_t max, uint64_t& out) {
  if (s.empty() || s.size() > 20) return false;
  out = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    uint64_t d = static_cast<uint64_t>(c - '0');
    if (out > (max - d) / 10) return false;
    out = out * 10 + d;
  }
  return out <= max;
}

}  // namespace

std::string EncodeTileIndex(uint64_t index) {
  std::string s = std::to_string(index % 1000);
  s.insert(0, 3 - s.size(), '0');
  index /= 1000;
  while (index > 0) {
    std::string part = std::to_string(index % 1000);
    part.insert(0, 3 - part.size(), '0');
    s = "x" + part + "/" + s;
    index /= 1000;
  }
  return s;
}

std::string TilePath(const TileRef& t) {
  std::string p = t.level == TileRef::kEntries ? "entries/" : std::to_string(t.level) + "/";
  p += EncodeTileIndex(t.index);
  if (!t.full()) p += ".p/" + std::to_string(t.width);
  return p;
}

Result<TileRef> ParseTilePath(std::string_view path) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    size_t slash = path.find('/', start);
    parts.push_back(path.substr(start, slash == std::string_view::npos ? slash : slash - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  if (parts.size() < 2) return BadPath("expected <level>/<index>");
  TileRef t;
  if (parts[0] == "entries") {
    t.level = TileRef::kEntries;
  } else {
    uint64_t level;
    if (!ParseDecimal(parts[0], 63, level) || (parts[0].size() > 1 && parts[0][0] == '0')) {
      return BadPath("level must be a number from 0 to 63");
    }
    t.level = static_cast<int>(level);
  }
  // Optional ".p/<W>": the element before the width ends in ".p".
  size_t n_end = parts.size();
  if (parts.size() >= 3 && parts[parts.size() - 2].size() > 2 &&
      parts[parts.size() - 2].substr(parts[parts.size() - 2].size() - 2) == ".p") {
    uint64_t w;
    std::string_view ws = parts.back();
    if (!ParseDecimal(ws, TileRef::kWidth - 1, w) || w == 0 || (ws.size() > 1 && ws[0] == '0')) {
      return BadPath("partial width must be 1 to 255");
    }
    t.width = static_cast<uint32_t>(w);
    parts[parts.size() - 2].remove_suffix(2);
    n_end = parts.size() - 1;
  }
  // Index elements: all but the last are "xNNN", the last is "NNN".
  uint64_t index = 0;
  for (size_t i = 1; i < n_end; ++i) {
    std::string_view e = parts[i];
    bool last = i + 1 == n_end;
    if (!last) {
      if (e.size() != 4 || e[0] != 'x') return BadPath("index elements are x000 to x999");
      e.remove_prefix(1);
    } else if (e.size() != 3) {
      return BadPath("the last index element has three digits");
    }
    uint64_t v;
    if (!ParseDecimal(e, 999, v)) return BadPath("index elements are decimal digits");
    if (index > (UINT64_MAX - v) / 1000) return BadPath("index too large");
    index = index * 1000 + v;
  }
  t.index = index;
  // Leading zero elements ("x000/...") and every other non-canonical spelling are refused:
  // one tile has exactly one path, so caches never hold two copies.
  if (TilePath(t) != path) return BadPath("not in canonical form");
  return t;
}

}  // namespace vigil
