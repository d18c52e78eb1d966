// random: the driver's pseudo-random source.
//
// Every operation stream (a workload on one thread) has its own generator whose
// seed is derived from --seed, the workload's name and occurrence, and the
// thread index, so every engine in a run sees exactly the same keys in the same
// order, and the same command reproduces them.
//
// Thread safety: a generator is a plain value; one per thread.
#pragma once

#include <cstdint>
#include <string_view>

namespace bench {

// splitmix64 (Steele, Lea, Flood): one 64-bit add and a finaliser per draw;
// every seed, zero included, gives a full-period stream.
class rng {
 public:
  explicit rng(std::uint64_t seed) noexcept : state_(seed) {}

  std::uint64_t next() noexcept {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }

  // Uniform in [0, n) by the multiply-high method; REQUIRES: n > 0.
  std::uint64_t uniform(std::uint64_t n) noexcept {
    __extension__ using u128 = unsigned __int128;
    return static_cast<std::uint64_t>((static_cast<u128>(next()) * n) >> 64);
  }

  // Uniform in [0, 1) with 53 random bits.
  double next_double() noexcept { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

 private:
  std::uint64_t state_;
};

// FNV-1a over the eight little-endian bytes of v (used to scatter ranks).
constexpr std::uint64_t fnv1a64(std::uint64_t v) noexcept {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (int i = 0; i < 8; ++i) {
    h ^= (v >> (8 * i)) & 0xff;
    h *= 0x100000001b3ull;
  }
  return h;
}

// FNV-1a over a string (workload names into seeds).
constexpr std::uint64_t fnv1a64(std::string_view s) noexcept {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ull;
  }
  return h;
}

// The seed of one operation stream.
constexpr std::uint64_t stream_seed(std::uint64_t seed, std::string_view workload, int occurrence,
                                    int thread) noexcept {
  return fnv1a64(seed ^ fnv1a64(workload) ^ (static_cast<std::uint64_t>(occurrence) << 32) ^
                 static_cast<std::uint64_t>(thread));
}

}  // namespace bench
