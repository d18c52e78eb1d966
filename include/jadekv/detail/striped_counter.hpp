// striped_counter: a counter that many threads bump without sharing a line.
//
// Each thread adds to the stripe picked by detail::thread_slot(); a read sums
// the stripes. Used where a single shared atomic would be a hot spot (the
// skiplist's entry count under concurrent inserts).
//
// Thread safety: add() and load() from any thread. load() is exact once the
// adding threads are quiescent (joined, or ordered before the reader);
// while they run it is a value the counter held at some point per stripe.
#pragma once

#include <atomic>
#include <bit>
#include <cstddef>
#include <memory>

#include "jadekv/detail/thread_slot.hpp"

namespace jadekv::inline v0::detail {

class striped_counter {
 public:
  // stripes rounds up to a power of two; 0 picks default_shard_count().
  explicit striped_counter(std::size_t stripes = 0)
      : count_(std::bit_ceil(stripes == 0 ? default_shard_count() : stripes)),
        stripes_(std::make_unique<stripe[]>(count_)) {}

  void add(std::size_t n) noexcept {
    // relaxed: the count orders nothing; readers that need an exact total
    // synchronise with the adders by other means (a join, a lock).
    stripes_[thread_slot() & (count_ - 1)].v.fetch_add(n, std::memory_order_relaxed);
  }

  std::size_t load() const noexcept {
    std::size_t sum = 0;
    for (std::size_t i = 0; i < count_; ++i) sum += stripes_[i].v.load(std::memory_order_relaxed);  // relaxed: as in add()
    return sum;
  }

  // Heap bytes held by the stripes.
  std::size_t memory_usage() const noexcept { return count_ * sizeof(stripe); }

 private:
  struct alignas(64) stripe {
    std::atomic<std::size_t> v{0};
  };
  std::size_t count_;
  std::unique_ptr<stripe[]> stripes_;
};

}  // namespace jadekv::inline v0::detail
