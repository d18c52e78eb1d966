// db_iterator: the iterator users get from engine::iterator().
//
// It walks user keys in comparator order and shows, for each key, the newest
// version visible at its read sequence number; keys whose visible version is
// an erase are skipped. It honours read_options' bounds: it never returns a
// key outside [lower_bound, upper_bound), and it stops at the upper bound
// instead of scanning on through whatever lies beyond (deleted ranges
// included).
//
// Thread safety: one thread per iterator. Writes made to the engine after the
// iterator was created are invisible to it (its read sequence is fixed)
// until refresh().
// REQUIRES: the iterator is destroyed before its engine is closed or moved from.
//
// refresh() is RocksDB's Iterator::Refresh and what LMDB readers do with
// mdb_txn_renew + mdb_cursor_renew: a reader that seeks many times keeps one
// iterator and brings it up to date before each use. When the engine's
// memtables and its index's view are the ones the iterator reads (no
// rotation, flush or compaction since), only the read sequence moves (one
// shared lock, no allocation); otherwise the engine builds it anew.
//
// Internal positioning (the underlying internal iterator `in_`):
//   forward: in_ sits on the entry being shown (the newest visible version of
//            key()); key()/value() read straight from it.
//   reverse: in_ sits on the last entry before every version of key(); the
//            shown key and value are copies in saved_key_/saved_value_.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "jadekv/core/internal_key.hpp"
#include "jadekv/core/read_options.hpp"
#include "jadekv/core/status.hpp"
#include "jadekv/detail/internal_iterator.hpp"

namespace jadekv::inline v0 {

template <class M, class P, class I, class C>
class engine;

template <class Cmp>
class db_iterator {
 public:
  // `pin` keeps alive whatever the internal iterator reads from.
  db_iterator(std::unique_ptr<detail::internal_iterator> in, Cmp cmp, sequence_number read_seq,
              const read_options& ro, std::shared_ptr<const void> pin = {})
      : in_(std::move(in)),
        cmp_(std::move(cmp)),
        read_seq_(read_seq),
        lower_(ro.lower_bound),
        upper_(ro.upper_bound),
        pin_(std::move(pin)) {}

  db_iterator(db_iterator&&) noexcept = default;
  db_iterator& operator=(db_iterator&&) noexcept = default;

  bool valid() const noexcept { return valid_; }

  // Reads the engine's data as of now, with the same bounds; an iterator
  // made over a snapshot reads the newest data afterwards. Leaves the
  // iterator unpositioned (seek before reading). Returns status().
  ::jadekv::status refresh() {
    valid_ = false;
    if (renewal_.renew != nullptr) renewal_.renew(renewal_.owner, *this);
    return status();
  }

  // First key >= target (and >= lower_bound).
  void seek(std::string_view target) {
    if (lower_ && cmp_.compare(target, *lower_) < 0) target = *lower_;
    in_->seek(target, read_seq_);
    find_next_user_entry(false);
  }
  void seek_to_first() {
    if (lower_) in_->seek(*lower_, read_seq_);
    else in_->seek_to_first();
    find_next_user_entry(false);
  }
  void seek_to_last() {
    if (upper_) {
      in_->seek(*upper_, k_max_sequence);
      if (in_->valid()) in_->prev();
      else in_->seek_to_last();
    } else {
      in_->seek_to_last();
    }
    find_prev_user_entry();
  }

  // REQUIRES: valid().
  void next() {
    if (!forward_) {
      // in_ is before every version of saved_key_; step onto them, then past.
      if (in_->valid()) in_->next();
      else in_->seek_to_first();
      forward_ = true;
    } else {
      saved_key_.assign(in_->user_key());
      in_->next();
    }
    skip_to_next_key_after_saved();
  }

  // REQUIRES: valid().
  void prev() {
    if (forward_) {
      // Step back over every version of the shown key (newer, invisible ones too).
      saved_key_.assign(in_->user_key());
      do {
        in_->prev();
      } while (in_->valid() && cmp_.compare(in_->user_key(), saved_key_) == 0);
      forward_ = false;
    }
    find_prev_user_entry();
  }

  // REQUIRES: valid(). Views stay valid until the iterator moves.
  std::string_view key() const { return forward_ ? in_->user_key() : std::string_view(saved_key_); }
  std::string_view value() const { return forward_ ? in_->value() : std::string_view(saved_value_); }

  ::jadekv::status status() const { return in_->status(); }

 private:
  bool above_upper(std::string_view k) const { return upper_ && cmp_.compare(k, *upper_) >= 0; }
  bool below_lower(std::string_view k) const { return lower_ && cmp_.compare(k, *lower_) < 0; }

  // Forward from in_'s position: skip versions of saved_key_ (the key just
  // shown), then show the first visible put.
  void skip_to_next_key_after_saved() { find_next_user_entry(true); }

  void find_next_user_entry(bool skipping) {
    forward_ = true;
    for (; in_->valid(); in_->next()) {
      const std::string_view k = in_->user_key();
      if (above_upper(k)) break;
      if (in_->seq() > read_seq_) continue;
      if (skipping && cmp_.compare(k, saved_key_) <= 0) continue;
      if (in_->kind() == value_kind::erase) {
        saved_key_.assign(k);  // hide every older version of this key
        skipping = true;
        continue;
      }
      valid_ = true;
      return;
    }
    valid_ = false;
  }

  // Backward from in_'s position: gather the newest visible version of the
  // key just before, leaving in_ on the entry before all its versions.
  void find_prev_user_entry() {
    forward_ = false;
    bool have_value = false;
    for (; in_->valid(); in_->prev()) {
      const std::string_view k = in_->user_key();
      if (have_value && cmp_.compare(k, saved_key_) < 0) break;  // passed the key we hold
      if (below_lower(k)) break;
      if (in_->seq() > read_seq_) continue;
      // Walking backward visits a key's versions oldest first: each visible
      // one replaces what we hold, so the newest visible wins.
      if (in_->kind() == value_kind::erase) {
        have_value = false;
        saved_key_.assign(k);
      } else {
        have_value = true;
        saved_key_.assign(k);
        saved_value_.assign(in_->value());
      }
    }
    valid_ = have_value;
  }

  template <class M, class P, class I, class C>
  friend class engine;

  // What the engine that made the iterator needs for refresh(); set by it.
  struct renewal {
    const void* owner = nullptr;
    void (*renew)(const void* owner, db_iterator& it) = nullptr;
    std::uint64_t epoch = 0;             // the owner's memtable set, when made
    std::uint64_t store_generation = 0;  // the owner's index view, when made
    bool mem_sourced = false;            // the active memtable gave sources
    bool over_snapshot = false;          // refresh() moves it to the newest data
    bool verify_checksums = true, fill_cache = true;
  };

  std::unique_ptr<detail::internal_iterator> in_;
  Cmp cmp_;
  sequence_number read_seq_;
  std::optional<std::string> lower_, upper_;
  std::shared_ptr<const void> pin_;
  std::string saved_key_, saved_value_;
  renewal renewal_;
  bool valid_ = false;
  bool forward_ = true;
};

}  // namespace jadekv::inline v0
