// Byte coding of integers and strings, the one implementation every stored and published
// format uses (after leveldb's util/coding.h):
//   - big-endian fixed-width integers (16, 32 and 64 bits): LMDB table keys, seqs and times
//     inside state keys (they sort numerically), tile entry-bundle length prefixes, the key
//     hash of a signed note;
//   - LEB128 varints (7 bits a byte, low group first, high bit = more); signed integers are
//     zigzag-encoded first ((v << 1) ^ (v >> 63)); a string is its varint length then its bytes
//     (the compact state records of docs/formats.md §15).
// All functions are pure and thread-safe. The Put* functions append to `out`; the Get*
// functions read from the front of `in` and advance it past what they read, and return false
// (leaving `*v` and `in` unspecified) if `in` is too short or malformed.
#ifndef VIGIL_KEYS_CODING_H_
#define VIGIL_KEYS_CODING_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace vigil {

// ---- big-endian fixed width ----

void PutBigEndian16(std::string& out, uint16_t v);
void PutBigEndian32(std::string& out, uint32_t v);
void PutBigEndian64(std::string& out, uint64_t v);
// The 8 bytes of `v`, most significant first: the key encoding of every LMDB table.
std::string EncodeBigEndian64(uint64_t v);

// Preconditions (asserted): bytes.size() is exactly 2, 4 or 8.
uint16_t DecodeBigEndian16(std::string_view bytes);
uint32_t DecodeBigEndian32(std::string_view bytes);
uint64_t DecodeBigEndian64(std::string_view bytes);

// ---- varints and length-prefixed strings ----

void PutVarint(std::string& out, uint64_t v);
void PutSigned(std::string& out, int64_t v);           // zigzag, then a varint
void PutString(std::string& out, std::string_view s);  // varint length ‖ bytes
bool GetVarint(std::string_view& in, uint64_t* v);     // false past 10 bytes (more than 64 bits)
bool GetSigned(std::string_view& in, int64_t* v);
bool GetString(std::string_view& in, std::string* s);

}  // namespace vigil

#endif  // VIGIL_KEYS_CODING_H_
