// arena: a bump allocator that frees everything at once when destroyed.
//
// Memtables allocate their nodes and entry bytes here: allocation is a pointer
// bump, there is no per-object free, and memory_usage() is the exact number of
// heap bytes the arena holds, which is what a flush threshold must compare.
//
// Thread safety: allocate*() needs external synchronisation (one allocating
// thread at a time). memory_usage() may be read from any thread at any time.
//
// Block growth: blocks start at block_size and double as the arena grows
// (a new block is at most a sixteenth of what the arena already holds), up to
// max_block_size, by default io::k_huge_page_size. Small tables stay small; a
// big one is made of 2 MiB blocks, aligned and advised as huge pages
// (io/huge_pages.hpp), so that random walks over it miss the TLB far less.
// The unused tail of the current block, up to a sixteenth of the arena, is
// the price: an arena that random walks never visit may cap its blocks lower.
//
// Recycling: an arena given a block_recycler takes its regular blocks from
// it when it holds one of the size, and gives every block back when it dies
// (core/block_recycler.hpp: a memtable's successor reuses resident memory).
//
// Invariants:
//   1. Memory handed out stays valid and never moves until the arena dies.
//   2. A request larger than a quarter of the current block size gets a block
//      of its own, so at most a quarter block is wasted when a block is
//      retired.
//   3. memory_usage() == sum of block sizes + the block tables' capacity.
//   4. A block of io::k_huge_page_size bytes or more starts on a huge-page
//      boundary.
#pragma once

#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <vector>

#include "jadekv/core/block_recycler.hpp"
#include "jadekv/detail/contract.hpp"
#include "jadekv/io/huge_pages.hpp"

namespace jadekv::inline v0 {

class arena {
 public:
  static constexpr std::size_t k_default_block_size = 64 * 1024;
  static constexpr std::size_t k_max_alignment = __STDCPP_DEFAULT_NEW_ALIGNMENT__;

  // Blocks grow from block_size up to max_block_size (see "Block growth").
  explicit arena(std::size_t block_size = k_default_block_size, std::shared_ptr<block_recycler> recycler = {},
                 std::size_t max_block_size = io::k_huge_page_size)
      : block_size_(block_size < 256 ? 256 : block_size),
        max_block_size_(max_block_size > block_size_ ? max_block_size : block_size_),
        recycler_(std::move(recycler)) {}

  arena(const arena&) = delete;
  arena& operator=(const arena&) = delete;
  ~arena() {
    for (const block& b : blocks_) {
      if (recycler_ != nullptr) {
        recycler_->give(b.p, b.n);
      } else {
        block_recycler::delete_block(b.p, b.n);
      }
    }
  }

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

  // The size the next regular block takes (see "Block growth").
  std::size_t next_block_size() const noexcept {
    const std::size_t sixteenth = memory_usage() / 16;
    if (sixteenth <= block_size_) return block_size_;
    const std::size_t grown = std::bit_floor(sixteenth);
    return grown < max_block_size_ ? (grown > block_size_ ? grown : block_size_) : max_block_size_;
  }

  // A fresh block of n bytes, maximally aligned (invariant 4 when large).
  char* new_block(std::size_t n) {
    const std::size_t old_capacity = blocks_.capacity();
    // Room first: once the block is taken, nothing may throw before it is noted.
    if (blocks_.size() == blocks_.capacity()) blocks_.reserve(blocks_.empty() ? 1 : 2 * blocks_.size());
    char* p = recycler_ != nullptr ? recycler_->take(n) : nullptr;
    if (p == nullptr) p = block_recycler::new_block(n);
    blocks_.push_back({p, n});
    count(n, (blocks_.capacity() - old_capacity) * sizeof(block));
    return p;
  }

 private:
  struct block {
    char* p;
    std::size_t n;
  };

  char* allocate_fallback(std::size_t n) {
    const std::size_t size = next_block_size();
    if (n > size / 4) return new_block(n);  // invariant 2: keep the current block
    ptr_ = new_block(size);
    remaining_ = size;
    char* p = ptr_;
    ptr_ += n;
    remaining_ -= n;
    return p;
  }

  void count(std::size_t block, std::size_t table_growth) noexcept {
    usage_.fetch_add(block + table_growth, std::memory_order_relaxed);
  }

  std::size_t block_size_;
  std::size_t max_block_size_;
  char* ptr_ = nullptr;
  std::size_t remaining_ = 0;
  std::shared_ptr<block_recycler> recycler_;
  std::vector<block> blocks_;
  std::atomic<std::size_t> usage_{0};
};

}  // namespace jadekv::inline v0
