#include "keys/coding.h"

#include <cassert>

namespace vigil {

namespace {

template <typename T>
void PutBigEndian(std::string& out, T v) {
  for (int shift = 8 * (sizeof(T) - 1); shift >= 0; shift -= 8) {
    out.push_back(static_cast<char>((v >> shift) & 0xff));
  }
}

template <typename T>
T DecodeBigEndian(std::string_view bytes) {
  assert(bytes.size() == sizeof(T));
  T v = 0;
  for (char c : bytes) v = static_cast<T>((v << 8) | static_cast<uint8_t>(c));
  return v;
}

}  // namespace

void PutBigEndian16(std::string& out, uint16_t v) { PutBigEndian(out, v); }
void PutBigEndian32(std::string& out, uint32_t v) { PutBigEndian(out, v); }
void PutBigEndian64(std::string& out, uint64_t v) { PutBigEndian(out, v); }

std::string EncodeBigEndian64(uint64_t v) {
  std::string out;
  out.reserve(8);
  PutBigEndian64(out, v);
  return out;
}

uint16_t DecodeBigEndian16(std::string_view bytes) { return DecodeBigEndian<uint16_t>(bytes); }
uint32_t DecodeBigEndian32(std::string_view bytes) { return DecodeBigEndian<uint32_t>(bytes); }
uint64_t DecodeBigEndian64(std::string_view bytes) { return DecodeBigEndian<uint64_t>(bytes); }

void PutVarint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

void PutSigned(std::string& out, int64_t v) {
  PutVarint(out, (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63));
}

void PutString(std::string& out, std::string_view s) {
  PutVarint(out, s.size());
  out.append(s);
}

bool GetVarint(std::string_view& in, uint64_t* v) {
  uint64_t r = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (in.empty()) return false;
    const uint8_t b = static_cast<uint8_t>(in[0]);
    in.remove_prefix(1);
    r |= static_cast<uint64_t>(b & 0x7f) << shift;
    if ((b & 0x80) == 0) {
      *v = r;
      return true;
    }
  }
  return false;
}

bool GetSigned(std::string_view& in, int64_t* v) {
  uint64_t u = 0;
  if (!GetVarint(in, &u)) return false;
  *v = static_cast<int64_t>((u >> 1) ^ (~(u & 1) + 1));
  return true;
}

bool GetString(std::string_view& in, std::string* s) {
  uint64_t n = 0;
  if (!GetVarint(in, &n) || n > in.size()) return false;
  s->assign(in.substr(0, n));
  in.remove_prefix(n);
  return true;
}

}  // namespace vigil
