// A 7-byte reference from a memtable entry to its value record elsewhere in
// the same memtable, for structures that keep values apart from the nodes a
// search walks (memtable::skiplist).
//
//   reference (7 bytes, at `at`):  | d = record - at, two's complement, low 56 bits, LE |
//   value record (anywhere, no alignment): an inline value part of
//   detail/entry.hpp (encode_value_part, decode_value_part)
//
// Self-relative so that it fits in 7 bytes wherever both ends lie within
// 2^55 bytes of each other, whatever the pointer's top byte holds (tagged
// pointers: HWASan, MTE). encode_value_ref refuses two addresses too far
// apart; the caller then places the record right after the reference,
// in the same allocation, where it always fits.
//
// Thread safety: pure functions over immutable bytes.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "jadekv/memtable/detail/entry.hpp"

namespace jadekv::inline v0::memtable::detail {

inline constexpr std::size_t k_value_ref_size = 7;

// Writes at `at` a reference to `record` and returns true, or writes nothing
// and returns false when the two lie too far apart.
inline bool encode_value_ref(char* at, const char* record) noexcept {
  const std::uint64_t d = reinterpret_cast<std::uintptr_t>(record) - reinterpret_cast<std::uintptr_t>(at);
  const std::uint64_t high = d >> 55;  // bits the reference drops, and its sign bit
  if (high != 0 && high != (std::uint64_t{1} << 9) - 1) return false;
  for (std::size_t i = 0; i < k_value_ref_size; ++i) at[i] = static_cast<char>(d >> (8 * i));
  return true;
}

// The record a reference written by encode_value_ref points to.
inline const char* value_record(const char* at) noexcept {
  std::uint64_t d = 0;
  std::memcpy(&d, at, k_value_ref_size);  // the low 7 bytes on little-endian machines
  if constexpr (std::endian::native == std::endian::big) d = __builtin_bswap64(d);
  d = static_cast<std::uint64_t>(static_cast<std::int64_t>(d << 8) >> 8);  // sign-extend bit 55
  // Integer arithmetic: the record is another allocation than `at`'s.
  return reinterpret_cast<const char*>(reinterpret_cast<std::uintptr_t>(at) + d);
}

// The value policy (detail/entry.hpp) of entries whose value part is a
// reference.
struct values_apart {
  static std::string_view value(const char* e) noexcept { return decode_value_part(value_record(value_part(e))); }
};

}  // namespace jadekv::inline v0::memtable::detail
