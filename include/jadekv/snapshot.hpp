// snapshot: a pinned, consistent view of an mvcc engine (concurrency::mvcc).
//
//   auto snap = db.snapshot();
//   read_options ro; ro.snapshot = &snap;
//   db.get("k", ro); db.iterator(ro);   // as of the moment snapshot() returned
//
// A snapshot is a cheap, copyable handle; the view stays pinned until the
// last copy is released or destroyed. Holding one keeps the versions it can
// see (and, for index::bptree, the pages of its commit) from being
// reclaimed, so long-lived snapshots cost space, as long LMDB read
// transactions do. Release snapshots before closing their engine; a handle
// outliving it is safe to destroy but reads through it return is_closed().
#pragma once

#include <memory>
#include <utility>

#include "jadekv/concurrency/detail/snapshot_list.hpp"
#include "jadekv/core/internal_key.hpp"

namespace jadekv::inline v0 {

template <class M, class P, class I, class C>
class engine;
template <class Engine>
class transaction;

namespace detail {

// What a snapshot holds; the last reference unregisters it.
struct snapshot_state {
  snapshot_state(sequence_number s, const void* o, std::shared_ptr<concurrency::detail::snapshot_list> l)
      : seq(s), owner(o), list(std::move(l)) {}
  snapshot_state(const snapshot_state&) = delete;
  snapshot_state& operator=(const snapshot_state&) = delete;
  ~snapshot_state() { list->release(seq); }

  sequence_number seq;
  const void* owner;                 // the engine state it was taken from
  std::shared_ptr<const void> pin;   // what the engine keeps alive to read as of seq
  std::shared_ptr<concurrency::detail::snapshot_list> list;
};

}  // namespace detail

class snapshot {
 public:
  snapshot() = default;

  bool valid() const noexcept { return state_ != nullptr; }
  // The newest sequence number the snapshot sees (0 for an empty handle).
  sequence_number sequence() const noexcept { return state_ ? state_->seq : 0; }
  // Lets go of this handle's pin (the view goes when the last copy does).
  void release() noexcept { state_.reset(); }

 private:
  template <class M, class P, class I, class C>
  friend class engine;
  template <class Engine>
  friend class transaction;

  explicit snapshot(std::shared_ptr<const detail::snapshot_state> s) noexcept : state_(std::move(s)) {}

  std::shared_ptr<const detail::snapshot_state> state_;
};

}  // namespace jadekv::inline v0
