// page_cache: the buffer pool of a bptree file: validated pages by page id,
// within a byte budget, evicted by CLOCK (an approximation of LRU).
//
// Thread safety: every member may be called from any thread. The pool is
// split in shards by page id, each under its own mutex, so readers on
// different pages rarely meet. A hit hands out a page_ref (a reference count,
// no copy, no allocation).
//
// Lookup: every read of the tree asks the pool for each page on its path, so
// a hit must cost little more than the page's own cache misses. A shard
// keeps its pages in an open-addressing table (page_table) whose cell holds
// the page itself: one multiply to hash, and usually one cache line to probe
// before the page. (A node-based hash map cost a division and two or three
// misses per lookup; a table of slot numbers beside a slot array, one miss
// more than this.)
//
// Invariants:
//   1. Charged bytes per shard stay within budget / shards, except that one
//      page larger than that is still admitted alone.
//   2. A cell is in use exactly when its id is not 0; its page is the page
//      of that id.
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

// Page ids to pooled pages: linear probing over a power-of-two table kept
// at most half full, so a probe sequence is short. Id 0 (a meta page, never
// pooled) marks an unused cell. Erase moves later cells of the run back into
// the hole instead of leaving a tombstone, so lookups never slow down with
// churn. The CLOCK hand of the pool walks the cells themselves.
//
// Thread safety: none; the shard's mutex guards it.
// A template only so that units which do not use it do not compile it (README, "Build cost").
template <class = void>
class page_table {
 public:
  struct cell {
    page_id id : 63 = 0;
    page_id referenced : 1 = 0;  // hit since the clock hand last passed
    page_ref<> page;
  };
  static_assert(sizeof(cell) == 16, "four cells to a cache line");

  cell* find(page_id id) noexcept {
    if (cells_.empty()) return nullptr;
    for (std::size_t i = home(id);; i = (i + 1) & mask()) {
      if (cells_[i].id == id) return &cells_[i];
      if (cells_[i].id == 0) return nullptr;
    }
  }

  // REQUIRES: id != 0 and not present.
  void insert(page_id id, page_ref<> page) {
    if (2 * (used_ + 1) > cells_.size()) grow();
    std::size_t i = home(id);
    while (cells_[i].id != 0) i = (i + 1) & mask();
    cells_[i] = {id, 0, std::move(page)};
    ++used_;
  }

  // REQUIRES: id present.
  void erase(page_id id) noexcept {
    std::size_t i = home(id);
    while (cells_[i].id != id) i = (i + 1) & mask();
    erase_at(i);
  }

  // CLOCK: from the hand on, clears the referenced cells it passes and
  // removes the first unreferenced one; returns its page.
  // REQUIRES: size() > 0.
  page_ref<> evict_one() noexcept {
    for (;; hand_ = (hand_ + 1) & mask()) {
      cell& c = cells_[hand_];
      if (c.id == 0) continue;
      if (c.referenced != 0) {
        c.referenced = 0;
        continue;
      }
      page_ref<> victim = std::move(c.page);
      erase_at(hand_);
      return victim;
    }
  }

  std::size_t size() const noexcept { return used_; }

 private:
  std::size_t mask() const noexcept { return cells_.size() - 1; }
  // Fibonacci hashing: the product's top bits, spread even for ids that
  // share their low bits (a shard holds ids of one residue).
  std::size_t home(page_id id) const noexcept {
    return static_cast<std::size_t>((id * 0x9e3779b97f4a7c15ull) >> shift_);
  }

  void erase_at(std::size_t hole) noexcept {
    for (std::size_t j = (hole + 1) & mask(); cells_[j].id != 0; j = (j + 1) & mask()) {
      // cells_[j] may fill the hole when its home is not in (hole, j]
      // (cyclically): probing from its home still passes the hole.
      const std::size_t h = home(cells_[j].id);
      const bool home_after_hole = hole < j ? (h > hole && h <= j) : (h > hole || h <= j);
      if (home_after_hole) continue;
      cells_[hole] = std::move(cells_[j]);
      hole = j;
    }
    cells_[hole] = cell{};
    --used_;
  }

  void grow() {
    std::vector<cell> old = std::move(cells_);
    const std::size_t n = old.empty() ? 16 : 2 * old.size();
    cells_ = std::vector<cell>(n);
    shift_ = 64 - static_cast<unsigned>(std::countr_zero(n));
    used_ = 0;
    hand_ = 0;
    for (cell& c : old) {
      if (c.id != 0) insert(c.id, std::move(c.page));
    }
  }

  std::vector<cell> cells_;
  std::size_t used_ = 0;
  std::size_t hand_ = 0;
  unsigned shift_ = 64;
};

// A template only so that units which do not use it do not compile it (README, "Build cost").
template <class = void>
class page_cache {
 public:
  explicit page_cache(std::size_t budget_bytes) : shard_budget_(budget_bytes / k_shards) {}

  // The cached page, or an empty ref (counted as a miss).
  page_ref<> find(page_id id) {
    shard& s = shard_for(id);
    std::lock_guard g(s.mu);
    page_table<>::cell* c = s.table.find(id);
    if (c == nullptr) {
      bump(s.misses);
      return {};
    }
    c->referenced = 1;
    bump(s.hits);
    return c->page;
  }

  // The cached page or an empty ref, as a read-ahead asks: not counted,
  // and no second chance earned.
  page_ref<> peek(page_id id) {
    shard& s = shard_for(id);
    std::lock_guard g(s.mu);
    const page_table<>::cell* c = s.table.find(id);
    return c == nullptr ? page_ref<>{} : c->page;
  }

  void insert(page_id id, page_ref<> page) {
    if (shard_budget_ == 0) return;
    shard& s = shard_for(id);
    std::lock_guard g(s.mu);
    if (page_table<>::cell* old = s.table.find(id)) {
      s.charged -= old->page.size();
      s.table.erase(id);
    }
    while (s.charged + page.size() > shard_budget_ && s.table.size() != 0) s.charged -= s.table.evict_one().size();
    s.charged += page.size();
    s.table.insert(id, std::move(page));
  }

  // Inserts a page of `bytes` bytes only into unused budget: pages a commit
  // just wrote (as RocksDB's prepopulate_block_cache for flushes) must not
  // push out what readers use. make() gives the page, called only when it
  // is taken.
  template <class MakePage>
  void offer(page_id id, std::size_t bytes, MakePage&& make) {
    if (shard_budget_ == 0) return;
    shard& s = shard_for(id);
    std::lock_guard g(s.mu);
    if (s.charged + bytes > shard_budget_ || s.table.find(id) != nullptr) return;
    s.charged += bytes;
    s.table.insert(id, make());
  }
  void offer(page_id id, page_ref<> page) {
    offer(id, page.size(), [&page] { return std::move(page); });
  }

  void erase(page_id id) {
    shard& s = shard_for(id);
    std::lock_guard g(s.mu);
    if (page_table<>::cell* c = s.table.find(id)) {
      s.charged -= c->page.size();
      s.table.erase(id);
    }
  }

  std::size_t budget() const noexcept { return shard_budget_ * k_shards; }
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

  // CLOCK: a hit only sets a flag (no list to relink under the lock); the
  // hand gives every referenced page a second chance before evicting it.
  struct alignas(64) shard {
    std::mutex mu;
    page_table<> table;                    // GUARDED_BY(mu)
    std::size_t charged = 0;               // GUARDED_BY(mu)
    std::atomic<std::uint64_t> hits{0};    // written under mu (bump)
    std::atomic<std::uint64_t> misses{0};  // written under mu (bump)
  };

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
