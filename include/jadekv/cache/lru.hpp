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
// chained hash table and a recency list threaded through the same nodes; a
// key's shard comes from the high bits of its (mixed) hash, its bucket from
// the low bits. Eviction
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

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

namespace jadekv::inline v0::cache {

template <class Key, class T, class Hash = std::hash<Key>>
class lru {
 public:
  using value_ptr = std::shared_ptr<const T>;

  // REQUIRES: shard_bits <= 16.
  explicit lru(std::size_t capacity, unsigned shard_bits = 4);
  ~lru();

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
  // One allocation per entry: the hash chain and the recency list run
  // through the node itself, so a hit touches the bucket, the node and its
  // two list neighbours and nothing else.
  struct link {  // recency list, circular through the shard's head
    link* prev = nullptr;
    link* next = nullptr;
  };
  struct node : link {
    node(const Key& k, value_ptr v, std::size_t c, std::uint64_t h) : key(k), value(std::move(v)), charge(c), hash(h) {}
    Key key;
    value_ptr value;
    std::size_t charge;
    std::uint64_t hash;
    node* chain = nullptr;  // next node in the same bucket
  };

  struct alignas(64) shard {
    mutable std::mutex mu;
    link head;  // sentinel: head.next is the most recently used, head.prev the least
    std::vector<node*> buckets;  // a power of two; grows with the entry count
    std::size_t entries = 0;
    std::size_t usage = 0;
    std::size_t capacity = 0;
    std::atomic<std::uint64_t> hits{0};
    std::atomic<std::uint64_t> misses{0};
    std::atomic<std::uint64_t> evictions{0};

    shard() : buckets(16, nullptr) { head.prev = head.next = &head; }

    node** slot(std::uint64_t h, const Key& k) noexcept {
      node** p = &buckets[static_cast<std::size_t>(h) & (buckets.size() - 1)];
      while (*p != nullptr && ((*p)->hash != h || !((*p)->key == k))) p = &(*p)->chain;
      return p;
    }
    void unlink(link* n) noexcept {
      n->prev->next = n->next;
      n->next->prev = n->prev;
    }
    void push_front(link* n) noexcept {
      n->next = head.next;
      n->prev = &head;
      head.next->prev = n;
      head.next = n;
    }
    // Removes n from the table and the list; the caller owns it afterwards.
    void detach(node* n) noexcept {
      *slot(n->hash, n->key) = n->chain;
      unlink(n);
      usage -= n->charge;
      --entries;
    }
    void grow() {
      std::vector<node*> fresh(buckets.size() * 2, nullptr);
      for (node* n : buckets) {
        while (n != nullptr) {
          node* following = n->chain;
          node*& b = fresh[static_cast<std::size_t>(n->hash) & (fresh.size() - 1)];
          n->chain = b;
          b = n;
          n = following;
        }
      }
      buckets.swap(fresh);
    }
  };

  static std::uint64_t hash_of(const Key& k) noexcept {
    // Mixed: std::hash of an integer is often the identity, and both the
    // shard (high bits) and the bucket (low bits) come from this value.
    std::uint64_t h = static_cast<std::uint64_t>(Hash{}(k));
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 33;
    return h;
  }

  shard& shard_for(std::uint64_t h) noexcept {
    return shards_[shard_bits_ == 0 ? 0 : static_cast<std::size_t>(h >> (64 - shard_bits_))];
  }

  std::uint64_t sum(std::atomic<std::uint64_t> shard::*counter) const noexcept {
    std::uint64_t total = 0;
    for (const shard& s : shards_) total += (s.*counter).load(std::memory_order_relaxed);
    return total;
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
lru<Key, T, Hash>::~lru() {
  clear();
}

template <class Key, class T, class Hash>
auto lru<Key, T, Hash>::lookup(const Key& k) -> value_ptr {
  const std::uint64_t h = hash_of(k);
  shard& s = shard_for(h);
  std::lock_guard g(s.mu);
  node* n = *s.slot(h, k);
  if (n == nullptr) {
    s.misses.fetch_add(1, std::memory_order_relaxed);  // relaxed: a statistic, read without ordering
    return nullptr;
  }
  s.hits.fetch_add(1, std::memory_order_relaxed);
  if (s.head.next != n) {
    s.unlink(n);
    s.push_front(n);
  }
  return n->value;
}

template <class Key, class T, class Hash>
auto lru<Key, T, Hash>::insert(const Key& k, value_ptr v, std::size_t charge) -> value_ptr {
  const std::uint64_t h = hash_of(k);
  shard& s = shard_for(h);
  auto fresh = std::make_unique<node>(k, v, charge, h);
  std::unique_ptr<node> replaced;  // released after the lock: a value's destructor may be slow
  node* evicted = nullptr;         // a chain of evicted nodes, freed after the lock
  {
    std::lock_guard g(s.mu);
    node** p = s.slot(h, k);
    if (node* old = *p; old != nullptr) {
      s.detach(old);
      replaced.reset(old);
    }
    if (charge > s.capacity) return v;
    if (s.entries >= s.buckets.size()) s.grow();
    p = s.slot(h, k);
    node* n = fresh.release();
    *p = n;
    s.push_front(n);
    s.usage += charge;
    ++s.entries;
    while (s.usage > s.capacity) {
      node* last = static_cast<node*>(s.head.prev);
      s.detach(last);
      last->chain = evicted;
      evicted = last;
      s.evictions.fetch_add(1, std::memory_order_relaxed);
    }
  }
  while (evicted != nullptr) delete std::exchange(evicted, evicted->chain);
  return v;
}

template <class Key, class T, class Hash>
void lru<Key, T, Hash>::erase(const Key& k) {
  const std::uint64_t h = hash_of(k);
  shard& s = shard_for(h);
  std::unique_ptr<node> dropped;
  std::lock_guard g(s.mu);
  if (node* n = *s.slot(h, k); n != nullptr) {
    s.detach(n);
    dropped.reset(n);
  }
}

template <class Key, class T, class Hash>
void lru<Key, T, Hash>::clear() {
  for (shard& s : shards_) {
    node* list = nullptr;
    {
      std::lock_guard g(s.mu);
      for (link* l = s.head.next; l != &s.head;) {
        node* n = static_cast<node*>(l);
        l = l->next;
        n->chain = list;
        list = n;
      }
      s.head.prev = s.head.next = &s.head;
      std::fill(s.buckets.begin(), s.buckets.end(), nullptr);
      s.entries = 0;
      s.usage = 0;
    }
    while (list != nullptr) delete std::exchange(list, list->chain);
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
    total += s.entries;
  }
  return total;
}

}  // namespace jadekv::inline v0::cache
