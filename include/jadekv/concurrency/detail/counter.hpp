// counter: a statistics counter that is atomic only when the engine is shared
// between threads; a single-threaded engine pays no locked instruction.
#pragma once

#include <atomic>
#include <cstdint>

namespace jadekv::inline v0::concurrency::detail {

template <bool Atomic>
class counter {
 public:
  void add(std::uint64_t n = 1) noexcept { v_ += n; }
  void max(std::uint64_t n) noexcept { if (n > v_) v_ = n; }
  std::uint64_t load() const noexcept { return v_; }

 private:
  std::uint64_t v_ = 0;
};

template <>
class counter<true> {
 public:
  // relaxed: statistics; nothing is ordered by them.
  void add(std::uint64_t n = 1) noexcept { v_.fetch_add(n, std::memory_order_relaxed); }
  void max(std::uint64_t n) noexcept {
    std::uint64_t cur = v_.load(std::memory_order_relaxed);
    while (n > cur && !v_.compare_exchange_weak(cur, n, std::memory_order_relaxed)) {
    }
  }
  std::uint64_t load() const noexcept { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> v_{0};
};

}  // namespace jadekv::inline v0::concurrency::detail
