// concurrency::single: no synchronisation at all. The engine is for one
// thread at a time (the caller serialises every call, iterators included);
// in exchange a write is an insert and a counter bump, with no atomic
// read-modify-write and no lock anywhere on the path.
#pragma once

#include <string_view>

#include "jadekv/concurrency/detail/one_table.hpp"
#include "jadekv/memtable/concepts.hpp"

namespace jadekv::inline v0::concurrency {

// Reserved: the contract spells the policy `single<>`; no tuning exists yet.
template <class Reserved = void>
struct single {
  struct options {};
  static constexpr std::string_view name = "single";
  static constexpr bool thread_safe = false;
  static constexpr bool needs_concurrent_insert = false;
  static constexpr bool snapshots = false;

  template <memtable::table M>
  using tables = detail::one_table<M>;
};

}  // namespace jadekv::inline v0::concurrency
