// concurrency::policy: what the engine needs from a concurrency policy.
//
//   C::options                      runtime tuning (may be empty)
//   C::name                         a short name for stats and messages
//   C::thread_safe                  the engine may be shared between threads
//   C::needs_concurrent_insert      the memtable must model concurrent_insert
//   C::snapshots                    the engine offers snapshot() and begin()
//   C::tables<M>                    the memtable set: insert, get, add_sources,
//                                   memory_usage, entry_count
#pragma once

#include <concepts>
#include <string_view>

namespace jadekv::inline v0::concurrency {

template <class C>
concept policy = requires {
  typename C::options;
  { C::name } -> std::convertible_to<std::string_view>;
  { C::thread_safe } -> std::convertible_to<bool>;
  { C::needs_concurrent_insert } -> std::convertible_to<bool>;
  { C::snapshots } -> std::convertible_to<bool>;
};

// False for a policy whose template parameters are out of range (the policy's
// own static_assert says how). The engine checks it before the concept, which
// would instantiate the policy: its static_assert is then the one error.
template <class C>
inline constexpr bool parameters_in_range = true;

}  // namespace jadekv::inline v0::concurrency
