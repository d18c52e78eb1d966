// merging_iterator: one internal_iterator over many, in internal-key order.
//
// Children are scanned linearly to find the smallest (forward) or largest
// (reverse) entry: the number of sources is small (shards, levels), and a
// scan of a few cursors beats a heap's bookkeeping there.
//
// Thread safety: one thread; each child's own rules apply.
//
// Invariants:
//   1. Moving forward, every child is positioned at its first entry after
//      the current one (or exhausted); moving backward, at its last entry
//      before it. Changing direction re-seeks the other children.
//   2. status() is the first failing child's status; a failed child makes
//      the merge invalid rather than silently skipping its entries.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "jadekv/detail/internal_iterator.hpp"

namespace jadekv::inline v0::detail {

template <class Cmp>
class merging_iterator final : public internal_iterator {
 public:
  merging_iterator(Cmp cmp, std::vector<std::unique_ptr<internal_iterator>> children)
      : cmp_(std::move(cmp)), children_(std::move(children)) {}

  bool valid() const override { return current_ != nullptr && status().ok(); }

  void seek_to_first() override {
    for (auto& c : children_) c->seek_to_first();
    find_smallest();
  }
  void seek_to_last() override {
    for (auto& c : children_) c->seek_to_last();
    find_largest();
  }
  void seek(std::string_view user_key, sequence_number seq) override {
    for (auto& c : children_) c->seek(user_key, seq);
    find_smallest();
  }

  void next() override {
    if (!forward_) {
      // Invariant 1: bring the others to their first entry after current.
      key_ = current_->user_key();
      const sequence_number s = current_->seq();
      for (auto& c : children_) {
        if (c.get() == current_) continue;
        c->seek(key_, s);
        if (c->valid() && compare_position(cmp_, *c, *current_) == 0) c->next();
      }
      forward_ = true;
    }
    current_->next();
    find_smallest();
  }

  void prev() override {
    if (forward_) {
      key_ = current_->user_key();
      const sequence_number s = current_->seq();
      for (auto& c : children_) {
        if (c.get() == current_) continue;
        c->seek(key_, s);
        if (c->valid()) c->prev();  // last entry before (key, s)
        else c->seek_to_last();
      }
      forward_ = false;
    }
    current_->prev();
    find_largest();
  }

  std::string_view user_key() const override { return current_->user_key(); }
  sequence_number seq() const override { return current_->seq(); }
  value_kind kind() const override { return current_->kind(); }
  std::string_view value() const override { return current_->value(); }

  ::jadekv::status status() const override {
    for (const auto& c : children_)
      if (auto s = c->status(); !s.ok()) return s;
    return {};
  }

  std::size_t size_hint() const override {
    std::size_t n = 0;
    for (const auto& c : children_) n += c->size_hint();
    return n;
  }

 private:
  void find_smallest() {
    forward_ = true;
    current_ = nullptr;
    for (auto& c : children_)
      if (c->valid() && (current_ == nullptr || compare_position(cmp_, *c, *current_) < 0)) current_ = c.get();
  }
  void find_largest() {
    forward_ = false;
    current_ = nullptr;
    for (auto& c : children_)
      if (c->valid() && (current_ == nullptr || compare_position(cmp_, *c, *current_) > 0)) current_ = c.get();
  }

  Cmp cmp_;
  std::vector<std::unique_ptr<internal_iterator>> children_;
  internal_iterator* current_ = nullptr;
  bool forward_ = true;
  std::string key_;  // current key copied before children move under it
};

}  // namespace jadekv::inline v0::detail
