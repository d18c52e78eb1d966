// memtable::rbtree: a red-black tree of versioned entries over an arena.
//
// Thread safety:
//   - One writer at a time: insert() needs exclusive access.
//   - get(), iterator() and cursor operations may run on many threads at once,
//     but never at the same time as an insert(): the caller excludes readers
//     from the writer (the concurrency policy's reader-writer lock).
//   - A cursor stays valid across inserts made between its operations (nodes
//     never move and are never freed); it sees new entries at their position.
//   - memory_usage() and entry_count() may be read from any thread at any time.
//
// Invariants (red-black, with null leaves counted black):
//   1. In-order traversal visits entries in strict internal-key order.
//   2. The root is black; a red node has no red child.
//   3. Every path from a node down to a null leaf crosses the same number of
//      black nodes, so the height is at most 2 log2(n + 1).
//   4. Nodes are never removed or moved; parent links are kept exact, so
//      successor and predecessor need no stack.
//
// Node layout (one arena allocation, pointer-aligned):
//
//   | left (8) | right (8) | parent | red bit (8) | entry bytes (detail/entry.hpp) |
//
//   The colour lives in bit 0 of the parent word (nodes are 8-aligned).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <string_view>

#include "jadekv/core/arena.hpp"
#include "jadekv/core/block_recycler.hpp"
#include "jadekv/core/comparator.hpp"
#include "jadekv/core/internal_key.hpp"
#include "jadekv/memtable/concepts.hpp"
#include "jadekv/memtable/detail/entry.hpp"

namespace jadekv::inline v0::memtable {

template <comparator Cmp = bytewise_comparator>
class rbtree {
  struct node {
    node* child[2] = {nullptr, nullptr};  // [0] left, [1] right
    std::uintptr_t parent_red = 0;        // parent address | 1 when red

    node* parent() const noexcept { return reinterpret_cast<node*>(parent_red & ~std::uintptr_t{1}); }
    bool red() const noexcept { return (parent_red & 1u) != 0; }
    void set_parent(node* p) noexcept { parent_red = reinterpret_cast<std::uintptr_t>(p) | (parent_red & 1u); }
    void set_red(bool r) noexcept { parent_red = (parent_red & ~std::uintptr_t{1}) | (r ? 1u : 0u); }
    const char* entry() const noexcept { return reinterpret_cast<const char*>(this + 1); }
    char* entry() noexcept { return reinterpret_cast<char*>(this + 1); }
  };

 public:
  using comparator_type = Cmp;
  static constexpr bool k_concurrent_insert = false;
  static constexpr bool k_ordered = true;

  struct options {
    std::size_t arena_block_size = arena::k_default_block_size;
    std::shared_ptr<block_recycler> recycler;  // the arena's blocks come from and go back to it; may be null
  };

  class cursor;

  explicit rbtree(const options& opt = {}, const Cmp& cmp = {})
      : cmp_(cmp), arena_(opt.arena_block_size, opt.recycler) {}
  rbtree(const rbtree&) = delete;
  rbtree& operator=(const rbtree&) = delete;

  // Adds the entry (key, seq, kind, value). Exclusive access.
  // REQUIRES: seq <= k_max_sequence; no entry (key, seq) yet.
  void insert(sequence_number seq, value_kind kind, std::string_view key, std::string_view value);

  // The newest version of key with seq <= visible_at. Shared access.
  lookup get(std::string_view key, sequence_number visible_at) const {
    const node* n = lower_bound(key, detail::seek_tag(visible_at));
    return detail::lookup_at(cmp_, n == nullptr ? nullptr : n->entry(), key);
  }

  // A cursor, not positioned (valid() is false until a seek). Shared access.
  cursor iterator() const noexcept { return cursor(this); }

  // Heap bytes held, exact (the arena). Any thread.
  std::size_t memory_usage() const noexcept { return arena_.memory_usage(); }

  // Any thread. relaxed: a statistic, ordered with inserts by the caller's lock.
  std::size_t entry_count() const noexcept { return count_.load(std::memory_order_relaxed); }

  // Walks the whole tree: true when invariants 1-3 hold, parent links are
  // exact and every node is counted. O(n); shared access. For tests and checks.
  bool check_invariants() const;

 private:
  int compare(const node* n, std::string_view user_key, std::uint64_t tag) const {
    return detail::compare_entry(cmp_, n->entry(), user_key, tag);
  }
  // The first node >= (user_key, tag), or null.
  const node* lower_bound(std::string_view user_key, std::uint64_t tag) const;
  // The leftmost (side 0) or rightmost (side 1) node of the tree, or null.
  const node* extreme(int side) const noexcept;
  // The in-order successor (side 1) or predecessor (side 0) of n, or null.
  static const node* step(const node* n, int side) noexcept;
  // Moves x down to `side`; its child on the other side takes its place.
  void rotate(node* x, int side) noexcept;
  void rebalance_after_insert(node* z) noexcept;
  // Black height of the subtree at n (null leaves count 1), or -1 when
  // invariants 2-3 or the parent links fail below n.
  int check_subtree(const node* n, const node* parent, std::size_t& nodes) const;

  [[no_unique_address]] Cmp cmp_;
  arena arena_;
  node* root_ = nullptr;
  std::atomic<std::size_t> count_{0};
};

template <comparator Cmp>
class rbtree<Cmp>::cursor : public detail::entry_accessors<cursor> {
 public:
  bool valid() const noexcept { return node_ != nullptr; }
  // First entry >= (key, seq).
  void seek(std::string_view key, sequence_number seq = k_max_sequence) {
    node_ = tree_->lower_bound(key, detail::seek_tag(seq));
  }
  void seek_to_first() noexcept { node_ = tree_->extreme(0); }
  void seek_to_last() noexcept { node_ = tree_->extreme(1); }
  // REQUIRES: valid(). Amortised O(1), worst case O(log n).
  void next() noexcept { node_ = step(node_, 1); }
  void prev() noexcept { node_ = step(node_, 0); }

 private:
  friend class rbtree;
  friend class detail::entry_accessors<cursor>;
  explicit cursor(const rbtree* tree) noexcept : tree_(tree) {}
  const char* entry() const noexcept { return node_->entry(); }

  const rbtree* tree_;
  const node* node_ = nullptr;
};

// ---- definitions -----------------------------------------------------------

template <comparator Cmp>
void rbtree<Cmp>::insert(sequence_number seq, value_kind kind, std::string_view key, std::string_view value) {
  detail::check_insert(seq, kind, key, value);
  const std::uint64_t tag = pack_tag(seq, kind);

  // Descend to the null leaf where the entry belongs, remembering the last
  // node passed on each side: those are the new entry's neighbours.
  node* parent = nullptr;
  int side = 0;
  const node* neighbour[2] = {nullptr, nullptr};  // [0] predecessor, [1] successor
  for (node* x = root_; x != nullptr; x = x->child[side]) {
    parent = x;
    side = compare(x, key, tag) < 0 ? 1 : 0;
    neighbour[1 - side] = x;
  }
  for (const node* nb : neighbour)
    if (nb != nullptr) detail::check_new_version(cmp_, nb->entry(), key, seq);

  const std::size_t bytes = sizeof(node) + detail::entry_size(key.size(), value.size());
  char* mem = arena_.allocate_aligned((bytes + alignof(node) - 1) & ~(alignof(node) - 1), alignof(node));
  node* z = new (mem) node;
  detail::encode_entry(z->entry(), key, tag, value);
  z->parent_red = reinterpret_cast<std::uintptr_t>(parent) | 1u;  // new nodes are red
  if (parent == nullptr) {
    root_ = z;
  } else {
    parent->child[side] = z;
  }
  rebalance_after_insert(z);
  // relaxed: see entry_count().
  count_.store(count_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
}

template <comparator Cmp>
void rbtree<Cmp>::rotate(node* x, int side) noexcept {
  node* y = x->child[1 - side];
  x->child[1 - side] = y->child[side];
  if (y->child[side] != nullptr) y->child[side]->set_parent(x);
  node* p = x->parent();
  y->set_parent(p);
  if (p == nullptr) {
    root_ = y;
  } else {
    p->child[p->child[1] == x ? 1 : 0] = y;
  }
  y->child[side] = x;
  x->set_parent(y);
}

template <comparator Cmp>
void rbtree<Cmp>::rebalance_after_insert(node* z) noexcept {
  // z is red; only invariant 2 may be broken, between z and its parent.
  for (node* p = z->parent(); p != nullptr && p->red(); p = z->parent()) {
    node* g = p->parent();  // exists: a red node is never the root
    const int side = g->child[1] == p ? 1 : 0;
    node* uncle = g->child[1 - side];
    if (uncle != nullptr && uncle->red()) {
      // Push the red up: recolour and continue from the grandparent.
      p->set_red(false);
      uncle->set_red(false);
      g->set_red(true);
      z = g;
      continue;
    }
    if (z == p->child[1 - side]) {
      // Inner grandchild: rotate it to the outside first.
      rotate(p, side);
      z = p;
      p = z->parent();
    }
    p->set_red(false);
    g->set_red(true);
    rotate(g, 1 - side);
    break;
  }
  root_->set_red(false);
}

template <comparator Cmp>
auto rbtree<Cmp>::lower_bound(std::string_view user_key, std::uint64_t tag) const -> const node* {
  const node* best = nullptr;
  for (const node* x = root_; x != nullptr;) {
    if (compare(x, user_key, tag) >= 0) {
      best = x;
      x = x->child[0];
    } else {
      x = x->child[1];
    }
  }
  return best;
}

template <comparator Cmp>
auto rbtree<Cmp>::extreme(int side) const noexcept -> const node* {
  const node* x = root_;
  if (x == nullptr) return nullptr;
  while (x->child[side] != nullptr) x = x->child[side];
  return x;
}

template <comparator Cmp>
auto rbtree<Cmp>::step(const node* n, int side) noexcept -> const node* {
  if (n->child[side] != nullptr) {
    n = n->child[side];
    while (n->child[1 - side] != nullptr) n = n->child[1 - side];
    return n;
  }
  const node* p = n->parent();
  while (p != nullptr && n == p->child[side]) {
    n = p;
    p = p->parent();
  }
  return p;
}

template <comparator Cmp>
bool rbtree<Cmp>::check_invariants() const {
  if (root_ != nullptr && (root_->red() || root_->parent() != nullptr)) return false;
  std::size_t nodes = 0;
  if (check_subtree(root_, nullptr, nodes) < 0 || nodes != entry_count()) return false;
  const node* prev = extreme(0);
  for (const node* n = prev == nullptr ? nullptr : step(prev, 1); n != nullptr; prev = n, n = step(n, 1)) {
    const detail::entry_key k = detail::decode_key(n->entry());
    if (compare(prev, k.user_key, k.tag) >= 0) return false;  // invariant 1
  }
  return true;
}

template <comparator Cmp>
int rbtree<Cmp>::check_subtree(const node* n, const node* parent, std::size_t& nodes) const {
  if (n == nullptr) return 1;
  ++nodes;
  if (n->parent() != parent) return -1;
  if (n->red() && ((n->child[0] != nullptr && n->child[0]->red()) || (n->child[1] != nullptr && n->child[1]->red())))
    return -1;  // invariant 2
  const int left = check_subtree(n->child[0], n, nodes);
  const int right = check_subtree(n->child[1], n, nodes);
  if (left < 0 || left != right) return -1;  // invariant 3
  return left + (n->red() ? 0 : 1);
}

}  // namespace jadekv::inline v0::memtable
