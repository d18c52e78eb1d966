// cache::lru: a sharded least-recently-used cache of immutable shared values
// with a budget: each entry has a charge (bytes for a block cache, 1 for a
// cache of open files) and the charges of the entries held never exceed the
// capacity.
//
//   cache::lru<key, block> c(8 << 20);                     // 8 MiB, 16 shards
//   std::shared_ptr<const block> b = c.lookup(k);          // null on a miss
//   if (!b) b = c.insert(k, std::make_shared<const block>(...), charge);
//
// The capacity is split evenly between 2^shard_bits shards, each a mutex, a
// hash map and a recency list; a key's shard comes from its hash. Eviction
// is per shard: a shard holds at most its share, so the whole cache holds at
// most the capacity. An entry whose charge exceeds its shard's share is not
// cached at all (insert still hands the value back).
//
// Values are shared_ptr<const T>: an evicted or erased value stays alive for
// whoever still holds it, and the cache never hands out a mutable reference.
//
// Thread safety: every member function may be called from any thread
// concurrently; each takes at most one shard mutex and never calls out
// (hash and key equality excepted) while holding it.
//
// Invariants:
//   1. usage() <= capacity() at every moment a shard lock is not held.
//   2. A lookup that finds its key makes that entry the shard's most recently
//      used; eviction removes least recently used entries first.
//   3. hits() + misses() == the number of lookup() calls.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <utility>
#include <vector>

namespace jadekv::inline v0::cache {

template <class Key, class T, class Hash = std::hash<Key>>
class lru {
 public:
  using value_ptr = std::shared_ptr<const T>;

  // REQUIRES: shard_bits <= 16.
  explicit lru(std::size_t capacity, unsigned shard_bits = 4);

  lru(const lru&) = delete;
  lru& operator=(const lru&) = delete;

  // The value cached under k (now the most recently used), or null.
  value_ptr lookup(const Key& k);
  // Caches v under k with the given charge, replacing any value k had, and
  // evicts least recently used entries until the shard fits its share.
  // Returns v.
  value_ptr insert(const Key& k, value_ptr v, std::size_t charge);
  // Drops k's entry, if any.
  void erase(const Key& k);
  // Drops every entry.
  void clear();

  std::size_t capacity() const noexcept { return capacity_; }
  // Sum of the charges of the entries held.
  std::size_t usage() const;
  // Entries held.
  std::size_t size() const;
  std::uint64_t hits() const noexcept { return sum(&shard::hits); }
  std::uint64_t misses() const noexcept { return sum(&shard::misses); }
  std::uint64_t evictions() const noexcept { return sum(&shard::evictions); }

 private:
  struct node {
    Key key;
    value_ptr value;
    std::size_t charge;
  };
  using list_t = std::list<node>;

  struct alignas(64) shard {
    mutable std::mutex mu;
    list_t order;  // front: most recently used
    std::unordered_map<Key, typename list_t::iterator, Hash> map;
    std::size_t usage = 0;
    std::size_t capacity = 0;
    std::atomic<std::uint64_t> hits{0};
    std::atomic<std::uint64_t> misses{0};
    std::atomic<std::uint64_t> evictions{0};
  };

  shard& shard_for(const Key& k) {
    if (shard_bits_ == 0) return shards_[0];
    // Mix first: std::hash of an integer is often the identity.
    std::uint64_t h = static_cast<std::uint64_t>(Hash{}(k));
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return shards_[static_cast<std::size_t>(h >> (64 - shard_bits_))];
  }

  std::uint64_t sum(std::atomic<std::uint64_t> shard::*counter) const noexcept {
    std::uint64_t total = 0;
    for (const shard& s : shards_) total += (s.*counter).load(std::memory_order_relaxed);
    return total;
  }

  static void drop(shard& s, typename list_t::iterator it) {
    s.usage -= it->charge;
    s.map.erase(it->key);
    s.order.erase(it);
  }

  std::size_t capacity_;
  unsigned shard_bits_;
  std::vector<shard> shards_;
};

// ---- implementation -------------------------------------------------------

template <class Key, class T, class Hash>
lru<Key, T, Hash>::lru(std::size_t capacity, unsigned shard_bits)
    : capacity_(capacity), shard_bits_(shard_bits > 16 ? 16 : shard_bits), shards_(std::size_t{1} << shard_bits_) {
  const std::size_t n = shards_.size();
  for (std::size_t i = 0; i < n; ++i) shards_[i].capacity = capacity / n + (i < capacity % n ? 1 : 0);
}

template <class Key, class T, class Hash>
auto lru<Key, T, Hash>::lookup(const Key& k) -> value_ptr {
  shard& s = shard_for(k);
  std::lock_guard g(s.mu);
  const auto it = s.map.find(k);
  if (it == s.map.end()) {
    s.misses.fetch_add(1, std::memory_order_relaxed);  // relaxed: a statistic, read without ordering
    return nullptr;
  }
  s.hits.fetch_add(1, std::memory_order_relaxed);
  s.order.splice(s.order.begin(), s.order, it->second);
  return it->second->value;
}

template <class Key, class T, class Hash>
auto lru<Key, T, Hash>::insert(const Key& k, value_ptr v, std::size_t charge) -> value_ptr {
  shard& s = shard_for(k);
  value_ptr dropped_old;  // released after the lock: a value's destructor may be slow
  std::vector<value_ptr> evicted;
  {
    std::lock_guard g(s.mu);
    if (const auto it = s.map.find(k); it != s.map.end()) {
      dropped_old = std::move(it->second->value);
      drop(s, it->second);
    }
    if (charge > s.capacity) return v;
    s.order.push_front(node{k, v, charge});
    try {
      s.map.emplace(k, s.order.begin());
    } catch (...) {
      s.order.pop_front();
      throw;
    }
    s.usage += charge;
    while (s.usage > s.capacity) {
      auto last = std::prev(s.order.end());
      evicted.push_back(std::move(last->value));
      drop(s, last);
      s.evictions.fetch_add(1, std::memory_order_relaxed);
    }
  }
  return v;
}

template <class Key, class T, class Hash>
void lru<Key, T, Hash>::erase(const Key& k) {
  shard& s = shard_for(k);
  value_ptr dropped;
  std::lock_guard g(s.mu);
  if (const auto it = s.map.find(k); it != s.map.end()) {
    dropped = std::move(it->second->value);
    drop(s, it->second);
  }
}

template <class Key, class T, class Hash>
void lru<Key, T, Hash>::clear() {
  for (shard& s : shards_) {
    list_t dropped;
    {
      std::lock_guard g(s.mu);
      s.map.clear();
      dropped.swap(s.order);
      s.usage = 0;
    }
  }
}

template <class Key, class T, class Hash>
std::size_t lru<Key, T, Hash>::usage() const {
  std::size_t total = 0;
  for (const shard& s : shards_) {
    std::lock_guard g(s.mu);
    total += s.usage;
  }
  return total;
}

template <class Key, class T, class Hash>
std::size_t lru<Key, T, Hash>::size() const {
  std::size_t total = 0;
  for (const shard& s : shards_) {
    std::lock_guard g(s.mu);
    total += s.map.size();
  }
  return total;
}

}  // namespace jadekv::inline v0::cache
