// memtable concepts: what every memtable is, and what some of them can do.
//
// A memtable holds the newest writes as versioned entries (user key, sequence
// number, kind, value; see core/internal_key.hpp) in internal-key order:
// user key ascending, then sequence number descending. It never forgets or
// overwrites an entry; erasing a key inserts an `erase` entry. MVCC reads,
// flushes and recovery are all built on the four operations below.
//
//   memtable::table<M>               the concept every memtable models:
//     M::comparator_type             the user-key order (a jadekv::comparator)
//     M::options                     runtime tuning, default-constructible
//     M(const options&, const comparator_type&)
//     m.insert(seq, kind, key, value)      -> void
//     m.get(key, visible_at)               -> memtable::lookup  (const)
//     m.iterator()                         -> a memtable::entry_iterator (const)
//     m.memory_usage()                     -> std::size_t, exact heap bytes
//     m.entry_count()                      -> std::size_t
//
//   memtable::concurrent_insert<M>   insert() may run on many threads at once,
//                                    concurrently with get() and iterators.
//                                    Declared by `static constexpr bool
//                                    k_concurrent_insert = true;`.
//   memtable::ordered<M>             iteration is ordered without sorting, and
//                                    an iterator costs O(1) to create.
//                                    Declared by `static constexpr bool
//                                    k_ordered = true;`.
//
// insert() returns void: an in-memory insert has no failure a caller could
// handle (the engine bounds the size by memory_usage() before inserting, and
// running out of heap is std::bad_alloc as for any container), so a status
// would be a branch on every write that can only say "ok".
//
// Contract every model keeps (the concept cannot check it; tests/memtable's
// shared suite does):
//   1. insert() REQUIRES seq <= k_max_sequence and that no entry with the same
//      (key, seq) exists; models abort on a violation they detect.
//   2. get(key, s) answers from the entry of `key` with the largest
//      seq <= s: found (a put; value and seq set), erased (an erase; seq set)
//      or absent (no such entry).
//   3. Views returned by get() and by iterators stay valid, unchanged, as long
//      as the memtable lives.
//   4. memory_usage() is exactly the heap bytes the memtable holds (blocks and
//      side tables, not the object itself and not live iterators); it never
//      decreases while entries are added, except when a model frees a side
//      table it no longer needs.
//   5. An iterator walks entries in internal-key order both ways; seek(k, s)
//      lands on the first entry >= (k, s), i.e. the newest version of k with
//      seq <= s, or else the first entry of the next larger key.
//
// Thread safety: per model; each model's header states it. Without
// concurrent_insert, callers exclude readers from the writer.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>

#include "jadekv/core/comparator.hpp"
#include "jadekv/core/internal_key.hpp"

namespace jadekv::inline v0::memtable {

// The answer of get(): the newest version of a key visible at a sequence number.
struct lookup {
  enum state : std::uint8_t { absent, found, erased };

  state outcome = absent;
  std::string_view value;   // the value when found; empty otherwise
  sequence_number seq = 0;  // the version's sequence number when found or erased

  bool is_found() const noexcept { return outcome == found; }
  bool is_erased() const noexcept { return outcome == erased; }
  bool is_absent() const noexcept { return outcome == absent; }
};

// A cursor over a memtable's entries in internal-key order.
// valid() false means "before the first or after the last entry"; every
// accessor and next()/prev() REQUIRE valid().
template <class I>
concept entry_iterator = std::movable<I> && requires(I& it, const I& cit, std::string_view key, sequence_number s) {
  { cit.valid() } -> std::same_as<bool>;
  it.seek(key);     // first entry >= (key, k_max_sequence)
  it.seek(key, s);  // first entry >= (key, s)
  it.seek_to_first();
  it.seek_to_last();
  it.next();
  it.prev();
  { cit.user_key() } -> std::same_as<std::string_view>;
  { cit.seq() } -> std::same_as<sequence_number>;
  { cit.kind() } -> std::same_as<value_kind>;
  { cit.value() } -> std::same_as<std::string_view>;
};

template <class M>
concept table =
    requires {
      typename M::comparator_type;
      typename M::options;
    } && comparator<typename M::comparator_type> && std::default_initializable<typename M::options> &&
    std::constructible_from<M, const typename M::options&, const typename M::comparator_type&> &&
    requires(M& m, const M& cm, sequence_number seq, value_kind kind, std::string_view key, std::string_view value) {
      { m.insert(seq, kind, key, value) } -> std::same_as<void>;
      { cm.get(key, seq) } -> std::same_as<lookup>;
      { cm.iterator() } -> entry_iterator;
      { cm.memory_usage() } -> std::same_as<std::size_t>;
      { cm.entry_count() } -> std::same_as<std::size_t>;
    };

// The iterator type of a memtable.
template <table M>
using iterator_t = decltype(std::declval<const M&>().iterator());

template <class M>
concept concurrent_insert = table<M> && requires {
  requires std::same_as<decltype(M::k_concurrent_insert), const bool> && M::k_concurrent_insert;
};

template <class M>
concept ordered = table<M> && requires {
  requires std::same_as<decltype(M::k_ordered), const bool> && M::k_ordered;
};

}  // namespace jadekv::inline v0::memtable
