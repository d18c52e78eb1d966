// arena: a bump allocator that frees everything at once when destroyed.
//
// Memtables allocate their nodes and entry bytes here: allocation is a pointer
// bump, there is no per-object free, and memory_usage() is the exact number of
// heap bytes the arena holds, which is what a flush threshold must compare.
//
// Thread safety: allocate*() needs external synchronisation (one allocating
// thread at a time). memory_usage() may be read from any thread at any time.
//
// Invariants:
//   1. Memory handed out stays valid and never moves until the arena dies.
//   2. A request larger than a quarter of the block size gets a block of its
//      own, so at most a quarter block is wasted when a block is retired.
//   3. memory_usage() == sum of block sizes + the block table's capacity.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <vector>

#include "jadekv/detail/contract.hpp"

namespace jadekv::inline v0 {

class arena {
 public:
  static constexpr std::size_t k_default_block_size = 64 * 1024;
  static constexpr std::size_t k_max_alignment = __STDCPP_DEFAULT_NEW_ALIGNMENT__;

  explicit arena(std::size_t block_size = k_default_block_size) : block_size_(block_size < 256 ? 256 : block_size) {}

  arena(const arena&) = delete;
  arena& operator=(const arena&) = delete;

  // n bytes with no alignment promise. REQUIRES: n > 0.
  char* allocate(std::size_t n) {
    if (n <= remaining_) {
      char* p = ptr_;
      ptr_ += n;
      remaining_ -= n;
      return p;
    }
    return allocate_fallback(n);
  }

  // n bytes aligned to `align`. REQUIRES: n > 0; align a power of two <= k_max_alignment.
  char* allocate_aligned(std::size_t n, std::size_t align = alignof(std::max_align_t)) {
    if (align == 0 || (align & (align - 1)) != 0 || align > k_max_alignment)
      detail::contract_violation("arena::allocate_aligned: alignment must be a power of two <= default new alignment");
    const std::size_t slop = (align - (reinterpret_cast<std::uintptr_t>(ptr_) & (align - 1))) & (align - 1);
    if (n + slop <= remaining_) {
      char* p = ptr_ + slop;
      ptr_ += n + slop;
      remaining_ -= n + slop;
      return p;
    }
    return allocate_fallback(n);  // fresh blocks are maximally aligned
  }

  // Heap bytes held by the arena, exact. Any thread.
  std::size_t memory_usage() const noexcept {
    // relaxed: a statistic; readers need no ordering with the allocations.
    return usage_.load(std::memory_order_relaxed);
  }

  std::size_t block_size() const noexcept { return block_size_; }

 private:
  char* allocate_fallback(std::size_t n) {
    if (n > block_size_ / 4) return new_block(n);  // invariant 2: keep the current block
    ptr_ = new_block(block_size_);
    remaining_ = block_size_;
    char* p = ptr_;
    ptr_ += n;
    remaining_ -= n;
    return p;
  }

  char* new_block(std::size_t n) {
    const std::size_t old_capacity = blocks_.capacity();
    blocks_.push_back(std::make_unique_for_overwrite<char[]>(n));
    const std::size_t table_growth = (blocks_.capacity() - old_capacity) * sizeof(blocks_[0]);
    usage_.fetch_add(n + table_growth, std::memory_order_relaxed);
    return blocks_.back().get();
  }

  std::size_t block_size_;
  char* ptr_ = nullptr;
  std::size_t remaining_ = 0;
  std::vector<std::unique_ptr<char[]>> blocks_;
  std::atomic<std::size_t> usage_{0};
};

}  // namespace jadekv::inline v0
