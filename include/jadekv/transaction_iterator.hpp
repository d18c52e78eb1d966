// transaction_iterator: a transaction's own writes laid over its snapshot.
//
// It walks the union of two sorted sequences - the snapshot's keys (a
// db_iterator, which already honours the bounds) and the transaction's
// write set (a map of key -> value, or nullopt for an erase) - showing the
// write set's entry where both have a key and skipping keys the transaction
// erased.
//
// Positioning: forward, both cursors sit on the first key >= the shown one
// (w_ == end() means the write set is exhausted); reverse, both sit on the
// last key <= it (w_ == end() means nothing is left before). The shown
// entry comes from the write set when cur_ == from::writes.
//
// Thread safety: one thread; the transaction's write set must not change
// while the iterator is used (a put or erase through the transaction
// invalidates its iterators, as in RocksDB's WriteBatchWithIndex).
#pragma once

#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "jadekv/core/read_options.hpp"
#include "jadekv/core/status.hpp"
#include "jadekv/db_iterator.hpp"

namespace jadekv::inline v0 {

template <class Cmp, class WriteSet>
class transaction_iterator {
 public:
  transaction_iterator(db_iterator<Cmp> base, const WriteSet& writes, Cmp cmp, const read_options& ro)
      : base_(std::move(base)),
        writes_(&writes),
        cmp_(std::move(cmp)),
        lower_(ro.lower_bound),
        upper_(ro.upper_bound),
        w_(writes.end()) {}

  bool valid() const noexcept { return cur_ != from::none; }

  void seek(std::string_view target) {
    base_.seek(target);
    w_ = lower_ && cmp_.compare(target, *lower_) < 0 ? writes_->lower_bound(*lower_) : writes_->lower_bound(target);
    forward_ = true;
    settle_forward();
  }
  void seek_to_first() {
    base_.seek_to_first();
    w_ = lower_ ? writes_->lower_bound(*lower_) : writes_->begin();
    forward_ = true;
    settle_forward();
  }
  void seek_to_last() {
    base_.seek_to_last();
    w_ = before(upper_ ? writes_->lower_bound(*upper_) : writes_->end());
    forward_ = false;
    settle_reverse();
  }

  void next() {
    if (!forward_) {
      const std::string k(key());
      base_.seek(k);
      if (base_.valid() && cmp_.compare(base_.key(), k) == 0) base_.next();
      w_ = writes_->upper_bound(k);
      forward_ = true;
    } else if (cur_ == from::writes) {
      if (base_.valid() && cmp_.compare(base_.key(), w_->first) == 0) base_.next();
      ++w_;
    } else {
      base_.next();
    }
    settle_forward();
  }

  void prev() {
    if (forward_) {
      const std::string k(key());
      base_.seek(k);
      if (base_.valid()) base_.prev();
      else base_.seek_to_last();
      w_ = before(writes_->lower_bound(k));
      forward_ = false;
    } else if (cur_ == from::writes) {
      if (base_.valid() && cmp_.compare(base_.key(), w_->first) == 0) base_.prev();
      w_ = before(w_);
    } else {
      base_.prev();
    }
    settle_reverse();
  }

  std::string_view key() const { return cur_ == from::writes ? std::string_view(w_->first) : base_.key(); }
  std::string_view value() const { return cur_ == from::writes ? std::string_view(*w_->second) : base_.value(); }
  ::jadekv::status status() const { return base_.status(); }

 private:
  enum class from : unsigned char { none, base, writes };
  using write_iter = typename WriteSet::const_iterator;

  // The entry before `it`, or end() when there is none.
  write_iter before(write_iter it) const { return it == writes_->begin() ? writes_->end() : std::prev(it); }
  bool writes_valid_forward() const {
    return w_ != writes_->end() && !(upper_ && cmp_.compare(w_->first, *upper_) >= 0);
  }
  bool writes_valid_reverse() const {
    return w_ != writes_->end() && !(lower_ && cmp_.compare(w_->first, *lower_) < 0);
  }

  void settle_forward() {
    for (;;) {
      const bool wv = writes_valid_forward();
      if (!wv && !base_.valid()) {
        cur_ = from::none;
        return;
      }
      const int c = !wv ? 1 : !base_.valid() ? -1 : cmp_.compare(w_->first, base_.key());
      if (c > 0) {
        cur_ = from::base;
        return;
      }
      if (w_->second) {
        cur_ = from::writes;
        return;
      }
      if (c == 0) base_.next();  // the transaction erased this key
      ++w_;
    }
  }

  void settle_reverse() {
    for (;;) {
      const bool wv = writes_valid_reverse();
      if (!wv && !base_.valid()) {
        cur_ = from::none;
        return;
      }
      const int c = !wv ? -1 : !base_.valid() ? 1 : cmp_.compare(w_->first, base_.key());
      if (c < 0) {
        cur_ = from::base;
        return;
      }
      if (w_->second) {
        cur_ = from::writes;
        return;
      }
      if (c == 0) base_.prev();
      w_ = before(w_);
    }
  }

  db_iterator<Cmp> base_;
  const WriteSet* writes_;
  Cmp cmp_;
  std::optional<std::string> lower_, upper_;
  write_iter w_;
  from cur_ = from::none;
  bool forward_ = true;
};

}  // namespace jadekv::inline v0
