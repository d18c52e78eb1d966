// level_iterator: one cursor over a sorted run of tables (a level >= 1, or
// the tables a compaction reads from one level), opening each table only
// when the cursor reaches it.
//
// A seek costs one binary search over the run's key ranges and one table
// open (usually a table-cache hit), however many tables the run has, which
// keeps a seek across many levels cheap.
//
// Thread safety: one thread per iterator. It views its files where they lie
// (a level of a version, or a compaction's inputs) without copying them: it
// holds `pin`, the version owning them, so the store deletes none of its
// tables while it lives (with no pin, the caller keeps the files alive). It
// points to the store's table source, which must outlive it.
//
// Invariants:
//   1. The files are sorted by key and their user-key ranges are disjoint.
//   2. When valid(), the current table's cursor is valid; otherwise status()
//      says whether the run ended or a table failed to open or read.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "jadekv/core/internal_key.hpp"
#include "jadekv/core/read_options.hpp"
#include "jadekv/core/status.hpp"
#include "jadekv/detail/internal_iterator.hpp"
#include "jadekv/index/lsm/version.hpp"
#include "jadekv/index/lsm/version_edit.hpp"

namespace jadekv::inline v0::index::lsm_detail {

// Tables must offer: result<std::unique_ptr<internal_iterator>>
// open_iterator(const file_meta&, const read_options&).
template <class Cmp, class Tables>
class level_iterator final : public ::jadekv::detail::internal_iterator {
 public:
  level_iterator(std::shared_ptr<const void> pin, std::span<const file_ptr> files, Tables* tables,
                 const read_options& ro, const Cmp& cmp)
      : pin_(std::move(pin)), files_(files), tables_(tables), ro_(table_read_options(ro)), icmp_(cmp) {}

  bool valid() const override { return cur_ != nullptr && cur_->valid(); }

  void seek_to_first() override {
    status_ = {};
    if (!open(0)) return;
    if (cur_) cur_->seek_to_first();
    skip_forward();
  }
  void seek_to_last() override {
    status_ = {};
    if (files_.empty()) return close_current();
    if (!open(files_.size() - 1)) return;
    cur_->seek_to_last();
    skip_backward();
  }
  void seek(std::string_view user_key, sequence_number seq) override {
    status_ = {};
    // The first table whose largest key is >= (user_key, seq).
    std::size_t lo = 0, hi = files_.size();
    while (lo < hi) {
      const std::size_t mid = lo + (hi - lo) / 2;
      const std::string_view largest = files_[mid]->largest;
      if (icmp_.compare(extract_user_key(largest), extract_tag(largest), user_key, pack_tag(seq, k_max_value_kind)) < 0) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    if (!open(lo)) return;
    if (cur_) cur_->seek(user_key, seq);
    skip_forward();
  }
  void next() override {
    cur_->next();
    skip_forward();
  }
  void prev() override {
    cur_->prev();
    skip_backward();
  }

  std::string_view user_key() const override { return cur_->user_key(); }
  sequence_number seq() const override { return cur_->seq(); }
  value_kind kind() const override { return cur_->kind(); }
  std::string_view value() const override { return cur_->value(); }
  ::jadekv::status status() const override {
    if (!status_.ok()) return status_;
    return cur_ ? cur_->status() : ::jadekv::status{};
  }

 private:
  // What a table's cursor uses (bounds are the merging cursor's business).
  static read_options table_read_options(const read_options& ro) {
    read_options t;
    t.verify_checksums = ro.verify_checksums;
    t.fill_cache = ro.fill_cache;
    return t;
  }

  void close_current() {
    cur_.reset();
    index_ = files_.size();
  }

  // Opens table i (or none past the end); false when it failed (status_ set).
  bool open(std::size_t i) {
    if (i >= files_.size()) {
      close_current();
      return true;
    }
    if (cur_ && index_ == i) return true;
    cur_.reset();
    index_ = i;
    auto it = tables_->open_iterator(*files_[i], ro_);
    if (!it) {
      status_ = it.status();
      index_ = files_.size();
      return false;
    }
    cur_ = std::move(*it);
    return true;
  }

  void skip_forward() {
    while (cur_ && !cur_->valid() && cur_->status().ok()) {
      if (!open(index_ + 1) || !cur_) return;
      cur_->seek_to_first();
    }
  }
  void skip_backward() {
    while (cur_ && !cur_->valid() && cur_->status().ok()) {
      if (index_ == 0) return close_current();
      if (!open(index_ - 1)) return;
      cur_->seek_to_last();
    }
  }

  std::shared_ptr<const void> pin_;
  std::span<const file_ptr> files_;
  Tables* tables_;
  read_options ro_;
  internal_key_comparator<Cmp> icmp_;
  std::size_t index_ = 0;
  std::unique_ptr<::jadekv::detail::internal_iterator> cur_;
  ::jadekv::status status_;
};

}  // namespace jadekv::inline v0::index::lsm_detail
