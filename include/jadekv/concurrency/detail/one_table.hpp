// one_table: a single memtable, no lock. The engine's memtable set for
// concurrency::single (one thread) and concurrency::lock_free (a memtable
// whose inserts and reads are safe concurrently).
//
// Made with the memtable budget (the engine does so when an on-disk index
// holds most keys), it puts a whole-key filter in front of get()
// (detail/memtable_filter.hpp), so a lookup of a key the memtable lacks
// skips the memtable's search.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "jadekv/detail/internal_iterator.hpp"
#include "jadekv/detail/memtable_filter.hpp"
#include "jadekv/detail/memtable_source.hpp"
#include "jadekv/memtable/concepts.hpp"

namespace jadekv::inline v0::concurrency::detail {

template <memtable::table M>
class one_table {
 public:
  using comparator_type = typename M::comparator_type;

  one_table(const typename M::options& opt, const comparator_type& cmp) : table_(opt, cmp) {}
  // With a filter sized from the memtable budget.
  one_table(const typename M::options& opt, const comparator_type& cmp, std::size_t budget_bytes)
      : table_(opt, cmp), filter_(std::in_place, budget_bytes) {}

  void insert(sequence_number seq, value_kind kind, std::string_view key, std::string_view value) {
    if (filter_) filter_->add(key);  // before the entry is published: see memtable_filter
    table_.insert(seq, kind, key, value);
  }
  memtable::lookup get(std::string_view key, sequence_number visible_at) const {
    if (filter_ && !filter_->may_contain(key)) return {};
    return table_.get(key, visible_at);
  }

  // An empty table adds no source: the caller took its read sequence
  // first, and every entry at or below it was inserted before it was
  // published, so entries that arrive later are invisible to the reader.
  // A reader of an idle engine then merges nothing with the index.
  void add_sources(std::vector<std::unique_ptr<::jadekv::detail::internal_iterator>>& out) const {
    if (table_.entry_count() == 0) return;
    out.push_back(std::make_unique<::jadekv::detail::memtable_source<M, ::jadekv::detail::no_lock>>(table_, lock_));
  }

  std::size_t memory_usage() const { return table_.memory_usage() + (filter_ ? filter_->memory_usage() : 0); }
  std::size_t entry_count() const { return table_.entry_count(); }

 private:
  M table_;
  std::optional<::jadekv::detail::memtable_filter> filter_;
  mutable ::jadekv::detail::no_lock lock_;
};

}  // namespace jadekv::inline v0::concurrency::detail
