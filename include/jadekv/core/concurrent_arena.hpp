// concurrent_arena: a bump allocator that many threads may use at once.
//
// The lock-free skiplist allocates its nodes from several inserting threads;
// a plain `arena` would need a lock around every allocation. This one keeps a
// few shards, each a bump region of its own cache line; a thread allocates
// from "its" shard (chosen by detail::thread_slot()), so threads on different
// shards share no written memory on the fast path. A shard that runs dry takes
// a fresh block from a shared pool (an `arena`) under a mutex, once per block;
// blocks grow with the pool as `arena` describes (up to max_block_size,
// by default 2 MiB huge pages).
//
// Thread safety: allocate*() and memory_usage() may be called from any number
// of threads at once. Memory is freed only when the arena dies.
//
// Invariants:
//   1. Memory handed out stays valid and never moves until the arena dies.
//   2. A shard is used by one thread at a time: its `busy` flag is taken with
//      an acquire exchange and given back with a release store.
//   3. A request larger than a quarter of the block size gets a block of its
//      own from the pool, so a retired shard block wastes < a quarter block.
//   4. memory_usage() == the pool's memory_usage() (every block plus the block
//      table) + the shard table, exact.
#pragma once

#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>

#include "jadekv/core/arena.hpp"
#include "jadekv/core/block_recycler.hpp"
#include "jadekv/detail/contract.hpp"
#include "jadekv/detail/thread_slot.hpp"

namespace jadekv::inline v0 {

class concurrent_arena {
 public:
  static constexpr std::size_t k_default_block_size = 64 * 1024;
  static constexpr std::size_t k_max_alignment = arena::k_max_alignment;

  // shards == 0 picks detail::default_shard_count(); others round up to a power of two.
  // recycler: where blocks come from and go back to (core/block_recycler.hpp); may be null.
  [[gnu::cold]] explicit concurrent_arena(std::size_t block_size = k_default_block_size, std::size_t shards = 0,
                            std::shared_ptr<block_recycler> recycler = {},
                            std::size_t max_block_size = io::k_huge_page_size);

  concurrent_arena(const concurrent_arena&) = delete;
  concurrent_arena& operator=(const concurrent_arena&) = delete;

  // n bytes aligned to `align`. Any thread.
  // REQUIRES: n > 0; align a power of two <= k_max_alignment.
  char* allocate_aligned(std::size_t n, std::size_t align = alignof(std::max_align_t));

  // n bytes with no alignment promise. Any thread. REQUIRES: n > 0.
  char* allocate(std::size_t n) { return allocate_aligned(n, 1); }

  // Heap bytes held, exact. Any thread.
  std::size_t memory_usage() const noexcept { return pool_.memory_usage() + shard_count_ * sizeof(shard); }

  std::size_t block_size() const noexcept { return block_size_; }
  std::size_t shard_count() const noexcept { return shard_count_; }

 private:
  // One cache line per shard, so two threads bumping two shards never write
  // the same line.
  struct alignas(64) shard {
    std::atomic<bool> busy{false};
    char* ptr = nullptr;
    std::size_t remaining = 0;
  };

  // Releases a shard on every path out of the critical section.
  struct shard_guard {
    shard& s;
    ~shard_guard() {
      // release: publishes ptr/remaining to the next thread that takes the
      // shard with its acquire exchange (invariant 2).
      s.busy.store(false, std::memory_order_release);
    }
  };

  static bool try_take(shard& s) noexcept {
    // relaxed pre-check: avoids writing (and stealing) the line of a busy
    // shard; the exchange below is what actually orders the accesses.
    if (s.busy.load(std::memory_order_relaxed)) return false;
    // acquire: pairs with shard_guard's release so the previous holder's
    // ptr/remaining writes are visible here.
    return !s.busy.exchange(true, std::memory_order_acquire);
  }

  char* bump(shard& s, std::size_t n, std::size_t align);
  // A shard's next block, of the pool's growing block size, and its size.
  std::pair<char*, std::size_t> refill();
  // A block of exactly n bytes for one large request.
  char* from_pool(std::size_t n);

  std::size_t block_size_;
  std::size_t shard_count_;
  std::unique_ptr<shard[]> shards_;
  std::mutex pool_mu_;  // guards pool_'s allocations (memory_usage is atomic inside)
  arena pool_;
};

// ---- definitions -----------------------------------------------------------

inline concurrent_arena::concurrent_arena(std::size_t block_size, std::size_t shards,
                                          std::shared_ptr<block_recycler> recycler, std::size_t max_block_size)
    : block_size_(block_size < 256 ? 256 : block_size),
      shard_count_(std::bit_ceil(shards == 0 ? detail::default_shard_count() : shards)),
      shards_(std::make_unique<shard[]>(shard_count_)),
      pool_(block_size_, std::move(recycler), max_block_size) {}

inline char* concurrent_arena::allocate_aligned(std::size_t n, std::size_t align) {
  if (align == 0 || (align & (align - 1)) != 0 || align > k_max_alignment)
    detail::contract_violation("concurrent_arena::allocate_aligned: alignment must be a power of two <= default new alignment");
  if (n > block_size_ / 4) return from_pool(n);  // invariant 3; pool blocks are maximally aligned
  unsigned& slot = detail::thread_slot();
  const std::size_t mask = shard_count_ - 1;
  for (std::size_t tries = 1;; ++tries) {
    shard& s = shards_[slot & mask];
    if (try_take(s)) {
      shard_guard g{s};
      return bump(s, n, align);
    }
    ++slot;  // another thread holds this shard: move this thread elsewhere for good
    if (tries % shard_count_ == 0) std::this_thread::yield();  // every shard busy: let holders run
  }
}

inline char* concurrent_arena::bump(shard& s, std::size_t n, std::size_t align) {
  const std::size_t slop = (align - (reinterpret_cast<std::uintptr_t>(s.ptr) & (align - 1))) & (align - 1);
  if (s.ptr == nullptr || n + slop > s.remaining) {
    const auto [block, size] = refill();  // a fresh block is maximally aligned: no slop
    s.ptr = block + n;
    s.remaining = size - n;
    return block;
  }
  char* p = s.ptr + slop;
  s.ptr += n + slop;
  s.remaining -= n + slop;
  return p;
}

inline std::pair<char*, std::size_t> concurrent_arena::refill() {
  std::lock_guard<std::mutex> lock(pool_mu_);
  const std::size_t size = pool_.next_block_size();
  return {pool_.new_block(size), size};
}

inline char* concurrent_arena::from_pool(std::size_t n) {
  std::lock_guard<std::mutex> lock(pool_mu_);
  return pool_.new_block(n);
}

}  // namespace jadekv::inline v0
