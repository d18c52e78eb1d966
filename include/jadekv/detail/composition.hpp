// composition: the one place where engine<M, P, I, C> is validated.
//
// Each rule is one static_assert whose message names the rule and what to use
// instead; `valid` is true only when every rule holds, and the engine builds
// nothing else from an invalid composition, so the first error a user sees is
// the rule they broke. README.md's compatibility matrix lists the rules.
#pragma once

#include "jadekv/concurrency/concepts.hpp"
#include "jadekv/index/concepts.hpp"
#include "jadekv/memtable/concepts.hpp"
#include "jadekv/persist/concepts.hpp"

namespace jadekv::inline v0::detail {

// True when engine<M, P, I, C> is valid; asserts nothing (for generated lists).
// An on-disk index's store must model index::store for the memtable's comparator.
template <class M, class I>
constexpr bool store_models_seam() {
  if constexpr (!I::on_disk) return true;
  else if constexpr (!requires { typename I::template store<typename M::comparator_type>; }) return false;
  else
    return index::store<typename I::template store<typename M::comparator_type>, typename I::options,
                        typename M::comparator_type>;
}

// Snapshots over an on-disk index need a store that can pin a view.
template <class M, class I, class C>
constexpr bool store_serves_snapshots() {
  if constexpr (!I::on_disk || !C::snapshots || !store_models_seam<M, I>()) return true;
  else return index::snapshot_store<typename I::template store<typename M::comparator_type>>;
}

// True when every policy models its axis's concept and an on-disk index has a
// store for the memtable's comparator: the engine can be instantiated, and
// only the cross-policy rules below may still reject it.
template <class M, class P, class I, class C>
constexpr bool is_well_formed_composition() {
  if constexpr (!concurrency::parameters_in_range<C>) return false;
  else if constexpr (!memtable::table<M> || !persist::policy<P> || !index::policy<I> || !concurrency::policy<C>)
    return false;
  else return store_models_seam<M, I>();
}

template <class M, class P, class I, class C>
constexpr bool is_valid_composition() {
  if constexpr (!is_well_formed_composition<M, P, I, C>()) return false;
  else
    return (!C::needs_concurrent_insert || memtable::concurrent_insert<M>) &&
           (!I::on_disk || !persist::checkpointing<P>) && store_serves_snapshots<M, I, C>();
}

// The engine derives from it privately, so its static_asserts fire before any
// member of the engine is declared.
template <class M, class P, class I, class C>
struct composition {
  static constexpr bool memtable_ok = memtable::table<M>;
  static_assert(memtable_ok,
                "jadekv::engine<M, P, I, C>: M must be a memtable (model jadekv::memtable::table: insert, get, "
                "iterator, memory_usage, entry_count) such as memtable::skiplist<>, rbtree<> or hash<>");

  static constexpr bool persist_ok = persist::policy<P>;
  static_assert(persist_ok,
                "jadekv::engine<M, P, I, C>: P must be a persistence policy (model jadekv::persist::policy) such as "
                "persist::none<>, wal<>, snapshot<> or snapshot<wal<>>");

  static constexpr bool index_ok = index::policy<I>;
  static_assert(index_ok,
                "jadekv::engine<M, P, I, C>: I must be an index policy (model jadekv::index::policy) such as "
                "index::memory<>");

  static constexpr bool parameters_ok = concurrency::parameters_in_range<C>;
  static_assert(parameters_ok,
                "jadekv::engine<M, P, I, C>: C's parameters are out of range (concurrency::striped<N>: N shards must "
                "be between 1 and 4096)");

  // Not asked of a policy with bad parameters: the concept would instantiate it.
  static constexpr bool concurrency_ok = [] {
    if constexpr (parameters_ok) return concurrency::policy<C>;
    else return false;
  }();
  static_assert(!parameters_ok || concurrency_ok,
                "jadekv::engine<M, P, I, C>: C must be a concurrency policy (model jadekv::concurrency::policy) "
                "such as concurrency::single<>, striped<N>, lock_free<> or mvcc<>");

  static constexpr bool lock_free_ok = [] {
    if constexpr (memtable_ok && concurrency_ok) return !C::needs_concurrent_insert || memtable::concurrent_insert<M>;
    else return true;
  }();
  static_assert(lock_free_ok,
                "concurrency::lock_free and concurrency::mvcc need a memtable with lock-free inserts "
                "(memtable::concurrent_insert); memtable::rbtree and memtable::hash have none - use "
                "memtable::skiplist, or concurrency::striped<N>");

  static constexpr bool store_ok = [] {
    if constexpr (memtable_ok && index_ok) return store_models_seam<M, I>();
    else return true;
  }();
  static_assert(store_ok,
                "jadekv::engine<M, P, I, C>: an on-disk index I (I::on_disk) must provide I::store<Cmp> modelling "
                "jadekv::index::store (open, flushed_sequence, get, add_sources, throttle, flush, compact, check, "
                "add_stats, close) for the memtable's comparator");

  static constexpr bool snapshot_ok = [] {
    if constexpr (persist_ok && index_ok) return !I::on_disk || !persist::checkpointing<P>;
    else return true;
  }();
  static_assert(snapshot_ok,
                "persist::snapshot dumps the whole store, but an on-disk index (index::lsm, index::bptree) keeps "
                "flushed data in its own files - use persist::wal<> (or persist::none<>) with an on-disk index");

  static constexpr bool snapshot_store_ok = [] {
    if constexpr (memtable_ok && index_ok && concurrency_ok) return store_serves_snapshots<M, I, C>();
    else return true;
  }();
  static_assert(snapshot_store_ok,
                "concurrency::mvcc over an on-disk index needs its store to model jadekv::index::snapshot_store "
                "(pin(), and get/add_sources through a pinned view) - index::lsm and index::bptree do; or use "
                "concurrency::lock_free");

  static constexpr bool valid = memtable_ok && persist_ok && index_ok && concurrency_ok && lock_free_ok && store_ok &&
                                snapshot_ok && snapshot_store_ok;
  static_assert(valid == is_valid_composition<M, P, I, C>(), "jadekv internal: composition rules disagree");
};

}  // namespace jadekv::inline v0::detail
