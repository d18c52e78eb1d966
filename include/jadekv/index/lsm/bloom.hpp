// bloom: the per-table filter over user keys, a cache-line-blocked bloom
// filter: each key's probes all fall in one 64-byte line, so a lookup costs
// one cache miss whatever the number of probes.
//
// Filter block contents:
//
//   offset       size   field
//   0            64*L   L lines of 512 bits; bit b of a line is byte b/8, bit b%8
//   64*L         1      probes     k, 1..30
//   64*L + 1     4      lines      fixed32, L
//
// For a key with 64-bit hash h (key_hash below, fixed for the format):
//   line  = ((h >> 32) * L) >> 32
//   probe i in 0..k: g = g * 0x9e3779b9 (32-bit, starting from g = low 32
//   bits of h); bit = g >> 23
//
// At 10 bits per key (the default) k = 6 and the false-positive rate is
// about 1%.
//
// Thread safety: key_hash and bloom_reader are pure; a bloom_builder belongs
// to one thread.
//
// Invariants:
//   1. A key added to the builder always matches (no false negatives).
//   2. bloom_reader::parse rejects any contents whose size disagrees with L,
//      or with k outside 1..30; may_match never reads outside the bits.
//   3. key_hash (core/key_hash.hpp) is part of the file format.
#pragma once

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "jadekv/core/coding.hpp"
#include "jadekv/core/key_hash.hpp"

namespace jadekv::inline v0::index::sst {

inline constexpr std::size_t k_bloom_line_bytes = 64;
inline constexpr int k_bloom_max_probes = 30;
inline constexpr std::size_t k_bloom_trailer_size = 5;

// The 64-bit hash of a user key the filter uses (part of the format).
using ::jadekv::key_hash;

// The number of probes for a budget of bits per key.
constexpr int bloom_probes(int bits_per_key) noexcept {
  return std::clamp(bits_per_key * 69 / 100, 1, k_bloom_max_probes);  // ~ln 2, rounded down
}

// A template only so that units which do not use it do not compile it (README, "Build cost").
template <class = void>
class bloom_builder {
 public:
  // REQUIRES: bits_per_key >= 1.
  explicit bloom_builder(int bits_per_key = 10) : bits_per_key_(std::max(bits_per_key, 1)) {}

  // Adds one key by its key_hash. Adding a key twice only costs space.
  void add_hash(std::uint64_t h) { hashes_.push_back(h); }
  std::size_t keys() const noexcept { return hashes_.size(); }

  // Appends the filter block contents for every key added, then forgets them.
  void finish(std::string& dst) {
    const std::uint64_t bits = static_cast<std::uint64_t>(hashes_.size()) * static_cast<std::uint64_t>(bits_per_key_);
    const std::uint64_t wanted = (bits + 511) / 512;
    const auto lines = static_cast<std::uint32_t>(std::min<std::uint64_t>(wanted, 0xffff'ffffu / k_bloom_line_bytes));
    const int k = bloom_probes(bits_per_key_);
    const std::size_t base = dst.size();
    dst.append(static_cast<std::size_t>(lines) * k_bloom_line_bytes, '\0');
    char* bits_at = dst.data() + base;
    for (const std::uint64_t h : hashes_) {
      char* line = bits_at + line_of(h, lines) * k_bloom_line_bytes;
      std::uint32_t g = static_cast<std::uint32_t>(h);
      for (int i = 0; i < k; ++i) {
        g *= 0x9e3779b9u;
        const std::uint32_t b = g >> 23;
        line[b >> 3] = static_cast<char>(static_cast<unsigned char>(line[b >> 3]) | (1u << (b & 7)));
      }
    }
    dst.push_back(static_cast<char>(k));
    put_fixed32(dst, lines);
    hashes_.clear();
  }

  static std::size_t line_of(std::uint64_t h, std::uint32_t lines) noexcept {
    return static_cast<std::size_t>(((h >> 32) * lines) >> 32);
  }

 private:
  int bits_per_key_;
  std::vector<std::uint64_t> hashes_;
};

// A view of a filter block's contents; the bytes must outlive it.
class bloom_reader {
 public:
  bloom_reader() = default;

  // False when the contents are malformed (see invariant 2).
  static bool parse(std::string_view contents, bloom_reader& out) noexcept {
    if (contents.size() < k_bloom_trailer_size) return false;
    const std::size_t n = contents.size() - k_bloom_trailer_size;
    const int k = static_cast<unsigned char>(contents[n]);
    const std::uint32_t lines = decode_fixed32(contents.data() + n + 1);
    if (k < 1 || k > k_bloom_max_probes || static_cast<std::uint64_t>(lines) * k_bloom_line_bytes != n) return false;
    out.bits_ = contents.data();
    out.lines_ = lines;
    out.probes_ = k;
    return true;
  }

  // False only when the key was never added.
  bool may_match(std::uint64_t h) const noexcept {
    if (lines_ == 0) return false;  // a filter over no keys
    const char* line = bits_ + bloom_builder<>::line_of(h, lines_) * k_bloom_line_bytes;
    std::uint32_t g = static_cast<std::uint32_t>(h);
    for (int i = 0; i < probes_; ++i) {
      g *= 0x9e3779b9u;
      const std::uint32_t b = g >> 23;
      if ((static_cast<unsigned char>(line[b >> 3]) & (1u << (b & 7))) == 0) return false;
    }
    return true;
  }

  // Warms the line a later may_match(h) reads.
  void prefetch(std::uint64_t h) const noexcept {
    if (lines_ != 0) __builtin_prefetch(bits_ + bloom_builder<>::line_of(h, lines_) * k_bloom_line_bytes);
  }

  std::uint32_t lines() const noexcept { return lines_; }
  int probes() const noexcept { return probes_; }

 private:
  const char* bits_ = nullptr;
  std::uint32_t lines_ = 0;
  int probes_ = 0;
};

}  // namespace jadekv::inline v0::index::sst
