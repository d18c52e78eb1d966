// memtable::skiplist: a lock-free skiplist of versioned entries.
//
// Thread safety:
//   - insert() may run on any number of threads at once, with no lock: a new
//     node is linked level by level with compare-and-swap.
//   - get(), iterator() and every cursor operation may run at the same time as
//     inserts, on any thread, without locks; they never block and never see a
//     half-built node. A cursor sees entries inserted after it was created
//     when it reaches their position.
//   - memory_usage() and entry_count() may be read from any thread; while
//     inserts run they are each a value the memtable passed through.
//   - Construction and destruction need exclusive access.
//
// Invariants:
//   1. Level 0 holds every published node in strict internal-key order; level
//      i holds a subsequence of level i-1. A node is never removed or moved.
//   2. A node is fully written (tower links of the levels being published,
//      the entry bytes and the value record) before a release CAS makes it
//      reachable at a level; readers load links with acquire, so whatever
//      they reach is complete.
//   3. A node is linked at level 0 first, then upwards: a node reachable at
//      level i is reachable at every level below i.
//   4. max_height_ is only where searches start. A reader that sees a stale,
//      smaller value starts lower and still finds every node (invariant 1:
//      level 0 holds them all); one that sees a larger value than any linked
//      node finds null links at the head up there and moves down.
//
// Node layout (one arena allocation, pointer-aligned; height is not stored):
//
//   | next[h-1] | ... | next[1] | next[0] | key part | value reference (7 bytes) |
//                                          ^ node address
//
//   The key part is detail/entry.hpp's; the reference (detail/value_ref.hpp)
//   points to the value's record, allocated apart from every node. Should
//   the two lie too far apart for a reference (tagged pointers), the record
//   follows the reference in the node's own allocation instead.
//
// Placement: nodes of height 1, 2, 3 and 4+ come from four arenas, value
// records from a fifth. A search at level L only visits nodes taller than L,
// and only reads keys: the nodes it walks sit packed, without values, in few
// pages and cache lines (a height-1 node of a 16-byte key is 40 bytes, where
// an inline 100-byte value would make it 136), so an insert or a lookup
// takes fewer TLB and cache misses. A value is written once and read only by
// a hit or a scan, at the cost of one more miss there.
//
// Search: the target is prepared once (detail/entry_probe.hpp), so that a
// compare of a bytewise key of up to 16 bytes is a few integer operations.
// A level's walk stops at the node that ended the level above without
// comparing it again. On the four lowest levels, too large to stay cached,
// each step prefetches the nodes the walk may compare next, right and one
// level down, so that their misses overlap this level's compares.
//
// Appends: tail_[i] is the node an insert last linked at the end of level
// i (the head at first). An insert whose key sorts after tail_[0]'s, where
// every tail_[i] still ends its level, has its splice without a search:
// keys that arrive in order (a sequential load, a log replay) cost one
// compare instead of a walk down from the head. A stale tail only sends
// the insert to the search; a tail that ends its level is rightmost there
// (nodes are never removed) and sorts before the new key (tail_[0], the
// largest, does).
//
// Memory: heights are drawn with P(h >= k) = 4^-(k-1), so the tower averages
// 4/3 pointers (10.7 bytes). Beyond its key and value an entry costs its
// tower, the key's length byte and 8-byte tag, the 7-byte reference and the
// record's length byte (a 16-byte key: 27.7 bytes), and up to 7 bytes of
// alignment padding when the key's size is not a multiple of 8; plus the
// unused tails of the arenas' current blocks (node blocks grow to 2 MiB huge
// pages in a large table, core/arena.hpp; value blocks stay at the base
// size, since nothing walks them at random).
#pragma once

#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <string_view>

#include "jadekv/core/block_recycler.hpp"
#include "jadekv/core/comparator.hpp"
#include "jadekv/core/concurrent_arena.hpp"
#include "jadekv/core/internal_key.hpp"
#include "jadekv/detail/striped_counter.hpp"
#include "jadekv/detail/thread_slot.hpp"
#include "jadekv/memtable/concepts.hpp"
#include "jadekv/memtable/detail/entry.hpp"
#include "jadekv/memtable/detail/entry_probe.hpp"
#include "jadekv/memtable/detail/value_ref.hpp"

namespace jadekv::inline v0::memtable {

template <comparator Cmp = bytewise_comparator, int MaxHeight = 12>
class skiplist {
  static_assert(MaxHeight >= 1 && MaxHeight <= 32, "memtable::skiplist: MaxHeight must be in [1, 32]");

  struct node;  // opaque: its address is the first entry byte; the tower lies below
  using link = std::atomic<node*>;
  using probe = detail::entry_probe<Cmp>;

 public:
  using comparator_type = Cmp;
  static constexpr bool k_concurrent_insert = true;
  static constexpr bool k_ordered = true;
  static constexpr int k_max_height = MaxHeight;

  struct options {
    // Block size of the arenas for height-1 nodes and for values (whose
    // blocks never grow); taller classes, which hold 1/4, 1/16 and 1/64 of
    // the nodes, use a quarter of the previous one.
    std::size_t arena_block_size = concurrent_arena::k_default_block_size;
    std::size_t arena_shards = 0;  // 0: twice the hardware threads, at least 4
    std::shared_ptr<block_recycler> recycler;  // the arenas' blocks come from and go back to it; may be null
  };

  class cursor;

  [[gnu::cold]] explicit skiplist(const options& opt = {}, const Cmp& cmp = {});
  skiplist(const skiplist&) = delete;
  skiplist& operator=(const skiplist&) = delete;

  // Adds the entry (key, seq, kind, value). Any thread, concurrently.
  // REQUIRES: seq <= k_max_sequence; no entry (key, seq) yet.
  void insert(sequence_number seq, value_kind kind, std::string_view key, std::string_view value);

  // The newest version of key with seq <= visible_at. Any thread.
  lookup get(std::string_view key, sequence_number visible_at) const;

  // A cursor, not positioned (valid() is false until a seek). Any thread.
  cursor iterator() const noexcept { return cursor(this); }

  // Heap bytes held, exact: the arenas plus the entry counter's stripes.
  std::size_t memory_usage() const noexcept {
    std::size_t sum = count_.memory_usage() + values_.memory_usage();
    for (const concurrent_arena& a : arenas_) sum += a.memory_usage();
    return sum;
  }

  std::size_t entry_count() const noexcept { return count_.load(); }

  // Whether every level runs in strictly increasing internal-key order
  // (invariant 1), walking each level once. For tests. REQUIRES: no insert
  // running.
  bool check_order() const;

 private:
  static link& next_link(node* n, int level) noexcept { return reinterpret_cast<link*>(n)[-1 - level]; }
  static const link& next_link(const node* n, int level) noexcept {
    return reinterpret_cast<const link*>(n)[-1 - level];
  }
  static const char* entry(const node* n) noexcept { return reinterpret_cast<const char*>(n); }
  static char* entry(node* n) noexcept { return reinterpret_cast<char*>(n); }
  static int random_height() noexcept;
  // Starts fetching the lines a search at `level` reads on n: its key and
  // its link there. Independent of the compare in progress, so the misses
  // overlap instead of queueing.
  static void prefetch_node(const node* n, int level) noexcept {
    __builtin_prefetch(entry(n));
    __builtin_prefetch(reinterpret_cast<const link*>(n) - 1 - level);
  }

  static constexpr int k_height_classes = 4;
  // Levels 0-3 hold all, 1/4, 1/16 and 1/64 of the nodes: in a large table
  // too many to stay cached, so the search prefetches there. Higher levels
  // are few nodes that every search walks: cached, a prefetch only costs.
  static constexpr int k_prefetch_levels = 4;
  static std::size_t class_block_size(std::size_t base, int c) noexcept {
    const std::size_t b = base >> (2 * c);
    return b < 4096 ? 4096 : b;
  }

  // Allocates and fills a node and its value record.
  node* new_node(int height, std::string_view key, std::uint64_t tag, std::string_view value);
  // Pointer-aligned bytes from the arena of a height class.
  char* allocate(int height, std::size_t bytes);
  // The first node >= target, or null.
  node* find_greater_or_equal(const probe& target) const {
    // relaxed: invariant 4.
    return search<false>(target, max_height_.load(std::memory_order_relaxed), nullptr, nullptr);
  }
  // Walks down from the head and returns the first node >= target (level 0).
  // With Splice, also fills prev[i] < target <= next[i] for every level i < top.
  template <bool Splice>
  node* search(const probe& target, int top, node** prev, node** next) const {
    return target.specialize([&](const auto& p) { return walk<Splice>(p, top, prev, next); });
  }
  // search() with the probe in the form specialize() chose.
  template <bool Splice, class P>
  node* walk(const P& target, int top, node** prev, node** next) const;
  // The last node < target, or null when that is the head.
  node* find_less_than(const probe& target) const;
  node* find_last() const;
  // From `before` (< target) along `level`: before < target <= after.
  void find_at_level(const probe& target, int level, node*& before, node*& after) const;
  // Fills prev[i] = tail_[i], next[i] = null for every level i < top when
  // target sorts after every node (see Appends above); false otherwise.
  bool tail_splice(const probe& target, int top, node** prev, node** next) const;

  [[no_unique_address]] Cmp cmp_;
  concurrent_arena arenas_[k_height_classes];  // heights 1, 2, 3, 4+
  concurrent_arena values_;
  node* head_;
  std::atomic<int> max_height_{1};
  std::atomic<node*> tail_[MaxHeight];  // see Appends above
  jadekv::detail::striped_counter count_;
};

template <comparator Cmp, int MaxHeight>
class skiplist<Cmp, MaxHeight>::cursor : public detail::entry_accessors<cursor, detail::values_apart> {
 public:
  bool valid() const noexcept { return node_ != nullptr; }
  // First entry >= (key, seq).
  void seek(std::string_view key, sequence_number seq = k_max_sequence) {
    node_ = list_->find_greater_or_equal(probe(list_->cmp_, key, detail::seek_tag(seq)));
  }
  // acquire: pairs with the release CAS that published the node (invariant 2).
  void seek_to_first() noexcept { node_ = next_link(list_->head_, 0).load(std::memory_order_acquire); }
  void seek_to_last() { node_ = list_->find_last(); }
  // REQUIRES: valid(). acquire: as in seek_to_first. Nodes lie in
  // insertion order, not key order, so each step of a scan is a cache miss:
  // fetching the node after the new one overlaps that miss with the
  // caller's work on this entry. (Fetching the new one's record here too
  // measured no gain: the caller reads the value right away.)
  void next() noexcept {
    node_ = next_link(node_, 0).load(std::memory_order_acquire);
    if (node_ != nullptr) {
      // relaxed: only a hint; the next step reloads the link with acquire.
      if (const node* after = next_link(node_, 0).load(std::memory_order_relaxed)) prefetch_node(after, 0);
    }
  }
  // REQUIRES: valid(). A search from the head: O(log n).
  void prev() {
    const detail::entry_key k = detail::decode_key(entry());
    node_ = list_->find_less_than(probe(list_->cmp_, k.user_key, k.tag));
  }

 private:
  friend class skiplist;
  friend class detail::entry_accessors<cursor, detail::values_apart>;
  explicit cursor(const skiplist* list) noexcept : list_(list) {}
  const char* entry() const noexcept { return skiplist::entry(node_); }

  const skiplist* list_;
  node* node_ = nullptr;
};

// ---- definitions -----------------------------------------------------------

template <comparator Cmp, int MaxHeight>
skiplist<Cmp, MaxHeight>::skiplist(const options& opt, const Cmp& cmp)
    : cmp_(cmp),
      arenas_{concurrent_arena(class_block_size(opt.arena_block_size, 0), opt.arena_shards, opt.recycler),
              concurrent_arena(class_block_size(opt.arena_block_size, 1), opt.arena_shards, opt.recycler),
              concurrent_arena(class_block_size(opt.arena_block_size, 2), opt.arena_shards, opt.recycler),
              concurrent_arena(class_block_size(opt.arena_block_size, 3), opt.arena_shards, opt.recycler)},
      values_(opt.arena_block_size, opt.arena_shards, opt.recycler, opt.arena_block_size),
      head_(new_node(MaxHeight, {}, 0, {})),  // the head's entry is never read
      count_(arenas_[0].shard_count()) {
  for (std::atomic<node*>& t : tail_) t.store(head_, std::memory_order_relaxed);
}

template <comparator Cmp, int MaxHeight>
int skiplist<Cmp, MaxHeight>::random_height() noexcept {
  // Per-thread xorshift64 state: no shared write per insert. Zero means not
  // seeded yet; the seed, from the thread's slot, is never zero.
  thread_local std::uint64_t state = 0;
  if (state == 0) [[unlikely]]
    state = 0x9e3779b97f4a7c15ull * (jadekv::detail::thread_slot() + 1ull);
  state ^= state << 13;
  state ^= state >> 7;
  state ^= state << 17;
  // Each pair of low zero bits is one more level: P(h >= k) = 4^-(k-1).
  const std::uint64_t r = state | (std::uint64_t{1} << (2 * (MaxHeight - 1)));
  return 1 + std::countr_zero(r) / 2;
}

template <comparator Cmp, int MaxHeight>
char* skiplist<Cmp, MaxHeight>::allocate(int height, std::size_t bytes) {
  // Rounding up keeps every shard's bump pointer pointer-aligned, so no
  // allocation pays alignment slop.
  bytes = (bytes + alignof(link) - 1) & ~(alignof(link) - 1);
  return arenas_[height < k_height_classes ? height - 1 : k_height_classes - 1].allocate_aligned(bytes, alignof(link));
}

template <comparator Cmp, int MaxHeight>
auto skiplist<Cmp, MaxHeight>::new_node(int height, std::string_view key, std::uint64_t tag, std::string_view value)
    -> node* {
  const std::size_t tower = static_cast<std::size_t>(height) * sizeof(link);
  const std::size_t bytes = tower + detail::key_part_size(key.size()) + detail::k_value_ref_size;
  // Both allocations before any byte is written: an allocation takes a shard
  // with a locked instruction, which would first wait for pending stores to
  // fresh (uncached) lines.
  char* record = values_.allocate(detail::value_part_size(value.size()));
  char* mem = allocate(height, bytes);
  char* ref = detail::encode_key_part(mem + tower, key, tag);
  if (!detail::encode_value_ref(ref, record)) [[unlikely]] {
    // Not taken back: an arena frees nothing before it dies.
    mem = allocate(height, bytes + detail::value_part_size(value.size()));
    ref = detail::encode_key_part(mem + tower, key, tag);
    record = ref + detail::k_value_ref_size;
    detail::encode_value_ref(ref, record);  // 7 bytes apart: always fits
  }
  detail::encode_value_part(record, value);
  for (int i = 0; i < height; ++i) new (mem + static_cast<std::size_t>(i) * sizeof(link)) link(nullptr);
  return reinterpret_cast<node*>(mem + tower);
}

template <comparator Cmp, int MaxHeight>
void skiplist<Cmp, MaxHeight>::insert(sequence_number seq, value_kind kind, std::string_view key,
                                      std::string_view value) {
  detail::check_insert(seq, kind, key, value);
  const std::uint64_t tag = pack_tag(seq, kind);
  const int height = random_height();
  node* n = new_node(height, key, tag, value);

  // relaxed: max_height_ only bounds where searches start (invariant 4); the
  // links themselves carry the ordering.
  int top = max_height_.load(std::memory_order_relaxed);
  while (height > top && !max_height_.compare_exchange_weak(top, height, std::memory_order_relaxed)) {
  }
  if (height > top) top = height;

  const probe target(cmp_, key, tag);
  node* prev[MaxHeight];
  node* next[MaxHeight];
  if (!tail_splice(target, top, prev, next)) search<true>(target, top, prev, next);

  for (int level = 0; level < height; ++level) {
    for (;;) {
      if (level == 0) {
        if (prev[0] != head_) detail::check_new_version(cmp_, entry(prev[0]), key, seq);
        if (next[0] != nullptr) detail::check_new_version(cmp_, entry(next[0]), key, seq);
      }
      // relaxed: n is not reachable at this level yet; the release CAS below
      // publishes this store along with the entry bytes (invariant 2).
      next_link(n, level).store(next[level], std::memory_order_relaxed);
      // release on success: makes n's bytes and links visible to any thread
      // that acquires this link. relaxed on failure: find_at_level reloads
      // the links it follows with acquire.
      if (next_link(prev[level], level)
              .compare_exchange_strong(next[level], n, std::memory_order_release, std::memory_order_relaxed)) {
        // release: a tail_splice that loads n reads its entry.
        if (next[level] == nullptr) tail_[level].store(n, std::memory_order_release);
        break;
      }
      // Another node went in between at this level: walk on from prev[level],
      // which still sorts before n.
      find_at_level(target, level, prev[level], next[level]);
    }
  }
  count_.add(1);
}

template <comparator Cmp, int MaxHeight>
bool skiplist<Cmp, MaxHeight>::check_order() const {
  for (int level = 0; level < MaxHeight; ++level) {
    const node* a = next_link(head_, level).load(std::memory_order_acquire);
    for (const node* b = a ? next_link(a, level).load(std::memory_order_acquire) : nullptr; b != nullptr;
         a = b, b = next_link(b, level).load(std::memory_order_acquire)) {
      const detail::entry_key k = detail::decode_key(entry(b));
      if (detail::compare_entry(cmp_, entry(a), k.user_key, k.tag) >= 0) return false;
    }
  }
  return true;
}

template <comparator Cmp, int MaxHeight>
bool skiplist<Cmp, MaxHeight>::tail_splice(const probe& target, int top, node** prev, node** next) const {
  // acquire, here and below: pairs with the release stores to tail_ and
  // the links, so the entry and tower read are complete.
  node* last = tail_[0].load(std::memory_order_acquire);
  if (last != head_ && !target.entry_before(entry(last))) return false;
  for (int level = 0; level < top; ++level) {
    node* t = level == 0 ? last : tail_[level].load(std::memory_order_acquire);
    if (next_link(t, level).load(std::memory_order_acquire) != nullptr) return false;
    prev[level] = t;
    next[level] = nullptr;
  }
  // A tail read above is linked at level 0 before it was published as a
  // tail, so it sorts before target unless a node went in after `last`
  // meanwhile: then last's level-0 link is no longer null.
  return next_link(last, 0).load(std::memory_order_acquire) == nullptr;
}

template <comparator Cmp, int MaxHeight>
void skiplist<Cmp, MaxHeight>::find_at_level(const probe& target, int level, node*& before, node*& after) const {
  for (;;) {
    // acquire: pairs with the release CAS that published the node we load,
    // so its entry bytes and tower are complete before we read them.
    node* n = next_link(before, level).load(std::memory_order_acquire);
    if (n == nullptr || !target.entry_before(entry(n))) {
      after = n;
      return;
    }
    before = n;
  }
}

template <comparator Cmp, int MaxHeight>
lookup skiplist<Cmp, MaxHeight>::get(std::string_view key, sequence_number visible_at) const {
  const probe target(cmp_, key, detail::seek_tag(visible_at));
  const node* n = find_greater_or_equal(target);
  if (n == nullptr || !target.same_user_key(entry(n))) return {};
  return detail::lookup_of<detail::values_apart>(entry(n));
}

template <comparator Cmp, int MaxHeight>
template <bool Splice, class P>
auto skiplist<Cmp, MaxHeight>::walk(const P& target, int top, node** prev, node** next) const -> node* {
  node* x = head_;
  // The node that ended the level above: >= target, so the walk here stops
  // there without comparing it again. It is on this level too (invariant
  // 3), so a walk below the top level meets it before any null link.
  node* bound = nullptr;
  int level = top - 1;
  // Upper levels are few nodes, walked by every search: they stay cached,
  // and prefetching there would only cost instructions.
  if constexpr (MaxHeight > k_prefetch_levels) {
    for (; level >= k_prefetch_levels; --level) {
      node* n = next_link(x, level).load(std::memory_order_acquire);  // acquire: invariant 2
      while (n != bound && target.entry_before(entry(n))) {
        x = n;
        n = next_link(x, level).load(std::memory_order_acquire);  // acquire: invariant 2
      }
      if constexpr (Splice) {
        prev[level] = x;
        next[level] = n;
      }
      bound = n;
    }
  }
  for (; level >= 0; --level) {
    node* n = next_link(x, level).load(std::memory_order_acquire);  // acquire: invariant 2
    // relaxed, here and below: only a hint; the walk one level down reloads
    // the link with acquire.
    if (level > 0) {
      if (const node* d = next_link(x, level - 1).load(std::memory_order_relaxed)) prefetch_node(d, level - 1);
    }
    while (n != bound && target.entry_before(entry(n))) {
      x = n;
      n = next_link(x, level).load(std::memory_order_acquire);  // acquire: invariant 2
      // The compare of n comes next and loads its key; its link here is
      // what follows if n < target. The walk below starts at x's successor
      // one level down: fetch it now so that, when this level ends, it has
      // been on its way since.
      if (n != nullptr) __builtin_prefetch(reinterpret_cast<const link*>(n) - 1 - level);
      if (level > 0) {
        if (const node* d = next_link(x, level - 1).load(std::memory_order_relaxed)) prefetch_node(d, level - 1);
      }
    }
    if constexpr (Splice) {
      prev[level] = x;
      next[level] = n;
    }
    bound = n;
  }
  return bound;
}

template <comparator Cmp, int MaxHeight>
auto skiplist<Cmp, MaxHeight>::find_less_than(const probe& target) const -> node* {
  node* x = head_;
  int level = max_height_.load(std::memory_order_relaxed) - 1;  // relaxed: invariant 4
  for (;;) {
    node* n = next_link(x, level).load(std::memory_order_acquire);  // acquire: invariant 2
    if (n != nullptr && target.entry_before(entry(n))) {
      x = n;
    } else if (level == 0) {
      return x == head_ ? nullptr : x;
    } else {
      --level;
    }
  }
}

template <comparator Cmp, int MaxHeight>
auto skiplist<Cmp, MaxHeight>::find_last() const -> node* {
  node* x = head_;
  int level = max_height_.load(std::memory_order_relaxed) - 1;  // relaxed: invariant 4
  for (;;) {
    node* n = next_link(x, level).load(std::memory_order_acquire);  // acquire: invariant 2
    if (n != nullptr) {
      x = n;
    } else if (level == 0) {
      return x == head_ ? nullptr : x;
    } else {
      --level;
    }
  }
}

}  // namespace jadekv::inline v0::memtable
