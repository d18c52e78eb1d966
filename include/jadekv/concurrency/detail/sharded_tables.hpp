// sharded_tables: N memtables chosen by key hash, each under its own
// reader-writer lock. The memtable set of concurrency::striped<N>.
//
// Thread safety: any number of threads. An insert holds its shard's lock
// exclusively; a get and every iterator step hold it shared. A key always
// lives in one shard, so a get touches one lock; an iterator merges the
// shards in key order.
//
// Invariant: shard_of(key) is a pure function of the key bytes.
#pragma once

#include <array>
#include <cstddef>
#include <memory>
#include <mutex>
#include <new>
#include <shared_mutex>
#include <string_view>
#include <vector>

#include "jadekv/detail/internal_iterator.hpp"
#include "jadekv/detail/memtable_source.hpp"
#include "jadekv/memtable/concepts.hpp"
#include "jadekv/memtable/hash.hpp"

namespace jadekv::inline v0::concurrency::detail {

// The shard counts concurrency::striped<N> accepts (its parameters_in_range).
inline constexpr std::size_t k_max_shards = 4096;

template <memtable::table M, std::size_t N>
class sharded_tables {
  static_assert(N >= 1 && N <= k_max_shards, "concurrency::striped<N>: N shards must be between 1 and 4096");

 public:
  using comparator_type = typename M::comparator_type;

  sharded_tables(const typename M::options& opt, const comparator_type& cmp) {
    for (auto& s : shards_) s.table = std::make_unique<M>(opt, cmp);
  }

  void insert(sequence_number seq, value_kind kind, std::string_view key, std::string_view value) {
    shard& s = shard_of(key);
    std::unique_lock g(s.lock);
    s.table->insert(seq, kind, key, value);
  }

  memtable::lookup get(std::string_view key, sequence_number visible_at) const {
    const shard& s = shard_of(key);
    std::shared_lock g(s.lock);
    return s.table->get(key, visible_at);  // the view points into the arena: valid after unlock
  }

  void add_sources(std::vector<std::unique_ptr<::jadekv::detail::internal_iterator>>& out) const {
    for (auto& s : shards_)
      out.push_back(std::make_unique<::jadekv::detail::memtable_source<M, std::shared_mutex>>(*s.table, s.lock));
  }

  std::size_t memory_usage() const {
    std::size_t n = 0;
    for (auto& s : shards_) n += s.table->memory_usage();
    return n;
  }
  std::size_t entry_count() const {
    std::size_t n = 0;
    for (auto& s : shards_) n += s.table->entry_count();
    return n;
  }

 private:
  // Aligned so two shards' locks never share a cache line.
  struct alignas(64) shard {
    mutable std::shared_mutex lock;
    std::unique_ptr<M> table;
  };

  // The high half of the hash picks the shard: a hash memtable inside the
  // shard indexes its buckets with the low bits, which stay well spread.
  static std::size_t index_of(std::string_view key) noexcept {
    return static_cast<std::size_t>(((memtable::byte_hash{}(key) >> 32) * N) >> 32);
  }
  shard& shard_of(std::string_view key) { return shards_[index_of(key)]; }
  const shard& shard_of(std::string_view key) const { return shards_[index_of(key)]; }

  std::array<shard, N> shards_;
};

}  // namespace jadekv::inline v0::concurrency::detail
