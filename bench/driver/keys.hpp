// keys: the key and value formats every workload uses (db_bench conventions).
//
//   key      16 bytes: the key number as zero-padded decimal ("%016d").
//   missing  17 bytes: an existing key number followed by '.'; it sorts between
//            real keys and is never written (readmissing).
//   value    --value_size bytes, half compressible: the stream is made of
//            100-byte pieces, each 50 random printable bytes followed by a copy
//            of themselves, so an LZ-style compressor halves it. A generator
//            hands out consecutive windows of a 1 MiB buffer.
//   YCSB     record i is stored under the key of ycsb_key_number(i): a bijection
//            of [0, 2^53) (2^53 < 10^16, so it fits 16 digits), so inserts land
//            scattered over the key space like YCSB's hashed insert order, and
//            two records never share a key.
//
// Thread safety: plain values; one key_buffer and value_generator per thread.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "random.hpp"

namespace bench {

inline constexpr std::size_t k_key_size = 16;
inline constexpr std::uint64_t k_max_key_number = 9'999'999'999'999'999ull;  // 16 digits

// Writes n (<= k_max_key_number) as 16 zero-padded decimal digits.
inline void format_key(std::uint64_t n, char* out) noexcept {
  for (std::size_t i = k_key_size; i-- > 0;) {
    out[i] = static_cast<char>('0' + n % 10);
    n /= 10;
  }
}

// The number a 16-digit key encodes, or false when `key` is not one.
inline bool parse_key(std::string_view key, std::uint64_t& n) noexcept {
  if (key.size() != k_key_size) return false;
  n = 0;
  for (char c : key) {
    if (c < '0' || c > '9') return false;
    n = n * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return true;
}

// Formats keys into storage it owns; a view stays valid until the next call.
class key_buffer {
 public:
  std::string_view key(std::uint64_t n) noexcept {
    format_key(n, buf_);
    return {buf_, k_key_size};
  }
  std::string_view missing_key(std::uint64_t n) noexcept {
    format_key(n, buf_);
    buf_[k_key_size] = '.';
    return {buf_, k_key_size + 1};
  }

 private:
  char buf_[k_key_size + 1] = {};
};

// A bijection of [0, 2^53): xor-shifts and odd multiplications modulo 2^53,
// each invertible on its own.
constexpr std::uint64_t ycsb_key_number(std::uint64_t record) noexcept {
  constexpr std::uint64_t mask = (std::uint64_t{1} << 53) - 1;
  std::uint64_t x = record & mask;
  x ^= x >> 26;
  x = (x * 0x9e3779b97f4a7c15ull) & mask;
  x ^= x >> 29;
  x = (x * 0xbf58476d1ce4e5b9ull) & mask;
  x ^= x >> 27;
  return x;
}

// Half-compressible values, deterministic for a seed.
class value_generator {
 public:
  value_generator(std::uint64_t seed, std::size_t value_size) : size_(value_size) {
    constexpr std::size_t piece = 100;
    const std::size_t total = std::max<std::size_t>(std::size_t{1} << 20, 2 * value_size);
    rng r(seed);
    data_.reserve(total + piece);
    while (data_.size() < total) {
      const std::size_t start = data_.size();
      for (std::size_t i = 0; i < piece / 2; ++i) data_.push_back(static_cast<char>(' ' + r.uniform(95)));
      for (std::size_t i = 0; i < piece / 2; ++i) data_.push_back(data_[start + i]);
    }
  }

  // The next value_size bytes; valid until the generator is destroyed.
  std::string_view next() noexcept {
    if (pos_ + size_ > data_.size()) pos_ = 0;
    const std::string_view v(data_.data() + pos_, size_);
    pos_ += size_;
    return v;
  }

 private:
  std::string data_;
  std::size_t size_;
  std::size_t pos_ = 0;
};

}  // namespace bench
