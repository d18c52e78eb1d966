// page_cache: the buffer pool of a bptree file: validated pages by page id,
// within a byte budget, evicted by CLOCK (an approximation of LRU).
//
// Thread safety: every member may be called from any thread. The pool is
// split in shards by page id, each under its own mutex, so readers on
// different pages rarely meet. A hit hands out a page_ref (a reference count,
// no copy, no allocation).
//
// Lookup: every read of the tree asks the pool for each page on its path, so
// a hit must cost little more than the page's own cache misses. A shard maps
// ids to slots with an open-addressing table (slot_index) that is one
// multiply to hash and usually one cache line to probe; a node-based hash
// map cost a division and two or three misses per lookup, a third of a
// random read's time.
//
// Invariants:
//   1. Charged bytes per shard stay within budget / shards, except that one
//      page larger than that is still admitted alone.
//   2. index.find(id) == i exactly when slots[i].used and slots[i].id == id.
//   3. The pool never holds two entries for one id; insert replaces. The
//      store erases an id before it writes that page again, so a hit never
//      returns bytes of a previous life of the id.
#pragma once

#include <array>
#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <utility>
#include <vector>

#include "jadekv/index/bptree/format.hpp"
#include "jadekv/index/bptree/node.hpp"

namespace jadekv::inline v0::index::detail::bptree {

// Page ids to slot numbers: linear probing over a power-of-two table kept at
// most half full, so a probe sequence is short. Id 0 (a meta page, never
// cached) marks an empty cell. Erase moves later cells of the run back into
// the hole instead of leaving a tombstone, so lookups never slow down with
// churn.
//
// Thread safety: none; the shard's mutex guards it.
class slot_index {
 public:
  static constexpr std::uint32_t k_none = ~std::uint32_t{0};

  std::uint32_t find(page_id id) const noexcept {
    if (cells_.empty()) return k_none;
    for (std::size_t i = home(id);; i = (i + 1) & mask()) {
      if (cells_[i].id == id) return cells_[i].slot;
      if (cells_[i].id == 0) return k_none;
    }
  }

  // REQUIRES: id != 0 and not present.
  void insert(page_id id, std::uint32_t slot) {
    if (2 * (used_ + 1) > cells_.size()) grow();
    std::size_t i = home(id);
    while (cells_[i].id != 0) i = (i + 1) & mask();
    cells_[i] = {id, slot};
    ++used_;
  }

  // REQUIRES: id present.
  void erase(page_id id) noexcept {
    std::size_t hole = home(id);
    while (cells_[hole].id != id) hole = (hole + 1) & mask();
    for (std::size_t j = (hole + 1) & mask(); cells_[j].id != 0; j = (j + 1) & mask()) {
      // cells_[j] may fill the hole when its home is not in (hole, j]
      // (cyclically): probing from its home still passes the hole.
      const std::size_t h = home(cells_[j].id);
      const bool home_after_hole = hole < j ? (h > hole && h <= j) : (h > hole || h <= j);
      if (home_after_hole) continue;
      cells_[hole] = cells_[j];
      hole = j;
    }
    cells_[hole] = {};
    --used_;
  }

  std::size_t size() const noexcept { return used_; }

 private:
  struct cell {
    page_id id = 0;
    std::uint32_t slot = 0;
  };

  std::size_t mask() const noexcept { return cells_.size() - 1; }
  // Fibonacci hashing: the product's top bits, spread even for ids that
  // share their low bits (a shard holds ids of one residue).
  std::size_t home(page_id id) const noexcept {
    return static_cast<std::size_t>((id * 0x9e3779b97f4a7c15ull) >> shift_);
  }

  void grow() {
    std::vector<cell> old = std::move(cells_);
    const std::size_t n = old.empty() ? 16 : 2 * old.size();
    cells_.assign(n, cell{});
    shift_ = 64 - static_cast<unsigned>(std::countr_zero(n));
    used_ = 0;
    for (const cell& c : old) {
      if (c.id != 0) insert(c.id, c.slot);
    }
  }

  std::vector<cell> cells_;
  std::size_t used_ = 0;
  unsigned shift_ = 64;
};

class page_cache {
 public:
  explicit page_cache(std::size_t budget_bytes) : shard_budget_(budget_bytes / k_shards) {}

  // The cached page, or an empty ref (counted as a miss).
  page_ref find(page_id id) {
    shard& s = shard_for(id);
    std::lock_guard g(s.mu);
    const std::uint32_t i = s.index.find(id);
    if (i == slot_index::k_none) {
      bump(s.misses);
      return {};
    }
    slot& sl = s.slots[i];
    sl.referenced = true;
    bump(s.hits);
    return sl.page;
  }

  void insert(page_id id, page_ref page) {
    if (shard_budget_ == 0) return;
    shard& s = shard_for(id);
    std::lock_guard g(s.mu);
    if (const std::uint32_t old = s.index.find(id); old != slot_index::k_none) evict(s, old);
    while (s.charged + page.size() > shard_budget_ && s.index.size() != 0) evict_one(s);
    place(s, id, std::move(page));
  }

  // Inserts the page only into unused budget: pages a commit just wrote
  // (as RocksDB's prepopulate_block_cache for flushes) must not push out
  // what readers use.
  void offer(page_id id, page_ref page) {
    if (shard_budget_ == 0) return;
    shard& s = shard_for(id);
    std::lock_guard g(s.mu);
    if (s.charged + page.size() > shard_budget_ || s.index.find(id) != slot_index::k_none) return;
    place(s, id, std::move(page));
  }

  void erase(page_id id) {
    shard& s = shard_for(id);
    std::lock_guard g(s.mu);
    if (const std::uint32_t i = s.index.find(id); i != slot_index::k_none) evict(s, i);
  }

  std::uint64_t hits() const noexcept { return sum(&shard::hits); }
  std::uint64_t misses() const noexcept { return sum(&shard::misses); }

  std::size_t charged_bytes() {
    std::size_t n = 0;
    for (auto& s : shards_) {
      std::lock_guard g(s.mu);
      n += s.charged;
    }
    return n;
  }

 private:
  static constexpr std::size_t k_shards = 16;

  struct slot {
    page_id id = 0;
    page_ref page;
    bool referenced = false;  // hit since the clock hand last passed
    bool used = false;
  };

  // CLOCK: a hit only sets a flag (no list to relink under the lock); the
  // hand gives every referenced page a second chance before evicting it.
  struct alignas(64) shard {
    std::mutex mu;
    std::vector<slot> slots;                                 // GUARDED_BY(mu)
    std::vector<std::uint32_t> unused;                       // GUARDED_BY(mu); free slot indexes
    slot_index index;                                        // GUARDED_BY(mu)
    std::size_t hand = 0;                                    // GUARDED_BY(mu)
    std::size_t charged = 0;                                 // GUARDED_BY(mu)
    std::atomic<std::uint64_t> hits{0};    // written under mu (bump)
    std::atomic<std::uint64_t> misses{0};  // written under mu (bump)
  };

  // REQUIRES: s.mu held; id not in the shard.
  static void place(shard& s, page_id id, page_ref page) {
    std::uint32_t i;
    if (!s.unused.empty()) {
      i = s.unused.back();
      s.unused.pop_back();
    } else {
      i = static_cast<std::uint32_t>(s.slots.size());
      s.slots.emplace_back();
    }
    s.charged += page.size();
    s.slots[i] = slot{id, std::move(page), false, true};
    s.index.insert(id, i);
  }

  // REQUIRES: s.mu held; slot i in use.
  static void evict(shard& s, std::uint32_t i) {
    slot& sl = s.slots[i];
    s.charged -= sl.page.size();
    s.index.erase(sl.id);
    sl = slot{};
    s.unused.push_back(i);
  }

  // REQUIRES: s.mu held; some slot in use.
  static void evict_one(shard& s) {
    for (;;) {
      if (s.hand >= s.slots.size()) s.hand = 0;
      slot& sl = s.slots[s.hand];
      const auto i = static_cast<std::uint32_t>(s.hand++);
      if (!sl.used) continue;
      if (sl.referenced) {
        sl.referenced = false;
        continue;
      }
      evict(s, i);
      return;
    }
  }

  // A counter only written under its shard's mutex: a plain load and store
  // (no locked instruction on the hit path); relaxed, a statistic that
  // hits() and misses() read without the lock.
  static void bump(std::atomic<std::uint64_t>& n) noexcept {
    n.store(n.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  }

  // By the low bits: neighbouring pages, which a scan reads in turn, land in
  // different shards.
  shard& shard_for(page_id id) noexcept { return shards_[id % k_shards]; }

  std::uint64_t sum(std::atomic<std::uint64_t> shard::*field) const noexcept {
    std::uint64_t n = 0;
    for (const auto& s : shards_) n += (s.*field).load(std::memory_order_relaxed);
    return n;
  }

  std::size_t shard_budget_;
  std::array<shard, k_shards> shards_;
};

}  // namespace jadekv::inline v0::index::detail::bptree
