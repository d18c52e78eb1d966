// concurrency::lock_free: writers insert with the memtable's own lock-free
// insert (CAS), readers never block and never wait for a writer. It needs a
// memtable that models memtable::concurrent_insert (skiplist); the engine
// rejects any other with a static_assert that says so.
//
// Writers still publish their sequence ranges in order (a writer whose
// predecessor has not finished inserting waits for it before its own batch
// becomes visible), which is what keeps batches atomic to readers.
#pragma once

#include <string_view>

#include "jadekv/concurrency/detail/one_table.hpp"
#include "jadekv/memtable/concepts.hpp"

namespace jadekv::inline v0::concurrency {

// Reserved: the contract spells the policy `lock_free<>`; no tuning exists yet.
template <class Reserved = void>
struct lock_free {
  struct options {};
  static constexpr std::string_view name = "lock_free";
  static constexpr bool thread_safe = true;
  static constexpr bool needs_concurrent_insert = true;
  static constexpr bool snapshots = false;

  template <memtable::table M>
  using tables = detail::one_table<M>;
};

}  // namespace jadekv::inline v0::concurrency
