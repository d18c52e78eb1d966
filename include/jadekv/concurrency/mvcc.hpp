// concurrency::mvcc: multi-version concurrency. Writers insert with the
// memtable's lock-free insert and readers never block, as with lock_free<>;
// on top of that every version stays readable while a snapshot can see it:
//
//   auto snap = db.snapshot();             // pins a consistent view
//   read_options ro; ro.snapshot = &snap;  // get() and iterator() read as of it
//   auto tx = db.begin(tx_options{...});   // optimistic transactions
//
// Versions are sequence numbers. A snapshot registers its sequence number
// with the engine; flushes and compactions keep every version a registered
// snapshot can see, and an index that keeps one version per key (bptree)
// instead pins the pages of the commit the snapshot was taken at. Releasing
// the last snapshot that sees a version lets the next flush, compaction or
// memtable collection drop it.
//
// Transactions validate at commit (see core/tx_options.hpp): a commit takes
// the engine's writer gate exclusively, checks that no key it wrote (and,
// when serializable, no key or range it read) has a version newer than its
// snapshot, and logs its writes as one batch. Plain put/erase/write stay
// lock-free among themselves; they wait only while a commit validates.
#pragma once

#include <string_view>

#include "jadekv/concurrency/detail/one_table.hpp"
#include "jadekv/memtable/concepts.hpp"

namespace jadekv::inline v0::concurrency {

// Reserved: the contract spells the policy `mvcc<>`; no tuning exists yet.
template <class Reserved = void>
struct mvcc {
  struct options {};
  static constexpr std::string_view name = "mvcc";
  static constexpr bool thread_safe = true;
  static constexpr bool needs_concurrent_insert = true;
  static constexpr bool snapshots = true;

  template <memtable::table M>
  using tables = detail::one_table<M>;
};

}  // namespace jadekv::inline v0::concurrency
