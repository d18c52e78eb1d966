// check: the full consistency walk of one bptree commit, as `bbolt check`.
//
// Verified, reading every page from the file (the pool is bypassed, so the
// walk sees what a reopen would):
//   1. every page's checksum, header and cell structure;
//   2. keys strictly ascending within each page and across leaves, and each
//      child's keys inside the range its parent gives it;
//   3. all leaves at one depth;
//   4. every page in [0, page_count) claimed exactly once: a meta page, a
//      tree page, an overflow run, the free list run, or listed free;
//   5. the leaf entries add up to the meta page's entry count.
//
// Thread safety: reads a pinned view; may run beside readers and a flush.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "jadekv/core/status.hpp"
#include "jadekv/detail/concat.hpp"
#include "jadekv/index/bptree/format.hpp"
#include "jadekv/index/bptree/node.hpp"
#include "jadekv/index/bptree/view.hpp"

namespace jadekv::inline v0::index::detail::bptree {

template <class Cmp>
class checker {
 public:
  checker(const view<Cmp>& v, const Cmp& cmp) : v_(v), pg_(*v.file), cmp_(cmp), seen_(v.m.page_count, 0) {}

  status run() {
    if (auto s = claim(0, 2, "meta"); !s.ok()) return s;
    if (v_.m.freelist != 0) {
      std::vector<page_id> ids;
      std::uint64_t len = 0;
      if (auto s = pg_.load_freelist(v_.m.freelist, v_.m.page_count, true, ids, len); !s.ok()) return s;
      if (auto s = claim(v_.m.freelist, len, "free list run"); !s.ok()) return s;
      for (const page_id id : ids) {
        if (auto s = claim(id, 1, "free page"); !s.ok()) return s;
      }
    }
    if (v_.m.root != 0) {
      if (auto s = walk(v_.m.root, 0, std::nullopt, std::nullopt); !s.ok()) return s;
    }
    for (std::size_t i = 0; i < seen_.size(); ++i) {
      if (seen_[i] == 0) return node_corruption(pg_.name(), i, "leaked: neither reachable nor free");
    }
    if (entries_ != v_.m.entries) {
      return status::corruption(
          jadekv::detail::concat({pg_.name(), ": ", entries_, " keys in the tree, meta page says ", v_.m.entries}));
    }
    return {};
  }

 private:
  status claim(page_id id, std::uint64_t n, std::string_view what) {
    for (std::uint64_t i = 0; i < n; ++i) {
      if (id + i >= seen_.size()) return node_corruption(pg_.name(), id + i, "past the page count");
      if (seen_[id + i] != 0) {
        return node_corruption(pg_.name(), id + i, jadekv::detail::concat({"claimed twice (again as ", what, ")"}));
      }
      seen_[id + i] = 1;
    }
    return {};
  }

  status walk(page_id id, std::size_t depth, std::optional<std::string_view> lo, std::optional<std::string_view> hi) {
    if (depth > k_max_depth) return node_corruption(pg_.name(), id, "tree deeper than possible");
    page_ref<> p;
    if (auto s = pg_.load_node(id, v_.m.page_count, true, false, false, p); !s.ok()) return s;
    if (auto s = claim(id, 1, "tree page"); !s.ok()) return s;
    const char* d = p.data();
    const std::size_t n = p.count();
    auto in_range = [&](std::string_view k) {
      return (!lo || cmp_.compare(k, *lo) >= 0) && (!hi || cmp_.compare(k, *hi) < 0);
    };
    if (p.type() == page_type::leaf) {
      if (!leaf_depth_) leaf_depth_ = depth;
      if (*leaf_depth_ != depth) return node_corruption(pg_.name(), id, "leaves at different depths");
      for (std::size_t i = 0; i < n; ++i) {
        const leaf_cell c = leaf_at(d, i);
        if (!in_range(c.key)) return node_corruption(pg_.name(), id, "key outside its parent's range");
        if (have_last_ && cmp_.compare(last_, c.key) >= 0) {
          return node_corruption(pg_.name(), id, "keys out of order across leaves");
        }
        last_.assign(c.key);
        have_last_ = true;
        ++entries_;
        if (c.overflow != 0) {
          const std::uint64_t len = run_pages(pg_.page_size(), c.value_len);
          page_ref<> run;
          if (auto s = pg_.load_run(c.overflow, len, page_type::overflow, v_.m.page_count, true, false, false, run);
              !s.ok()) {
            return s;
          }
          if (auto s = claim(c.overflow, len, "overflow run"); !s.ok()) return s;
        }
      }
      return {};
    }
    for (std::size_t i = 0; i < n; ++i) {
      const std::string_view k = cell_key(d, i);
      if (!in_range(k)) return node_corruption(pg_.name(), id, "separator outside its parent's range");
      const std::optional<std::string_view> child_lo = i == 0 ? lo : std::optional<std::string_view>(k);
      const std::optional<std::string_view> child_hi = i + 1 < n ? std::optional<std::string_view>(cell_key(d, i + 1)) : hi;
      if (auto s = walk(branch_child(d, i), depth + 1, child_lo, child_hi); !s.ok()) return s;
    }
    return {};
  }

  const view<Cmp>& v_;
  pager<Cmp>& pg_;
  const Cmp& cmp_;
  std::vector<std::uint8_t> seen_;
  std::optional<std::size_t> leaf_depth_;
  std::string last_;
  bool have_last_ = false;
  std::uint64_t entries_ = 0;
};

template <class Cmp>
status check(const view<Cmp>& v, const Cmp& cmp) {
  return checker<Cmp>(v, cmp).run();
}

}  // namespace jadekv::inline v0::index::detail::bptree
