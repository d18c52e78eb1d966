// cursor: an internal_iterator over one bptree commit, in both directions,
// within optional key bounds.
//
// It holds its view (so the commit's pages stay unwritten while it lives)
// and the path of pages from the root to the current leaf cell. Every entry
// it yields is a put: the tree keeps no erased keys.
//
// Thread safety: one thread per cursor; many cursors and lookups may share
// a view and its page pool, also while a flush commits.
//
// Invariants:
//   1. When valid, stack_ runs from the root to a leaf, each level's index
//      inside its page, and the key lies in [lower, upper).
//   2. Any error leaves the cursor invalid with status() saying why.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "jadekv/core/internal_key.hpp"
#include "jadekv/core/status.hpp"
#include "jadekv/detail/internal_iterator.hpp"
#include "jadekv/index/bptree/format.hpp"
#include "jadekv/index/bptree/node.hpp"
#include "jadekv/index/bptree/view.hpp"

namespace jadekv::inline v0::index::detail::bptree {

template <class Cmp>
class cursor final : public ::jadekv::detail::internal_iterator {
 public:
  cursor(std::shared_ptr<const view<Cmp>> v, const Cmp& cmp, std::optional<std::string> lower,
         std::optional<std::string> upper, read_flags rf)
      : view_(std::move(v)), cmp_(cmp), lower_(std::move(lower)), upper_(std::move(upper)), rf_(rf) {
    stack_.reserve(8);
  }

  bool valid() const override { return valid_; }

  void seek_to_first() override {
    if (lower_) {
      seek(*lower_, k_max_sequence);
      return;
    }
    if (!descend(restart(), edge::first, {})) return;
    settle(true);
  }

  void seek_to_last() override {
    if (upper_) {
      if (!descend(restart(), edge::key, *upper_)) return;
      step_backward();
    } else if (!descend(restart(), edge::last, {})) {
      return;
    }
    settle(false);
  }

  void seek(std::string_view user_key, sequence_number seq) override {
    if (lower_ && cmp_.compare(user_key, *lower_) < 0) {
      user_key = *lower_;
      seq = k_max_sequence;
    }
    if (!descend(restart(), edge::key, user_key)) return;
    step_forward();
    // The one version of an equal key sorts before (k, seq) when newer.
    if (valid_ && cmp_.compare(current_key(), user_key) == 0 && leaf_at(leaf().page, leaf().index).seq > seq) {
      ++leaf().index;
      step_forward();
    }
    settle(true);
  }

  void next() override {
    ++leaf().index;
    step_forward();
    settle(true);
    // A scan reads a leaf's cells in slot order, each a cache miss in a pool
    // page nothing touched lately: fetching a few cells ahead overlaps the
    // misses (readseq over a 1M-entry tree: 0.094 -> 0.066 us per entry).
    if (valid_) {
      const level& l = leaf();
      if (l.index + k_prefetch_cells < header_count(l.page)) {
        const char* c = cell_at(l.page, l.index + k_prefetch_cells);
        __builtin_prefetch(c);
        __builtin_prefetch(c + 64);
      }
    }
  }

  void prev() override {
    step_backward();
    settle(false);
  }

  std::string_view user_key() const override { return cell_.key; }
  sequence_number seq() const override { return cell_.seq; }
  value_kind kind() const override { return value_kind::put; }
  std::string_view value() const override { return cell_.value; }
  ::jadekv::status status() const override { return status_; }

 private:
  enum class edge : std::uint8_t { first, last, key };
  static constexpr std::size_t k_prefetch_cells = 3;  // 6 measured no better

  // A page of the path: the root and its children are pinned by the view
  // (pinned_pages.hpp), which the cursor holds, so only deeper pages take a
  // reference (two reference-count updates a seek fewer).
  struct level {
    const char* page = nullptr;  // pinned by view_->top, or held by `hold`
    page_ref<> hold;
    std::size_t index = 0;
  };

  level& leaf() noexcept { return stack_.back(); }
  std::string_view current_key() const noexcept { return cell_key(stack_.back().page, stack_.back().index); }

  // Forgets the position (and a previous error) before a seek from the root.
  page_id restart() {
    stack_.clear();
    status_ = {};
    return view_->m.root;
  }

  void fail(::jadekv::status s) {
    status_ = std::move(s);
    valid_ = false;
    stack_.clear();
  }

  // Pushes the pages from id down to a leaf, choosing children by `how`;
  // the leaf index is 0, the last cell, or the first cell >= key (maybe
  // one past the end). False (cursor invalid) on an empty tree or an error.
  bool descend(page_id id, edge how, std::string_view key) {
    valid_ = false;
    if (id == 0) return false;
    for (;;) {
      if (stack_.size() > k_max_depth) {
        fail(node_corruption(view_->file->name(), id, "tree deeper than possible"));
        return false;
      }
      page_ref<> hold;
      const page_ref<>* node = nullptr;
      const std::size_t depth = stack_.size();
      if (auto s = load_on_path(*view_, id, depth, depth == 1 ? stack_[0].index : 0, rf_, hold, node); !s.ok()) {
        fail(std::move(s));
        return false;
      }
      const char* d = node->data();
      const bool is_leaf = header_type(d) == page_type::leaf;
      std::size_t i = 0;
      if (how == edge::last) i = header_count(d) - 1u;
      if (how == edge::key) i = is_leaf ? lower_bound(d, key, cmp_) : child_index(d, key, cmp_);
      stack_.push_back({d, node == &hold ? std::move(hold) : page_ref<>{}, i});
      if (is_leaf) {
        valid_ = true;
        if (how == edge::first) read_ahead();
        return true;
      }
      id = branch_child(d, i);
    }
  }

  // A forward scan that enters a leaf starts fetching the next one, if
  // pooled: its header and slots, and its first cells (at the page's end),
  // so that they arrive while this leaf is read.
  void read_ahead() {
    if (stack_.size() < 2 || !rf_.fill_cache) return;
    const level& parent = stack_[stack_.size() - 2];
    if (parent.index + 1 >= header_count(parent.page)) return;
    ahead_ = view_->file->cache().peek(branch_child(parent.page, parent.index + 1));
    if (!ahead_) return;
    const char* p = ahead_.data();
    const std::size_t n = ahead_.size();
    const std::size_t edge = std::min<std::size_t>(3 * 64, n);
    prefetch_lines(p, p + edge);
    prefetch_lines(p + n - edge, p + n);
  }

  // From a leaf index that may be one past its page, to the next cell.
  void step_forward() {
    while (valid_) {
      level& top = stack_.back();
      if (top.index < header_count(top.page)) {
        if (header_type(top.page) == page_type::leaf) return;
        descend(branch_child(top.page, top.index), edge::first, {});
        return;
      }
      stack_.pop_back();
      if (stack_.empty()) {
        valid_ = false;
        return;
      }
      ++stack_.back().index;
    }
  }

  // To the cell before the current leaf index.
  void step_backward() {
    while (valid_) {
      level& top = stack_.back();
      if (top.index > 0) {
        --top.index;
        if (header_type(top.page) == page_type::leaf) return;
        descend(branch_child(top.page, top.index), edge::last, {});
        return;
      }
      stack_.pop_back();
      if (stack_.empty()) valid_ = false;
    }
  }

  // Applies the bound in the direction of travel and decodes the cell.
  void settle(bool forward) {
    if (!valid_) {
      stack_.clear();
      return;
    }
    const std::string_view k = current_key();
    if ((forward && upper_ && cmp_.compare(k, *upper_) >= 0) ||
        (!forward && lower_ && cmp_.compare(k, *lower_) < 0)) {
      valid_ = false;
      stack_.clear();
      return;
    }
    cell_ = leaf_at(leaf().page, leaf().index);
    if (cell_.overflow != 0) {
      auto& pg = *view_->file;
      if (auto s = pg.load_run(cell_.overflow, run_pages(pg.page_size(), cell_.value_len), page_type::overflow,
                               view_->m.page_count, rf_.verify, true, rf_.fill_cache, run_);
          !s.ok()) {
        fail(std::move(s));
        return;
      }
      cell_.value = {run_.data() + k_header_size, cell_.value_len};
    }
  }

  std::shared_ptr<const view<Cmp>> view_;
  Cmp cmp_;
  std::optional<std::string> lower_;
  std::optional<std::string> upper_;
  read_flags rf_;
  std::vector<level> stack_;
  bool valid_ = false;
  leaf_cell cell_;
  page_ref<> run_;    // the overflow run of the current value, if any
  page_ref<> ahead_;  // the leaf after the current one, being fetched
  ::jadekv::status status_;
};

}  // namespace jadekv::inline v0::index::detail::bptree
