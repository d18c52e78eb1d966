// commit: merges one sorted batch of puts and erases into a bptree as a
// copy-on-write transaction, and stages every page it writes.
//
// The batch is pushed down the tree once: each touched branch splits the
// batch among its children, each touched leaf is merged with its share.
// Rewritten nodes come back up as in-memory nodes; their parent repairs the
// underfull ones (merging with a neighbour, rewriting that one too), writes
// them to pages the free list gives out, and becomes an in-memory node
// itself. So every page of the commit is encoded and written exactly once,
// and every page it replaces goes to the free list's pending set for this
// transaction.
//
// Memory: an in-memory node views its items' bytes in the pages they came
// from (held in `sources`) or in the flush's copy of the batch; writing the
// node copies its first key and drops the rest, so a commit holds only the
// pages on the path it is working on, not everything it touched.
//
// Sizes are in node content bytes (a page without its header), u = P - 24:
//   - a node splits only when its content exceeds u; pieces are packed up to
//     max(fill_percent * u, u / 2), and a last piece under u / 4 is joined
//     to, or balanced with, the one before it;
//   - a rewritten node under u / 4 is merged with a neighbour;
//   - the root keeps no lower bound; a root branch with one child gives way
//     to the child, and a tree with no keys has no root at all.
//
// Thread safety: none; one commit runs at a time, under the store's writer
// lock. Readers of older commits are unaffected: nothing reachable from a
// published commit is written.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "jadekv/core/internal_key.hpp"
#include "jadekv/core/status.hpp"
#include "jadekv/index/bptree/format.hpp"
#include "jadekv/index/bptree/freelist.hpp"
#include "jadekv/index/bptree/node.hpp"
#include "jadekv/index/bptree/pager.hpp"

namespace jadekv::inline v0::index::detail::bptree {

// One user key's newest entry in a flush.
struct flush_op {
  std::string_view key;
  sequence_number seq = 0;
  bool put = true;
  std::string_view value;
};

template <class Cmp>
class commit {
 public:
  commit(pager<Cmp>& pg, freelist<>& fl, txid tx, std::uint64_t page_count, const Cmp& cmp, double fill, bool verify)
      : pg_(pg), fl_(fl), tx_(tx), page_count_(page_count), cmp_(cmp), verify_(verify) {
    const std::size_t u = pg.page_size() - k_header_size;
    min_fill_ = u / 4;
    target_ = std::clamp(static_cast<std::size_t>(fill * static_cast<double>(u)), u / 2, u);
  }

  // Merges ops (ascending, one per key) into the tree at root.
  status apply(page_id root, std::span<const flush_op> ops, page_id& new_root, std::int64_t& entries_delta) {
    std::vector<std::unique_ptr<fresh>> nodes;
    if (root == 0) {
      std::vector<leaf_item> items;
      for (const auto& op : ops) {
        if (!op.put) continue;
        items.push_back(new_item(op));
        ++delta_;
      }
      split(std::move(items), nodes, {});
    } else if (auto s = merge(root, ops, 0, nodes); !s.ok()) {
      return s;
    }
    entries_delta = delta_;
    if (nodes.empty()) {
      new_root = 0;
      return {};
    }
    while (nodes.size() > 1) {
      std::vector<branch_item> items;
      for (auto& n : nodes) {
        branch_item bi;
        if (auto s = write_node(*n, bi); !s.ok()) return s;
        items.push_back(bi);
      }
      nodes.clear();
      split(std::move(items), nodes, {});
    }
    fresh& top = *nodes.front();
    if (top.leaf || top.branches.size() > 1) {
      branch_item bi;
      auto s = write_node(top, bi);
      new_root = bi.child;
      return s;
    }
    new_root = top.branches.front().child;
    for (std::size_t depth = 0;; ++depth) {  // a chain of one-child branches gives way to its end
      page_ref<> p;
      if (auto s = page_for(new_root, p); !s.ok()) return s;
      if (p.type() != page_type::branch || p.count() != 1) return {};
      if (depth > k_max_depth) return node_corruption(pg_.name(), new_root, "tree deeper than possible");
      fl_.release_later(tx_, new_root, 1);
      new_root = branch_child(p.data(), 0);
    }
  }

  // A run holding bytes (overflow value or free list), staged for writing.
  page_id write_run(page_type type, std::string_view body) {
    const std::uint64_t n = run_pages(pg_.page_size(), body.size());
    const page_id id = fl_.allocate(n, page_count_);
    page_ref<> p = page_ref<>::allocate(static_cast<std::size_t>(n * pg_.page_size()));
    char* d = p.mutable_data();
    write_header(d, type, 0, id, static_cast<std::uint32_t>(n - 1));
    if (!body.empty()) std::memcpy(d + k_header_size, body.data(), body.size());
    std::memset(d + k_header_size + body.size(), 0, p.size() - k_header_size - body.size());
    seal(d, p.size());
    stage(id, std::move(p));
    return id;
  }

  // Stages the free list run of the commit (after every other allocation
  // and release); returns its first page and length, or 0 with no free page.
  std::pair<page_id, std::uint64_t> write_freelist() {
    const std::size_t room = fl_.size();
    if (room == 0) return {0, 0};
    const std::uint64_t n = run_pages(pg_.page_size(), 8 + 8 * room);
    const page_id id = fl_.allocate(n, page_count_);
    const std::vector<page_id> ids = fl_.all();  // the allocation only shrank it
    page_ref<> p = page_ref<>::allocate(static_cast<std::size_t>(n * pg_.page_size()));
    char* d = p.mutable_data();
    std::memset(d, 0, p.size());
    write_header(d, page_type::freelist, 0, id, static_cast<std::uint32_t>(n - 1));
    encode_fixed64(d + k_header_size, ids.size());
    for (std::size_t i = 0; i < ids.size(); ++i) encode_fixed64(d + k_header_size + 8 + 8 * i, ids[i]);
    seal(d, p.size());
    stage(id, std::move(p));
    return {id, n};
  }

  // Writes what is still staged.
  status flush_staged() {
    auto s = pg_.write_pages(staged_);
    staged_.clear();
    staged_bytes_ = 0;
    return s;
  }

  std::uint64_t page_count() const noexcept { return page_count_; }
  std::uint64_t bytes_written() const noexcept { return bytes_written_; }

 private:
  struct fresh {
    bool leaf = true;
    std::vector<leaf_item> leaves;
    std::vector<branch_item> branches;
    std::size_t content = 0;
    std::vector<page_ref<>> sources;  // the pages the items' bytes live in

    std::string_view first_key() const { return leaf ? leaves.front().key : branches.front().key; }
  };

  // A child of a branch being rebuilt: an untouched page or a rewritten node.
  struct slot {
    std::string_view key;
    page_id id = 0;
    std::unique_ptr<fresh> node;
  };

  leaf_item new_item(const flush_op& op) const {
    leaf_item it;
    it.key = op.key;
    it.seq = op.seq;
    it.value = op.value;
    it.value_len = static_cast<std::uint32_t>(op.value.size());
    it.spill = needs_spill(pg_.page_size(), op.key, op.seq, op.value.size());
    return it;
  }

  status load(page_id id, page_ref<>& out) {
    return pg_.load_node(id, page_count_, verify_, true, true, out);
  }

  status page_for(page_id id, page_ref<>& out) {
    if (auto it = staged_.find(id); it != staged_.end()) {
      out = it->second;
      return {};
    }
    return load(id, out);
  }

  void free_value(const leaf_item& it) {
    if (it.spill && it.overflow != 0) fl_.release_later(tx_, it.overflow, run_pages(pg_.page_size(), it.value_len));
  }

  status merge(page_id id, std::span<const flush_op> ops, std::size_t depth,
               std::vector<std::unique_ptr<fresh>>& out) {
    if (depth > k_max_depth) return node_corruption(pg_.name(), id, "tree deeper than possible");
    page_ref<> p;
    if (auto s = load(id, p); !s.ok()) return s;
    fl_.release_later(tx_, id, 1);
    const char* d = p.data();
    const std::size_t count = p.count();
    if (p.type() == page_type::leaf) {
      std::vector<leaf_item> items;
      items.reserve(count + ops.size());
      std::size_t i = 0, j = 0;
      while (i < count || j < ops.size()) {
        const int c = i == count ? 1 : (j == ops.size() ? -1 : cmp_.compare(cell_key(d, i), ops[j].key));
        if (c < 0) {
          items.push_back(leaf_item_at(d, i++));
          continue;
        }
        if (c == 0) {
          free_value(leaf_item_at(d, i++));
          if (!ops[j].put) --delta_;
        } else if (ops[j].put) {
          ++delta_;
        }
        if (ops[j].put) items.push_back(new_item(ops[j]));
        ++j;
      }
      split(std::move(items), out, {p});
      return {};
    }
    std::vector<slot> slots;
    slots.reserve(count + 4);
    std::size_t j = 0;
    for (std::size_t i = 0; i < count; ++i) {
      std::size_t end = ops.size();
      if (i + 1 < count) {
        const std::string_view next = cell_key(d, i + 1);
        end = static_cast<std::size_t>(
            std::partition_point(ops.begin() + static_cast<std::ptrdiff_t>(j), ops.end(),
                                 [&](const flush_op& op) { return cmp_.compare(op.key, next) < 0; }) -
            ops.begin());
      }
      if (end == j) {
        slots.push_back({cell_key(d, i), branch_child(d, i), nullptr});
        continue;
      }
      std::vector<std::unique_ptr<fresh>> sub;
      if (auto s = merge(branch_child(d, i), ops.subspan(j, end - j), depth + 1, sub); !s.ok()) return s;
      for (auto& n : sub) slots.push_back({n->first_key(), 0, std::move(n)});
      j = end;
    }
    if (auto s = normalize(slots); !s.ok()) return s;
    std::vector<branch_item> items;
    items.reserve(slots.size());
    for (auto& sl : slots) {
      branch_item bi{sl.key, sl.id};
      if (sl.node) {
        if (auto s = write_node(*sl.node, bi); !s.ok()) return s;
      }
      items.push_back(bi);
    }
    split(std::move(items), out, {p});  // untouched children's keys live in p
    return {};
  }

  // Merges every rewritten child under u / 4 with a neighbour.
  status normalize(std::vector<slot>& slots) {
    std::size_t i = 0;
    while (i < slots.size()) {
      if (slots.size() == 1 || !slots[i].node || slots[i].node->content >= min_fill_) {
        ++i;
        continue;
      }
      const std::size_t l = i + 1 < slots.size() ? i : i - 1;
      fresh left, right;
      if (auto s = take(slots[l], left); !s.ok()) return s;
      if (auto s = take(slots[l + 1], right); !s.ok()) return s;
      if (left.leaf != right.leaf) return node_corruption(pg_.name(), slots[l].id, "leaves at different depths");
      std::vector<std::unique_ptr<fresh>> pieces;
      left.sources.insert(left.sources.end(), right.sources.begin(), right.sources.end());
      if (left.leaf) {
        left.leaves.insert(left.leaves.end(), right.leaves.begin(), right.leaves.end());
        split(std::move(left.leaves), pieces, left.sources);
      } else {
        left.branches.insert(left.branches.end(), right.branches.begin(), right.branches.end());
        split(std::move(left.branches), pieces, left.sources);
      }
      std::vector<slot> repl;
      for (auto& n : pieces) repl.push_back({n->first_key(), 0, std::move(n)});
      slots.erase(slots.begin() + static_cast<std::ptrdiff_t>(l), slots.begin() + static_cast<std::ptrdiff_t>(l + 2));
      slots.insert(slots.begin() + static_cast<std::ptrdiff_t>(l), std::make_move_iterator(repl.begin()),
                   std::make_move_iterator(repl.end()));
      i = l;
    }
    return {};
  }

  // The node of a slot in memory; an untouched page is read and released.
  status take(slot& sl, fresh& out) {
    if (sl.node) {
      out = std::move(*sl.node);
      return {};
    }
    page_ref<> p;
    if (auto s = load(sl.id, p); !s.ok()) return s;
    fl_.release_later(tx_, sl.id, 1);
    out.leaf = p.type() == page_type::leaf;
    out.sources.push_back(p);
    for (std::size_t i = 0; i < p.count(); ++i) {
      if (out.leaf) out.leaves.push_back(leaf_item_at(p.data(), i));
      else out.branches.push_back({cell_key(p.data(), i), branch_child(p.data(), i)});
    }
    return {};
  }

  template <class Item>
  static std::size_t content_of(std::span<const Item> items) noexcept {
    std::size_t n = 0;
    for (const auto& it : items) n += it.size();
    return n;
  }

  template <class Item>
  void emit(std::vector<Item>&& items, std::vector<std::unique_ptr<fresh>>& out,
            const std::vector<page_ref<>>& sources) {
    auto f = std::make_unique<fresh>();
    f->sources = sources;
    f->content = content_of<Item>(items);
    if constexpr (std::is_same_v<Item, leaf_item>) {
      f->leaf = true;
      f->leaves = std::move(items);
    } else {
      f->leaf = false;
      f->branches = std::move(items);
    }
    out.push_back(std::move(f));
  }

  // Cuts items into nodes as the top comment describes.
  template <class Item>
  void split(std::vector<Item>&& items, std::vector<std::unique_ptr<fresh>>& out,
             const std::vector<page_ref<>>& sources) {
    if (items.empty()) return;
    const std::size_t u = pg_.page_size() - k_header_size;
    if (content_of<Item>(items) + common_prefix(items.front().key, items.back().key, k_max_prefix) <= u) {
      emit(std::move(items), out, sources);
      return;
    }
    // A piece also leaves room for its key prefix (format.hpp), which
    // shrinks as the piece grows: what its first key shares with the last.
    std::vector<std::size_t> cuts{0};  // piece starts
    std::size_t cur = 0;
    for (std::size_t i = 0; i < items.size(); ++i) {
      const std::size_t sz = items[i].size();
      const std::size_t prefix = common_prefix(items[cuts.back()].key, items[i].key, k_max_prefix);
      if (cur + sz + prefix > target_ && cur > 0) {
        cuts.push_back(i);
        cur = 0;
      }
      cur += sz;
    }
    if (cuts.size() >= 2 && cur < min_fill_) {
      const std::size_t prev_start = cuts[cuts.size() - 2];
      std::size_t both = 0;
      for (std::size_t i = prev_start; i < items.size(); ++i) both += items[i].size();
      cuts.pop_back();
      if (both > u) {  // balance the last two pieces
        std::size_t left = 0, i = prev_start;
        while (left * 2 < both) left += items[i++].size();
        cuts.push_back(i);
      }
    }
    cuts.push_back(items.size());
    for (std::size_t c = 0; c + 1 < cuts.size(); ++c) {
      std::vector<Item> piece(std::make_move_iterator(items.begin() + static_cast<std::ptrdiff_t>(cuts[c])),
                              std::make_move_iterator(items.begin() + static_cast<std::ptrdiff_t>(cuts[c + 1])));
      emit(std::move(piece), out, sources);
    }
  }

  // Encodes a node (and the overflow runs of its new values) into a new
  // page; out is its entry for the parent, with the first key copied (the
  // node's items and the pages they view are released).
  status write_node(fresh& f, branch_item& out) {
    const std::size_t p = pg_.page_size();
    if (f.leaf) {
      for (auto& it : f.leaves) {
        if (it.spill && it.overflow == 0) it.overflow = write_run(page_type::overflow, it.value);
      }
    }
    const page_id id = fl_.allocate(1, page_count_);
    page_ref<> page = page_ref<>::allocate(p);
    if (f.leaf) encode_leaf(page.mutable_data(), p, id, f.leaves);
    else encode_branch(page.mutable_data(), p, id, f.branches);
    stage(id, std::move(page));
    keys_.emplace_back(f.first_key());
    out = {keys_.back(), id};
    f = fresh{};
    if (staged_bytes_ >= k_stage_limit) return flush_staged();
    return {};
  }

  void stage(page_id id, page_ref<> p) {
    staged_bytes_ += p.size();
    bytes_written_ += p.size();
    staged_.emplace(id, std::move(p));
  }

  static constexpr std::size_t k_stage_limit = std::size_t{4} << 20;

  pager<Cmp>& pg_;
  freelist<>& fl_;
  txid tx_;
  std::uint64_t page_count_;
  const Cmp& cmp_;
  bool verify_;
  std::size_t min_fill_ = 0;
  std::size_t target_ = 0;
  std::int64_t delta_ = 0;
  std::deque<std::string> keys_;  // first keys of the nodes written (stable addresses)
  std::map<page_id, page_ref<>> staged_;
  std::size_t staged_bytes_ = 0;
  std::uint64_t bytes_written_ = 0;
};

}  // namespace jadekv::inline v0::index::detail::bptree
