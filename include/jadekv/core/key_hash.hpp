// key_hash: the 64-bit hash of a user key that jadekv's bloom filters use
// (the tables' filters, where it is part of the file format, and the
// memtable filter in front of lookups).
//
// Thread safety: pure.
//
// Invariants:
//   1. It reads bytes little-endian and never depends on the host, so a
//      filter written on one machine matches on another.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "jadekv/core/coding.hpp"

namespace jadekv::inline v0 {

namespace detail {

constexpr std::uint64_t mix64(std::uint64_t x) noexcept {  // splitmix64's finaliser
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ull;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebull;
  x ^= x >> 31;
  return x;
}

}  // namespace detail

inline std::uint64_t key_hash(std::string_view key) noexcept {
  constexpr std::uint64_t k1 = 0x9e3779b97f4a7c15ull, k2 = 0xc2b2ae3d27d4eb4full;
  std::uint64_t h = 0x243f6a8885a308d3ull ^ (static_cast<std::uint64_t>(key.size()) * k1);
  const char* p = key.data();
  std::size_t n = key.size();
  for (; n >= 8; n -= 8, p += 8) {
    std::uint64_t w = decode_fixed64(p) * k2;
    w = std::rotl(w, 31) * k1;
    h = std::rotl(h ^ w, 27) * 5 + 0x52dce729;
  }
  if (n != 0) {
    std::uint64_t w = 0;
    for (std::size_t i = 0; i < n; ++i) w |= static_cast<std::uint64_t>(static_cast<unsigned char>(p[i])) << (8 * i);
    w *= k2;
    w = std::rotl(w, 31) * k1;
    h ^= w;
  }
  return detail::mix64(h);
}

}  // namespace jadekv::inline v0
