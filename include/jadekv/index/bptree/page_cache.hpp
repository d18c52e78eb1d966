// page_cache: the buffer pool of a bptree file: validated pages by page id,
// least recently used first out, within a byte budget.
//
// Thread safety: every member may be called from any thread. The pool is
// split in shards by page id, each under its own mutex, so readers on
// different pages rarely meet. A hit hands out a page_ref (a reference count,
// no copy, no allocation).
//
// Invariants:
//   1. Charged bytes per shard stay within budget / shards, except that one
//      page larger than that is still admitted alone.
//   2. The pool never holds two entries for one id; insert replaces. The
//      store erases an id before it writes that page again, so a hit never
//      returns bytes of a previous life of the id.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <list>
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
    s.lru.splice(s.lru.begin(), s.lru, it->second);
    s.hits.fetch_add(1, std::memory_order_relaxed);
    return it->second->page;
  }

  void insert(page_id id, page_ref page) {
    if (shard_budget_ == 0) return;
    shard& s = shard_for(id);
    std::lock_guard g(s.mu);
    if (auto it = s.map.find(id); it != s.map.end()) {
      s.charged -= it->second->page.size();
      s.lru.erase(it->second);
      s.map.erase(it);
    }
    s.charged += page.size();
    s.lru.push_front(entry{id, std::move(page)});
    s.map.emplace(id, s.lru.begin());
    while (s.charged > shard_budget_ && s.lru.size() > 1) {
      auto& victim = s.lru.back();
      s.charged -= victim.page.size();
      s.map.erase(victim.id);
      s.lru.pop_back();
    }
  }

  void erase(page_id id) {
    shard& s = shard_for(id);
    std::lock_guard g(s.mu);
    if (auto it = s.map.find(id); it != s.map.end()) {
      s.charged -= it->second->page.size();
      s.lru.erase(it->second);
      s.map.erase(it);
    }
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

  struct entry {
    page_id id;
    page_ref page;
  };

  struct alignas(64) shard {
    std::mutex mu;
    std::list<entry> lru;  // GUARDED_BY(mu); most recent first
    std::unordered_map<page_id, std::list<entry>::iterator> map;  // GUARDED_BY(mu)
    std::size_t charged = 0;  // GUARDED_BY(mu)
    std::atomic<std::uint64_t> hits{0};
    std::atomic<std::uint64_t> misses{0};
  };

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
