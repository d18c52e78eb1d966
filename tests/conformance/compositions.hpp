// Every valid composition of the policies that exist, generated as the cross
// product of the policy lists filtered by the engine's own validity rule, and
// sliced into shards so each test translation unit instantiates only a few.
#pragma once

#include <cstddef>
#include <tuple>
#include <type_traits>

#include <jadekv/concurrency/lock_free.hpp>
#include <jadekv/concurrency/mvcc.hpp>
#include <jadekv/concurrency/single.hpp>
#include <jadekv/concurrency/striped.hpp>
#include <jadekv/detail/composition.hpp>
#include <jadekv/engine.hpp>
#include <jadekv/index/bptree.hpp>
#include <jadekv/index/lsm.hpp>
#include <jadekv/index/memory.hpp>
#include <jadekv/memtable/hash.hpp>
#include <jadekv/memtable/rbtree.hpp>
#include <jadekv/memtable/skiplist.hpp>
#include <jadekv/persist/none.hpp>
#include <jadekv/persist/snapshot.hpp>
#include <jadekv/persist/wal.hpp>

namespace conformance {

namespace kv = jadekv;

using memtables = std::tuple<kv::memtable::skiplist<>, kv::memtable::rbtree<>, kv::memtable::hash<>>;
using persists = std::tuple<kv::persist::none<>, kv::persist::wal<>, kv::persist::snapshot<>,
                            kv::persist::snapshot<kv::persist::wal<>>>;
using indexes = std::tuple<kv::index::memory<>, kv::index::lsm<>, kv::index::bptree<>>;
// striped<4>: few shards so keys of a small test spread over all of them.
using concurrencies = std::tuple<kv::concurrency::single<>, kv::concurrency::striped<4>, kv::concurrency::lock_free<>,
                                 kv::concurrency::mvcc<>>;

template <class... Ts>
using cat_t = decltype(std::tuple_cat(std::declval<Ts>()...));

// engine<M, P, I, C> for one (M, P, I, C) when valid, else nothing.
template <class M, class P, class I, class C>
using cell_t = std::conditional_t<kv::detail::is_valid_composition<M, P, I, C>(), std::tuple<kv::engine<M, P, I, C>>,
                                  std::tuple<>>;
template <class M, class P, class I, class C>
using invalid_cell_t =
    std::conditional_t<kv::detail::is_valid_composition<M, P, I, C>(), std::tuple<>, std::tuple<std::tuple<M, P, I, C>>>;

template <template <class, class, class, class> class Cell, class Ms, class Ps, class Is, class Cs>
struct product;
// Ordered index first: consecutive cells (and so a shard) share one index's
// store, which is most of a shard's fixed compile cost.
template <template <class, class, class, class> class Cell, class... Ms, class... Ps, class... Is, class... Cs>
struct product<Cell, std::tuple<Ms...>, std::tuple<Ps...>, std::tuple<Is...>, std::tuple<Cs...>> {
  template <class I, class M, class P>
  using row = cat_t<Cell<M, P, I, Cs>...>;
  template <class I, class M>
  using rows_p = cat_t<row<I, M, Ps>...>;
  template <class I>
  using rows_m = cat_t<rows_p<I, Ms>...>;
  using type = cat_t<rows_m<Is>...>;
};

using all_valid = typename product<cell_t, memtables, persists, indexes, concurrencies>::type;
using all_invalid = typename product<invalid_cell_t, memtables, persists, indexes, concurrencies>::type;

// Elements [begin, end) of a tuple type.
template <class Tuple, std::size_t Begin, std::size_t End, class = std::make_index_sequence<End - Begin>>
struct slice;
template <class Tuple, std::size_t Begin, std::size_t End, std::size_t... I>
struct slice<Tuple, Begin, End, std::index_sequence<I...>> {
  using type = std::tuple<std::tuple_element_t<Begin + I, Tuple>...>;
};

// The compositions of a tuple whose concurrency policy offers snapshots.
template <class Tuple>
struct with_snapshots;
template <class... Es>
struct with_snapshots<std::tuple<Es...>> {
  using type = cat_t<std::conditional_t<Es::concurrency_type::snapshots, std::tuple<Es>, std::tuple<>>...>;
};

// Shard `s` of `n`: an even split of all_valid.
template <std::size_t S, std::size_t N>
using shard_t = typename slice<all_valid, std::tuple_size_v<all_valid> * S / N,
                               std::tuple_size_v<all_valid> * (S + 1) / N>::type;

}  // namespace conformance

namespace conformance {

// How a policy is spelled in C++, for the compile-fail test and messages.
template <class T>
constexpr const char* spell() = delete;
template <> constexpr const char* spell<kv::memtable::skiplist<>>() { return "jadekv::memtable::skiplist<>"; }
template <> constexpr const char* spell<kv::memtable::rbtree<>>() { return "jadekv::memtable::rbtree<>"; }
template <> constexpr const char* spell<kv::memtable::hash<>>() { return "jadekv::memtable::hash<>"; }
template <> constexpr const char* spell<kv::persist::none<>>() { return "jadekv::persist::none<>"; }
template <> constexpr const char* spell<kv::persist::wal<>>() { return "jadekv::persist::wal<>"; }
template <> constexpr const char* spell<kv::persist::snapshot<>>() { return "jadekv::persist::snapshot<>"; }
template <> constexpr const char* spell<kv::persist::snapshot<kv::persist::wal<>>>() {
  return "jadekv::persist::snapshot<jadekv::persist::wal<>>";
}
template <> constexpr const char* spell<kv::index::memory<>>() { return "jadekv::index::memory<>"; }
template <> constexpr const char* spell<kv::index::lsm<>>() { return "jadekv::index::lsm<>"; }
template <> constexpr const char* spell<kv::index::bptree<>>() { return "jadekv::index::bptree<>"; }
template <> constexpr const char* spell<kv::concurrency::single<>>() { return "jadekv::concurrency::single<>"; }
template <> constexpr const char* spell<kv::concurrency::striped<4>>() { return "jadekv::concurrency::striped<4>"; }
template <> constexpr const char* spell<kv::concurrency::lock_free<>>() { return "jadekv::concurrency::lock_free<>"; }
template <> constexpr const char* spell<kv::concurrency::mvcc<>>() { return "jadekv::concurrency::mvcc<>"; }

}  // namespace conformance
