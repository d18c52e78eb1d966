// coding: fixed-width little-endian integers and LEB128 varints.
//
// Every on-disk integer in jadekv goes through these functions.
//
//   fixed32   4 bytes, little-endian
//   fixed64   8 bytes, little-endian
//   varint32  1..5 bytes, 7 payload bits per byte, low group first, high bit
//             set on every byte but the last; a 5th byte above 0x0f overflows
//   varint64  1..10 bytes, same scheme; a 10th byte above 0x01 overflows
//   length-prefixed bytes   varint32 length, then that many bytes
//
// Thread safety: pure functions.
//
// Invariants:
//   1. A decoder never reads at or past `limit`, whatever the bytes contain.
//   2. A decoder reports failure (nullptr / false) on truncation and on
//      overflow; it never returns a wrapped value.
//   3. Encoders write exactly varint_length(v) bytes.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace jadekv::inline v0 {

inline constexpr std::size_t k_max_varint32_bytes = 5;
inline constexpr std::size_t k_max_varint64_bytes = 10;

static_assert(std::endian::native == std::endian::little || std::endian::native == std::endian::big,
              "jadekv coding supports little- and big-endian hosts only");

// ---- fixed width ---------------------------------------------------------

inline void encode_fixed32(char* dst, std::uint32_t v) noexcept {
  if constexpr (std::endian::native != std::endian::little) v = __builtin_bswap32(v);
  std::memcpy(dst, &v, sizeof v);
}

inline void encode_fixed64(char* dst, std::uint64_t v) noexcept {
  if constexpr (std::endian::native != std::endian::little) v = __builtin_bswap64(v);
  std::memcpy(dst, &v, sizeof v);
}

// REQUIRES: 4 readable bytes at src.
inline std::uint32_t decode_fixed32(const char* src) noexcept {
  std::uint32_t v;
  std::memcpy(&v, src, sizeof v);
  if constexpr (std::endian::native != std::endian::little) v = __builtin_bswap32(v);
  return v;
}

// REQUIRES: 8 readable bytes at src.
inline std::uint64_t decode_fixed64(const char* src) noexcept {
  std::uint64_t v;
  std::memcpy(&v, src, sizeof v);
  if constexpr (std::endian::native != std::endian::little) v = __builtin_bswap64(v);
  return v;
}

inline void put_fixed32(std::string& dst, std::uint32_t v) {
  char buf[4];
  encode_fixed32(buf, v);
  dst.append(buf, sizeof buf);
}

inline void put_fixed64(std::string& dst, std::uint64_t v) {
  char buf[8];
  encode_fixed64(buf, v);
  dst.append(buf, sizeof buf);
}

// Consumes 4 / 8 bytes from the front of `in`; false when fewer remain.
inline bool get_fixed32(std::string_view& in, std::uint32_t& v) noexcept {
  if (in.size() < 4) return false;
  v = decode_fixed32(in.data());
  in.remove_prefix(4);
  return true;
}

inline bool get_fixed64(std::string_view& in, std::uint64_t& v) noexcept {
  if (in.size() < 8) return false;
  v = decode_fixed64(in.data());
  in.remove_prefix(8);
  return true;
}

// ---- varints -------------------------------------------------------------

// Seven bits a byte, at least one byte (no loop: a B+tree flush sizes
// three varints of every entry it packs).
constexpr int varint_length(std::uint64_t v) noexcept { return static_cast<int>((std::bit_width(v | 1) + 6) / 7); }

// Writes v at dst; returns one past the last byte written.
// REQUIRES: varint_length(v) writable bytes at dst.
inline char* encode_varint64(char* dst, std::uint64_t v) noexcept {
  auto* p = reinterpret_cast<unsigned char*>(dst);
  while (v >= 0x80) {
    *p++ = static_cast<unsigned char>(v | 0x80);
    v >>= 7;
  }
  *p++ = static_cast<unsigned char>(v);
  return reinterpret_cast<char*>(p);
}

inline char* encode_varint32(char* dst, std::uint32_t v) noexcept { return encode_varint64(dst, v); }

inline void put_varint64(std::string& dst, std::uint64_t v) {
  char buf[k_max_varint64_bytes];
  dst.append(buf, static_cast<std::size_t>(encode_varint64(buf, v) - buf));
}

inline void put_varint32(std::string& dst, std::uint32_t v) { put_varint64(dst, v); }

namespace detail {

// Shared decoder: `max_bytes` groups at most, and the last allowed group may
// hold only the bits that still fit in `bits`.
inline const char* decode_varint(const char* p, const char* limit, std::uint64_t& v, std::size_t max_bytes,
                                 unsigned bits) noexcept {
  std::uint64_t out = 0;
  for (std::size_t i = 0; i < max_bytes; ++i) {
    if (p >= limit) return nullptr;  // truncated
    const auto byte = static_cast<unsigned char>(*p++);
    const unsigned shift = static_cast<unsigned>(7 * i);
    const std::uint64_t group = byte & 0x7fu;
    if (i == max_bytes - 1) {
      // The final group must carry no bit past `bits` and no continuation.
      const unsigned room = bits - shift;
      if ((byte & 0x80u) != 0 || (group >> room) != 0) return nullptr;  // overflow
    }
    out |= group << shift;
    if ((byte & 0x80u) == 0) {
      v = out;
      return p;
    }
  }
  return nullptr;  // unreachable: the final group either returned or failed
}

}  // namespace detail

// Decodes a varint in [p, limit); returns one past it, or nullptr on
// truncation or overflow.
inline const char* decode_varint64(const char* p, const char* limit, std::uint64_t& v) noexcept {
  if (p < limit && (static_cast<unsigned char>(*p) & 0x80u) == 0) {  // one-byte fast path
    v = static_cast<unsigned char>(*p);
    return p + 1;
  }
  return detail::decode_varint(p, limit, v, k_max_varint64_bytes, 64);
}

inline const char* decode_varint32(const char* p, const char* limit, std::uint32_t& v) noexcept {
  std::uint64_t wide = 0;
  const char* end = detail::decode_varint(p, limit, wide, k_max_varint32_bytes, 32);
  if (end != nullptr) v = static_cast<std::uint32_t>(wide);
  return end;
}

// Consume a varint from the front of `in`; false (and `in` unchanged) on
// truncation or overflow.
inline bool get_varint64(std::string_view& in, std::uint64_t& v) noexcept {
  const char* end = decode_varint64(in.data(), in.data() + in.size(), v);
  if (end == nullptr) return false;
  in.remove_prefix(static_cast<std::size_t>(end - in.data()));
  return true;
}

inline bool get_varint32(std::string_view& in, std::uint32_t& v) noexcept {
  const char* end = decode_varint32(in.data(), in.data() + in.size(), v);
  if (end == nullptr) return false;
  in.remove_prefix(static_cast<std::size_t>(end - in.data()));
  return true;
}

// ---- length-prefixed bytes ----------------------------------------------

inline void put_length_prefixed(std::string& dst, std::string_view bytes) {
  put_varint32(dst, static_cast<std::uint32_t>(bytes.size()));
  dst.append(bytes);
}

// Consumes a length-prefixed byte string; `out` views into `in`'s storage.
// False (and `in` unchanged) when the length or the bytes are truncated.
inline bool get_length_prefixed(std::string_view& in, std::string_view& out) noexcept {
  std::string_view rest = in;
  std::uint32_t n = 0;
  if (!get_varint32(rest, n) || rest.size() < n) return false;
  out = rest.substr(0, n);
  rest.remove_prefix(n);
  in = rest;
  return true;
}

}  // namespace jadekv::inline v0
