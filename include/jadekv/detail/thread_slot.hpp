// thread_slot: a small per-thread integer used to spread threads over shards.
//
// Sharded structures (concurrent_arena, striped_counter) index their shards
// with `thread_slot() & (shards - 1)`. Each thread starts with a distinct slot
// (handed out once per thread, in order of first use); a structure that finds
// its shard busy may advance the calling thread's slot, so threads that
// collide drift apart and then stay apart.
//
// Thread safety: each thread reads and writes only its own slot.
#pragma once

#include <atomic>
#include <bit>
#include <cstddef>
#include <thread>

namespace jadekv::inline v0::detail {

// The calling thread's slot; writable so that a caller can move away from a
// contended shard.
inline unsigned& thread_slot() noexcept {
  static std::atomic<unsigned> next_slot{0};
  // Constant-initialised thread_locals need no per-access init guard.
  thread_local unsigned slot = 0;
  thread_local bool assigned = false;
  if (!assigned) [[unlikely]] {
    // relaxed: only uniqueness of the handed-out numbers matters, not ordering.
    slot = next_slot.fetch_add(1, std::memory_order_relaxed);
    assigned = true;
  }
  return slot;
}

// A power of two large enough that the machine's threads rarely share a
// shard: twice the hardware threads, at least 4 and at most 64.
inline std::size_t default_shard_count() noexcept {
  const std::size_t hw = std::thread::hardware_concurrency();
  const std::size_t want = std::bit_ceil(hw == 0 ? std::size_t{1} : hw) * 2;
  return want < 4 ? 4 : (want > 64 ? 64 : want);
}

}  // namespace jadekv::inline v0::detail
