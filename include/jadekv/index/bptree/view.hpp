// view: one published commit of a bptree, and the point lookup over it.
//
// A view is immutable once published. Readers hold it by shared_ptr for as
// long as they read; the store counts the live views to decide when pages
// freed by later commits may be written again, so holding a view is what
// pins its pages.
//
// A view also pins the top of its tree (pinned_pages) as reads load it, so
// that reads skip the page pool there.
//
// Thread safety: any number of threads may read one view and run find() and
// load_on_path() on it at once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "jadekv/core/internal_key.hpp"
#include "jadekv/core/status.hpp"
#include "jadekv/index/bptree/format.hpp"
#include "jadekv/index/bptree/node.hpp"
#include "jadekv/index/bptree/pager.hpp"
#include "jadekv/index/bptree/pinned_pages.hpp"

namespace jadekv::inline v0::index::detail::bptree {

template <class Cmp>
struct view {
  meta m;                            // the commit's meta page
  std::uint64_t freelist_pages = 0;  // length of its free list run
  std::shared_ptr<pager<Cmp>> file;  // the file it lives in (compaction swaps files)
  mutable pinned_pages<> top;        // the root and its children, once read
};

struct read_flags {
  bool verify = true;
  bool fill_cache = true;
};

// The node `id` at `depth` of a read's path down v's tree (`index`: at depth
// 1, the node's place among the root's children): from the pinned top of
// the tree, else from the pool (pinning it at depths 0 and 1 when the read
// fills caches). `hold` keeps a page from the pool alive while `out` points
// at it.
template <class Cmp>
status load_on_path(const view<Cmp>& v, page_id id, std::size_t depth, std::size_t index, read_flags rf,
                    page_ref<>& hold, const page_ref<>*& out) {
  if (depth <= 1) {
    if (const page_ref<>* p = depth == 0 ? v.top.root() : v.top.child(index)) {
      out = p;
      return {};
    }
  }
  if (auto s = v.file->load_node(id, v.m.page_count, rf.verify, true, rf.fill_cache, hold); !s.ok()) return s;
  out = &hold;
  if (depth <= 1 && rf.fill_cache) out = depth == 0 ? v.top.pin_root(hold) : v.top.pin_child(index, hold);
  return {};
}

// Looks key up in v: ok with out set, not_found, or the error met.
// Only the newest version of a key is kept (see bptree.hpp), so a version
// newer than `at` hides the key.
template <class Cmp>
status find(const view<Cmp>& v, const Cmp& cmp, std::string_view key, sequence_number at, std::string& out,
            read_flags rf) {
  page_id id = v.m.root;
  if (id == 0) return status::not_found();
  pager<Cmp>& pg = *v.file;
  page_ref<> hold;
  const page_ref<>* node = nullptr;
  std::size_t index = 0;
  for (std::size_t depth = 0;; ++depth) {
    if (depth > k_max_depth) return node_corruption(pg.name(), id, "tree deeper than possible");
    if (auto s = load_on_path(v, id, depth, index, rf, hold, node); !s.ok()) return s;
    const page_ref<>& p = *node;
    if (p.type() == page_type::branch) {
      index = child_index(p.data(), key, cmp);
      id = branch_child(p.data(), index);
      continue;
    }
    const std::size_t i = lower_bound(p.data(), key, cmp);
    if (i == p.count() || cmp.compare(cell_key(p.data(), i), key) != 0) return status::not_found();
    const leaf_cell c = leaf_at(p.data(), i);
    if (c.seq > at) return status::not_found();
    if (c.overflow == 0) {
      out.assign(c.value.data(), c.value.size());
      return {};
    }
    page_ref<> run;
    if (auto s = pg.load_run(c.overflow, run_pages(pg.page_size(), c.value_len), page_type::overflow,
                             v.m.page_count, rf.verify, true, rf.fill_cache, run);
        !s.ok()) {
      return s;
    }
    out.assign(run.data() + k_header_size, c.value_len);
    return {};
  }
}

}  // namespace jadekv::inline v0::index::detail::bptree
