// block_recycler: keeps the blocks of arenas that died for arenas to come.
//
// An engine goes through memtables: each fills about memtable_bytes of arena
// blocks, then dies once flushed, and the next one asks for the same blocks
// again. Fresh memory is faulted in and zeroed by the kernel page by page at
// its first touch: zeroing pages for memtable nodes alone was 9% of the CPU
// time of a sequential load into the B+tree engine (perf, 1M entries, 64 MiB
// memtables). A recycled block is already resident. Memtables whose options
// name a recycler return their arenas' blocks to it; the engine gives its
// memtables one, holding at most one memtable's worth of blocks (freed when
// the engine closes).
//
// Blocks come from new_block(n) and go back through delete_block(p, n): a
// block of io::k_huge_page_size bytes or more is aligned to it and advised
// as huge pages (io/huge_pages.hpp).
//
// Thread safety: take(), give() and the counters may be called from any
// thread (an arena may die on whichever thread drops the last reference).
//
// Invariants:
//   1. kept_bytes() == the sum of the kept blocks' sizes <= max_bytes.
//   2. A kept block is in no arena; take() hands it to exactly one.
#pragma once

#include <cstddef>
#include <mutex>
#include <new>
#include <vector>

#include "jadekv/io/huge_pages.hpp"

namespace jadekv::inline v0 {

class block_recycler {
 public:
  explicit block_recycler(std::size_t max_bytes) noexcept : max_bytes_(max_bytes) {}
  block_recycler(const block_recycler&) = delete;
  block_recycler& operator=(const block_recycler&) = delete;
  ~block_recycler() {
    for (const kept_block& b : kept_) delete_block(b.p, b.n);
  }

  static char* new_block(std::size_t n) {
    if (n < io::k_huge_page_size) return static_cast<char*>(::operator new[](n));
    auto* p = static_cast<char*>(::operator new[](n, std::align_val_t{io::k_huge_page_size}));
    io::advise_huge_pages(p, n);
    return p;
  }
  static void delete_block(char* p, std::size_t n) noexcept {
    if (n < io::k_huge_page_size) {
      ::operator delete[](p);
    } else {
      ::operator delete[](p, std::align_val_t{io::k_huge_page_size});
    }
  }

  // A kept block of exactly n bytes, or null when there is none.
  char* take(std::size_t n) noexcept {
    std::lock_guard<std::mutex> lock(mu_);
    for (std::size_t i = kept_.size(); i-- > 0;) {
      if (kept_[i].n != n) continue;
      char* p = kept_[i].p;
      kept_[i] = kept_.back();
      kept_.pop_back();
      kept_bytes_ -= n;
      reused_bytes_ += n;
      return p;
    }
    return nullptr;
  }

  // Keeps block p of n bytes (from new_block), or frees it when keeping it
  // would pass max_bytes.
  void give(char* p, std::size_t n) noexcept {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (kept_bytes_ + n <= max_bytes_) {
        try {
          kept_.push_back({p, n});
          kept_bytes_ += n;
          return;
        } catch (const std::bad_alloc&) {  // no room to note it: free it instead
        }
      }
    }
    delete_block(p, n);
  }

  std::size_t max_bytes() const noexcept { return max_bytes_; }
  std::size_t kept_bytes() const {
    std::lock_guard<std::mutex> lock(mu_);
    return kept_bytes_;
  }
  // Bytes take() has handed out since construction.
  std::size_t reused_bytes() const {
    std::lock_guard<std::mutex> lock(mu_);
    return reused_bytes_;
  }

 private:
  struct kept_block {
    char* p;
    std::size_t n;
  };

  const std::size_t max_bytes_;
  mutable std::mutex mu_;
  std::vector<kept_block> kept_;  // guarded by mu_
  std::size_t kept_bytes_ = 0;    // guarded by mu_; invariant 1
  std::size_t reused_bytes_ = 0;  // guarded by mu_
};

}  // namespace jadekv::inline v0
