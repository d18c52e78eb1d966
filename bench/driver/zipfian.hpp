// zipfian: the request distributions of the YCSB workloads.
//
//   zipfian            item i in [0, n) drawn with probability ~ 1/(i+1)^theta,
//                      by the constant-time method of Gray et al., "Quickly
//                      generating billion-record synthetic databases" (SIGMOD
//                      1994). n may grow; zeta(n) is then extended, not redone.
//   scrambled_zipfian  YCSB's default: a zipfian over a fixed 10^10 items whose
//                      rank is hashed (FNV-1a) into [0, range), so the popular
//                      items are scattered over the key space instead of being
//                      the lowest record numbers.
//   latest             the most recently inserted records are the most popular:
//                      count - 1 - zipfian(count) (YCSB workload D).
//   uniform            every record alike.
//
// key_chooser bundles them for one thread: draws below the current record count
// are returned, others are redrawn (records inserted later than the draw).
//
// Thread safety: plain values; one chooser per thread.
#pragma once

#include <cstdint>

#include "random.hpp"

namespace bench {

inline constexpr double k_zipfian_constant = 0.99;      // YCSB's default theta
inline constexpr std::uint64_t k_scrambled_items = 10'000'000'000ull;  // YCSB's item count

// sum_{i=1..n} i^-theta; exact summation of the first 2^16 terms, the rest by
// Euler-Maclaurin (error far below a double's precision for theta in (0, 1]).
double zeta(std::uint64_t n, double theta);

class zipfian {
 public:
  zipfian(std::uint64_t n, double theta);
  zipfian(std::uint64_t n, double theta, double zetan);  // zetan == zeta(n, theta), precomputed
  // REQUIRES: n() > 0. Result in [0, n()).
  std::uint64_t next(rng& r) const noexcept;
  // Extends the item count to n (>= the current one).
  void grow(std::uint64_t n);
  std::uint64_t n() const noexcept { return n_; }
  double zetan() const noexcept { return zetan_; }

 private:
  void derive() noexcept;

  std::uint64_t n_;
  double theta_, alpha_, zeta2_, zetan_, eta_ = 0, half_pow_theta_;
};

class scrambled_zipfian {
 public:
  scrambled_zipfian(std::uint64_t range, double theta);
  std::uint64_t next(rng& r) const noexcept { return fnv1a64(base_.next(r)) % range_; }
  std::uint64_t range() const noexcept { return range_; }

 private:
  zipfian base_;
  std::uint64_t range_;
};

enum class distribution { uniform, zipfian, latest };

class key_chooser {
 public:
  // `range` bounds the record numbers the zipfian may return: the records at
  // the start plus room for the inserts the workload expects.
  key_chooser(distribution d, std::uint64_t range, std::uint64_t count, double theta);
  // A record number in [0, count); REQUIRES: count > 0.
  std::uint64_t next(rng& r, std::uint64_t count);

 private:
  distribution dist_;
  scrambled_zipfian scrambled_;
  zipfian latest_;
};

}  // namespace bench
