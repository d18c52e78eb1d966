// crc32c: the Castagnoli CRC (polynomial 0x1EDC6F41, reflected 0x82F63B78),
// as used by iSCSI (RFC 3720) and by every jadekv record, block and page.
//
// Two implementations that agree on every input:
//   - portable: slicing-by-8 over tables computed at compile time;
//   - hardware: the SSE4.2 crc32 instruction, chosen at run time when the CPU
//     has it (x86 only; elsewhere the portable path is used). The instruction
//     has a latency of 3 cycles but issues every cycle, so long inputs are
//     cut into rounds of three strides checksummed side by side, and the
//     three registers joined by shifting (see k_stride below).
//
// Masking: a CRC stored next to data that is itself CRC'd (a record holding a
// block that holds a CRC) makes the outer CRC weak. Stored CRCs are therefore
// masked: rotate right by 15 bits and add a constant (the scheme LevelDB uses).
//
// Thread safety: pure functions; the one-time CPU probe is a function-local
// static, initialised once under the language's thread-safe init rules.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "jadekv/core/coding.hpp"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#include <nmmintrin.h>
#define JADEKV_CRC32C_X86 1
#endif

namespace jadekv::inline v0::crc32c {

inline constexpr std::uint32_t k_polynomial = 0x82F63B78u;  // reflected 0x1EDC6F41
inline constexpr std::uint32_t k_mask_delta = 0xa282ead8u;

namespace detail {

// tables[k][b]: CRC contribution of byte b followed by k zero bytes.
// Built at run time, once, on the portable path's first use: as a constexpr
// table it cost every translation unit that includes this header a fifth of a
// second of constant evaluation.
inline std::array<std::array<std::uint32_t, 256>, 8> make_tables() noexcept {
  std::array<std::array<std::uint32_t, 256>, 8> t{};
  for (std::uint32_t b = 0; b < 256; ++b) {
    std::uint32_t c = b;
    for (int i = 0; i < 8; ++i) c = (c >> 1) ^ ((c & 1u) ? k_polynomial : 0u);
    t[0][b] = c;
  }
  for (std::size_t k = 1; k < 8; ++k)
    for (std::size_t b = 0; b < 256; ++b) t[k][b] = (t[k - 1][b] >> 8) ^ t[0][t[k - 1][b] & 0xffu];
  return t;
}

inline const std::array<std::array<std::uint32_t, 256>, 8>& tables() noexcept {
  static const auto t = make_tables();
  return t;
}

// The CRC register is linear in what it has read: after A then B it holds
// shift(register after A, |B|) ^ (register after B alone, from 0), where
// shift(c, n) is c times x^(8n) modulo the polynomial, what c becomes after
// n zero bytes. The hardware path joins three strides so.
inline constexpr std::size_t k_stride = 256;

inline std::uint32_t shift_by_zeros(std::uint32_t c, std::size_t n) noexcept {
  const auto& t = tables();
  for (; n > 0; --n) c = (c >> 8) ^ t[0][c & 0xffu];
  return c;
}

// shift_tables[k][b] = shift_by_zeros(b << 8k, k_stride): shift, being
// linear, is the xor of the four bytes' entries. Built at run time once, as
// tables() is.
inline std::array<std::array<std::uint32_t, 256>, 4> make_shift_tables() noexcept {
  std::array<std::uint32_t, 32> bit{};
  for (std::size_t i = 0; i < 32; ++i) bit[i] = shift_by_zeros(std::uint32_t{1} << i, k_stride);
  std::array<std::array<std::uint32_t, 256>, 4> t{};
  for (std::size_t k = 0; k < 4; ++k)
    for (std::size_t b = 0; b < 256; ++b)
      for (std::size_t j = 0; j < 8; ++j)
        if ((b >> j) & 1u) t[k][b] ^= bit[8 * k + j];
  return t;
}

inline const std::array<std::array<std::uint32_t, 256>, 4>& shift_tables() noexcept {
  static const auto t = make_shift_tables();
  return t;
}

inline std::uint32_t shift_stride(std::uint32_t c) noexcept {
  const auto& t = shift_tables();
  return t[0][c & 0xffu] ^ t[1][(c >> 8) & 0xffu] ^ t[2][(c >> 16) & 0xffu] ^ t[3][c >> 24];
}

}  // namespace detail

// Portable CRC32C of data[0, n) continuing from `crc` (the CRC of what came before).
inline std::uint32_t extend_portable(std::uint32_t crc, const char* data, std::size_t n) noexcept {
  const auto& t = detail::tables();
  auto* p = reinterpret_cast<const unsigned char*>(data);
  std::uint32_t c = ~crc;
  for (; n >= 8; n -= 8, p += 8) {
    const std::uint32_t lo = c ^ decode_fixed32(reinterpret_cast<const char*>(p));
    const std::uint32_t hi = decode_fixed32(reinterpret_cast<const char*>(p + 4));
    c = t[7][lo & 0xffu] ^ t[6][(lo >> 8) & 0xffu] ^ t[5][(lo >> 16) & 0xffu] ^ t[4][lo >> 24] ^
        t[3][hi & 0xffu] ^ t[2][(hi >> 8) & 0xffu] ^ t[1][(hi >> 16) & 0xffu] ^ t[0][hi >> 24];
  }
  for (; n > 0; --n, ++p) c = (c >> 8) ^ t[0][(c ^ *p) & 0xffu];
  return ~c;
}

// True when the hardware path is usable on this CPU.
inline bool hardware_available() noexcept {
#if defined(JADEKV_CRC32C_X86)
  // CPUID leaf 1, ECX bit 20. Asked directly: __builtin_cpu_supports links
  // libgcc's CPU model tables and detection, 4.5 KB in every program.
  static const bool available = [] {
    unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
    return __get_cpuid(1, &eax, &ebx, &ecx, &edx) != 0 && (ecx & bit_SSE4_2) != 0;
  }();
  return available;
#else
  return false;
#endif
}

#if defined(JADEKV_CRC32C_X86)
// SSE4.2 CRC32C. REQUIRES: hardware_available().
[[gnu::target("sse4.2")]] inline std::uint32_t extend_hardware(std::uint32_t crc, const char* data,
                                                                std::size_t n) noexcept {
  auto* p = reinterpret_cast<const unsigned char*>(data);
#if defined(__x86_64__)
  constexpr std::size_t s = detail::k_stride;
  auto word = [&](std::size_t at) { return decode_fixed64(reinterpret_cast<const char*>(p + at)); };
  std::uint64_t c = ~crc;
  for (; n >= 3 * s; n -= 3 * s, p += 3 * s) {
    std::uint64_t b = 0, d = 0;
    for (std::size_t i = 0; i < s; i += 8) {
      c = _mm_crc32_u64(c, word(i));
      b = _mm_crc32_u64(b, word(s + i));
      d = _mm_crc32_u64(d, word(2 * s + i));
    }
    const std::uint32_t ab = detail::shift_stride(static_cast<std::uint32_t>(c)) ^ static_cast<std::uint32_t>(b);
    c = detail::shift_stride(ab) ^ static_cast<std::uint32_t>(d);
  }
  for (; n >= 8; n -= 8, p += 8) c = _mm_crc32_u64(c, word(0));
  auto c32 = static_cast<std::uint32_t>(c);
#else
  std::uint32_t c32 = ~crc;
#endif
  for (; n >= 4; n -= 4, p += 4) c32 = _mm_crc32_u32(c32, decode_fixed32(reinterpret_cast<const char*>(p)));
  for (; n > 0; --n, ++p) c32 = _mm_crc32_u8(c32, *p);
  return ~c32;
}
#else
inline std::uint32_t extend_hardware(std::uint32_t crc, const char* data, std::size_t n) noexcept {
  return extend_portable(crc, data, n);
}
#endif

// CRC32C of data[0, n) continuing from `crc`; the fastest path available.
inline std::uint32_t extend(std::uint32_t crc, const char* data, std::size_t n) noexcept {
  return hardware_available() ? extend_hardware(crc, data, n) : extend_portable(crc, data, n);
}

inline std::uint32_t value(const char* data, std::size_t n) noexcept { return extend(0, data, n); }
inline std::uint32_t value(std::string_view data) noexcept { return extend(0, data.data(), data.size()); }

// The form stored on disk.
constexpr std::uint32_t mask(std::uint32_t crc) noexcept { return ((crc >> 15) | (crc << 17)) + k_mask_delta; }

constexpr std::uint32_t unmask(std::uint32_t masked) noexcept {
  const std::uint32_t rot = masked - k_mask_delta;
  return (rot >> 17) | (rot << 15);
}

}  // namespace jadekv::inline v0::crc32c
