// concurrency::striped<N>: the memtable split into N shards by key hash, each
// under a reader-writer lock. Any memtable works (rbtree and hash need it:
// their readers must be excluded from their writer); writers to different
// shards never wait for each other; readers wait only for a writer inserting
// into the same shard. Ordered iteration merges the N shards.
#pragma once

#include <cstddef>
#include <string_view>

#include "jadekv/concurrency/concepts.hpp"
#include "jadekv/concurrency/detail/sharded_tables.hpp"
#include "jadekv/memtable/concepts.hpp"

namespace jadekv::inline v0::concurrency {

// N is checked where striped<N> is used, not in its body: an engine over
// striped<0> fails its composition check with the rule as its one error (an
// assertion here would fire again wherever the compiler looks into the type),
// and the memtable set asserts it too.
template <std::size_t N = 16>
struct striped;

template <std::size_t N>
inline constexpr bool parameters_in_range<striped<N>> = N >= 1 && N <= detail::k_max_shards;

template <std::size_t N>
struct striped {

  struct options {};
  static constexpr std::string_view name = "striped";
  static constexpr std::size_t shard_count = N;
  static constexpr bool thread_safe = true;
  static constexpr bool needs_concurrent_insert = false;
  static constexpr bool snapshots = false;

  template <memtable::table M>
  using tables = detail::sharded_tables<M, N>;
};

}  // namespace jadekv::inline v0::concurrency
