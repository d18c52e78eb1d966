// page_cache: the buffer pool of a bptree file: validated pages by page id,
// within a byte budget, evicted by CLOCK (an approximation of LRU).
//
// Thread safety: every member may be called from any thread. The pool is
// split in shards by page id, each under its own mutex, so readers on
// different pages rarely meet. A hit hands out a page_ref (a reference count,
// no copy, no allocation).
//
// Invariants:
//   1. Charged bytes per shard stay within budget / shards, except that one
//      page larger than that is still admitted alone.
//   3. map[id] == i exactly when slots[i].used and slots[i].id == id.
//   2. The pool never holds two entries for one id; insert replaces. The
//      store erases an id before it writes that page again, so a hit never
//      returns bytes of a previous life of the id.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <vector>
#include <mutex>
#include <unordered_map>
#include <utility>

#include "jadekv/index/bptree/format.hpp"
#include "jadekv/index/bptree/node.hpp"

namespace jadekv::inline v0::index::detail::bptree {

class page_cache {
 public:
  explicit page_cache(std::size_t budget_bytes) : shard_budget_(budget_bytes / k_shards) {}

  // The cached page, or an empty ref (counted as a miss).
  page_ref find(page_id id) {
    shard& s = shard_for(id);
    std::lock_guard g(s.mu);
    auto it = s.map.find(id);
    if (it == s.map.end()) {
      s.misses.fetch_add(1, std::memory_order_relaxed);  // relaxed: a statistic
      return {};
    }
    slot& sl = s.slots[it->second];
    sl.referenced = true;
    s.hits.fetch_add(1, std::memory_order_relaxed);
    return sl.page;
  }

  void insert(page_id id, page_ref page) {
    if (shard_budget_ == 0) return;
    shard& s = shard_for(id);
    std::lock_guard g(s.mu);
    if (auto it = s.map.find(id); it != s.map.end()) evict(s, it->second);
    while (s.charged + page.size() > shard_budget_ && !s.map.empty()) evict_one(s);
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
    s.map.emplace(id, i);
  }

  void erase(page_id id) {
    shard& s = shard_for(id);
    std::lock_guard g(s.mu);
    if (auto it = s.map.find(id); it != s.map.end()) evict(s, it->second);
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
    std::unordered_map<page_id, std::uint32_t> map;          // GUARDED_BY(mu)
    std::size_t hand = 0;                                    // GUARDED_BY(mu)
    std::size_t charged = 0;                                 // GUARDED_BY(mu)
    std::atomic<std::uint64_t> hits{0};
    std::atomic<std::uint64_t> misses{0};
  };

  // REQUIRES: s.mu held; slot i in use.
  static void evict(shard& s, std::uint32_t i) {
    slot& sl = s.slots[i];
    s.charged -= sl.page.size();
    s.map.erase(sl.id);
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

  shard& shard_for(page_id id) noexcept { return shards_[(id * 0x9e3779b97f4a7c15ull) >> 60]; }

  std::uint64_t sum(std::atomic<std::uint64_t> shard::*field) const noexcept {
    std::uint64_t n = 0;
    for (const auto& s : shards_) n += (s.*field).load(std::memory_order_relaxed);
    return n;
  }

  std::size_t shard_budget_;
  std::array<shard, k_shards> shards_;
};

}  // namespace jadekv::inline v0::index::detail::bptree
