#include "ledger/log/entry.h"

#include <charconv>
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>

namespace vigil {

namespace {

// The length of the well-formed UTF-8 sequence (RFC 3629) at s[i], or 0.
size_t Utf8Length(std::string_view s, size_t i) {
  auto at = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  auto cont = [&](size_t k, unsigned lo = 0x80, unsigned hi = 0xBF) {
    return k < s.size() && at(k) >= lo && at(k) <= hi;
  };
  const unsigned c = at(i);
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) return cont(i + 1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    const unsigned lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
    return cont(i + 1, lo, hi) && cont(i + 2) ? 3 : 0;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    const unsigned lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
    return cont(i + 1, lo, hi) && cont(i + 2) && cont(i + 3) ? 4 : 0;
  }
  return 0;
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

bool Digits(std::string_view s, size_t pos, size_t n, int& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

unsigned DaysInMonth(int y, int m) {
  static const unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : kDays[m - 1];
}

Result<int64_t> ParseDatePart(std::string_view t, std::string_view what) {
  int y, mo, d;
  if (t.size() < 10 || !Digits(t, 0, 4, y) || t[4] != '-' || !Digits(t, 5, 2, mo) || t[7] != '-' ||
      !Digits(t, 8, 2, d) || mo < 1 || mo > 12 || d < 1 ||
      static_cast<unsigned>(d) > DaysInMonth(y, mo)) {
    return Status(Code::kInvalidArgument, std::string(what) + " \"" + std::string(t.substr(0, 40)) +
                                              "\" is not a valid date (expected YYYY-MM-DD)");
  }
  return DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * 86400000;
}

Status Corrupt(std::string_view why) {
  return Status(Code::kCorruption, "entry is not in canonical form: " + std::string(why));
}

}  // namespace

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string FormatTimestamp(int64_t ms) {
  int64_t days = ms >= 0 ? ms / 86400000 : (ms - 86399999) / 86400000;
  int64_t rem = ms - days * 86400000;
  // civil_from_days
  int64_t z = days + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02d:%02d:%02d.%03dZ", static_cast<long long>(y),
                m, d, static_cast<int>(rem / 3600000), static_cast<int>(rem / 60000 % 60),
                static_cast<int>(rem / 1000 % 60), static_cast<int>(rem % 1000));
  return buf;
}

Result<int64_t> ParseDate(std::string_view text) {
  if (text.size() != 10) {
    return Status(Code::kInvalidArgument, "\"" + std::string(text.substr(0, 40)) +
                                              "\" is not a valid date (expected YYYY-MM-DD)");
  }
  return ParseDatePart(text, "date");
}

Result<int64_t> ParseTimestamp(std::string_view t) {
  Status bad(Code::kInvalidArgument,
             "\"" + std::string(t.substr(0, 40)) +
                 "\" is not an RFC 3339 time (expected e.g. 2026-11-28T15:04:05+07:00)");
  Result<int64_t> day = ParseDatePart(t, "time");
  if (!day.ok()) return bad;
  int h, mi, s;
  if (t.size() < 20 || (t[10] != 'T' && t[10] != 't') || !Digits(t, 11, 2, h) || t[13] != ':' ||
      !Digits(t, 14, 2, mi) || t[16] != ':' || !Digits(t, 17, 2, s) || h > 23 || mi > 59 ||
      s > 60) {
    return bad;
  }
  size_t pos = 19;
  int64_t ms = 0;
  if (pos < t.size() && t[pos] == '.') {
    size_t start = ++pos;
    int scale = 100;
    while (pos < t.size() && t[pos] >= '0' && t[pos] <= '9') {
      ms += (t[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == start) return bad;
  }
  int64_t offset_min = 0;
  if (pos < t.size() && (t[pos] == 'Z' || t[pos] == 'z')) {
    ++pos;
  } else if (pos < t.size() && (t[pos] == '+' || t[pos] == '-')) {
    int oh, om;
    if (!Digits(t, pos + 1, 2, oh) || pos + 3 >= t.size() || t[pos + 3] != ':' ||
        !Digits(t, pos + 4, 2, om) || oh > 23 || om > 59) {
      return bad;
    }
    offset_min = (oh * 60 + om) * (t[pos] == '-' ? -1 : 1);
    pos += 6;
  } else {
    return bad;
  }
  if (pos != t.size()) return bad;
  return *day + ((h * 60 + mi - offset_min) * 60 + std::min(s, 59)) * int64_t{1000} + ms;
}

void AppendJsonString(std::string* out, std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    const size_t n = Utf8Length(s, i);
    if (n == 0) {
      *out += nlohmann::json(std::string(s)).dump();  // throws, naming the byte
      return;
    }
    i += n;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  out->reserve(out->size() + s.size() + 2);
  *out += '"';
  size_t plain = 0;  // s[plain, i) is copied as is
  for (size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out->append(s, plain, i - plain);
    plain = i + 1;
    switch (c) {
      case '"':
        *out += "\\\"";
        break;
      case '\\':
        *out += "\\\\";
        break;
      case '\b':
        *out += "\\b";
        break;
      case '\t':
        *out += "\\t";
        break;
      case '\n':
        *out += "\\n";
        break;
      case '\f':
        *out += "\\f";
        break;
      case '\r':
        *out += "\\r";
        break;
      default:
        *out += "\\u00";
        *out += kHex[c >> 4];
        *out += kHex[c & 15];
    }
  }
  out->append(s, plain);
  *out += '"';
}

std::string EncodeEntry(const Entry& e) {
  std::string out;
  out.reserve(e.payload.size() + 256);
  out += "{\"v\":1,\"seq\":";
  out += std::to_string(e.seq);
  out += ",\"ts\":\"" + FormatTimestamp(e.ts_ms) + "\"";
  out += ",\"prev\":\"" + Base64(e.prev) + "\"";
  out += ",\"signer\":";
  AppendJsonString(&out, e.signer);
  out += ",\"payload\":";
  AppendJsonString(&out, e.payload);
  out += ",\"sig\":\"" + Base64Encode(e.sig) + "\"";
  if (!e.cosigners.empty()) {
    out += ",\"cosigners\":[";
    for (size_t i = 0; i < e.cosigners.size(); ++i) {
      if (i > 0) out += ',';
      out += "{\"signer\":";
      AppendJsonString(&out, e.cosigners[i].signer);
      out += ",\"sig\":\"" + Base64Encode(e.cosigners[i].sig) + "\"}";
    }
    out += ']';
  }
  out += '}';
  return out;
}

namespace {

// Reads the layout EncodeEntry writes, front to back, without a JSON tree. What it accepts is
// encoded again and compared with the bytes, so it need not refuse every other spelling itself;
// it must only never read a field wrongly.
class CanonicalReader {
 public:
  explicit CanonicalReader(std::string_view in) : in_(in) {}
  bool done() const { return in_.empty(); }
  bool Literal(std::string_view s) {
    if (!in_.starts_with(s)) return false;
    in_.remove_prefix(s.size());
    return true;
  }
  bool Uint(uint64_t* v) {
    auto [end, ec] = std::from_chars(in_.data(), in_.data() + in_.size(), *v);
    if (ec != std::errc() || end == in_.data()) return false;
    in_.remove_prefix(static_cast<size_t>(end - in_.data()));
    return true;
  }
  // A string with no escapes (a time, base64), without its quotes.
  bool Plain(std::string_view* out) {
    if (!Literal("\"")) return false;
    const size_t close = in_.find_first_of("\"\\");
    if (close == std::string_view::npos || in_[close] != '"') return false;
    *out = in_.substr(0, close);
    in_.remove_prefix(close + 1);
    return true;
  }
  // A JSON string with the escapes AppendJsonString writes, unescaped.
  bool String(std::string* out) {
    if (!Literal("\"")) return false;
    out->clear();
    for (;;) {
      const size_t stop = in_.find_first_of("\"\\");
      if (stop == std::string_view::npos) return false;
      out->append(in_.substr(0, stop));
      const char c = in_[stop];
      in_.remove_prefix(stop + 1);
      if (c == '"') return true;
      if (in_.empty()) return false;
      const char esc = in_[0];
      in_.remove_prefix(1);
      switch (esc) {
        case '"':
          *out += '"';
          break;
        case '\\':
          *out += '\\';
          break;
        case 'b':
          *out += '\b';
          break;
        case 't':
          *out += '\t';
          break;
        case 'n':
          *out += '\n';
          break;
        case 'f':
          *out += '\f';
          break;
        case 'r':
          *out += '\r';
          break;
        case 'u': {
          // Only control characters are written as \u00xx.
          unsigned v = 0;
          if (in_.size() < 4 || !in_.starts_with("00")) return false;
          auto [end, ec] = std::from_chars(in_.data() + 2, in_.data() + 4, v, 16);
          if (ec != std::errc() || end != in_.data() + 4 || v >= 0x20) return false;
          *out += static_cast<char>(v);
          in_.remove_prefix(4);
          break;
        }
        default:
          return false;
      }
    }
  }

 private:
  std::string_view in_;
};

}  // namespace

Result<Entry> DecodeEntry(std::string_view bytes) {
  if (bytes.size() > Entry::kMaxSize) return Corrupt("longer than 65535 bytes");
  CanonicalReader r(bytes);
  Entry e;
  std::string_view ts, prev, sig;
  if (!r.Literal("{\"v\":")) return Corrupt("not an entry object");
  if (!r.Literal("1,\"seq\":")) return Corrupt("unknown version");
  if (!r.Uint(&e.seq) || !r.Literal(",\"ts\":") || !r.Plain(&ts) || !r.Literal(",\"prev\":") ||
      !r.Plain(&prev) || !r.Literal(",\"signer\":") || !r.String(&e.signer) ||
      !r.Literal(",\"payload\":") || !r.String(&e.payload) || !r.Literal(",\"sig\":") ||
      !r.Plain(&sig)) {
    return Corrupt("missing or mistyped field");
  }
  Result<int64_t> time = ParseTimestamp(ts);
  if (!time.ok()) return Corrupt("bad ts");
  e.ts_ms = *time;
  Result<Hash> prev_hash = HashFromBase64(prev);
  if (!prev_hash.ok()) return Corrupt("bad prev");
  e.prev = *prev_hash;
  Result<Bytes> sig_bytes = Base64Decode(sig);
  if (!sig_bytes.ok() || sig_bytes->size() != 64) return Corrupt("bad sig");  // Ed25519
  e.sig = std::move(*sig_bytes);
  if (r.Literal(",\"cosigners\":[")) {
    do {
      Cosignature c;
      std::string_view csig;
      if (!r.Literal("{\"signer\":") || !r.String(&c.signer) || !r.Literal(",\"sig\":") ||
          !r.Plain(&csig) || !r.Literal("}")) {
        return Corrupt("missing or mistyped field");
      }
      Result<Bytes> csig_bytes = Base64Decode(csig);
      if (!csig_bytes.ok() || csig_bytes->size() != 64) return Corrupt("bad cosigner sig");
      c.sig = std::move(*csig_bytes);
      e.cosigners.push_back(std::move(c));
    } while (r.Literal(","));
    if (!r.Literal("]")) return Corrupt("missing or mistyped field");
  }
  if (!r.Literal("}") || !r.done()) return Corrupt("bytes after the entry");
  try {
    if (EncodeEntry(e) != bytes) return Corrupt("bytes differ from the canonical encoding");
  } catch (const nlohmann::json::exception&) {
    return Corrupt("a string is not valid UTF-8");
  }
  return e;
}

}  // namespace vigil
