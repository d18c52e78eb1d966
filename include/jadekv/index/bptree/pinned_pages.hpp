// pinned_pages: the top of one commit's tree (its root and the root's
// children), held by the commit's view once a read has loaded them.
//
// Every lookup and seek passes the root and one of its children. Taking
// them from here instead of the page pool skips, on two of a read's three
// or four levels, the pool's lock, its table probe and two reference-count
// updates: a third of a random read's instructions. The pages are a few
// hundred at most (a root's fan-out), so holding them costs little, and a
// commit's pages never change while its view lives, so nothing pinned goes
// stale; the next commit's view starts empty.
//
// Thread safety: any number of threads may call every member at once. A
// slot is written once, by compare-and-swap; a thread that loses the race
// drops its copy and uses the winner's.
//
// Invariants:
//   1. Slot 0 holds the root; slot 1 + i the root's child i. The table
//      exists (and has 1 + the root's cell count slots) once the root is
//      pinned, and never changes size.
//   2. A pinned page_ref is never replaced or freed before the destructor.
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>

#include "jadekv/index/bptree/format.hpp"
#include "jadekv/index/bptree/node.hpp"

namespace jadekv::inline v0::index::detail::bptree {

// A template only so that units which do not use it do not compile it (README, "Build cost").
template <class = void>
class pinned_pages {
 public:
  pinned_pages() = default;
  // A copy of a view pins nothing yet: it fills its own as it is read.
  pinned_pages(const pinned_pages&) noexcept {}
  pinned_pages& operator=(const pinned_pages&) = delete;
  ~pinned_pages() { delete table_.load(std::memory_order_relaxed); }

  // The pinned root, or null.
  const page_ref<>* root() const noexcept { return find(0); }
  // The pinned child i of the root, or null.
  const page_ref<>* child(std::size_t i) const noexcept { return find(1 + i); }

  // Pins the root (a validated page) unless it is pinned already; returns
  // the pinned one.
  const page_ref<>* pin_root(const page_ref<>& root) {
    const std::size_t children = root.type() == page_type::branch ? root.count() : 0;
    auto fresh = std::make_unique<table>(1 + children);
    table* expected = nullptr;
    // release: publishes the table's slots (all null) with it. acquire on
    // failure: the winner's table and its root are complete before use.
    if (table_.compare_exchange_strong(expected, fresh.get(), std::memory_order_release,
                                       std::memory_order_acquire)) {
      expected = fresh.release();
    }
    return pin(*expected, 0, root);
  }

  // Pins child i of the root (a validated page); returns the pinned one, or
  // &child when the root is not pinned yet (nothing to hang it on).
  const page_ref<>* pin_child(std::size_t i, const page_ref<>& child) {
    table* t = table_.load(std::memory_order_acquire);  // acquire: pairs with pin_root's release
    if (t == nullptr || 1 + i >= t->size) return &child;
    return pin(*t, 1 + i, child);
  }

 private:
  struct table {
    explicit table(std::size_t n) : size(n), slots(std::make_unique<std::atomic<page_ref<>*>[]>(n)) {}
    ~table() {
      for (std::size_t i = 0; i < size; ++i) delete slots[i].load(std::memory_order_relaxed);
    }
    std::size_t size;
    std::unique_ptr<std::atomic<page_ref<>*>[]> slots;  // value-initialised: null
  };

  const page_ref<>* find(std::size_t slot) const noexcept {
    const table* t = table_.load(std::memory_order_acquire);  // acquire: pairs with pin_root's release
    if (t == nullptr || slot >= t->size) return nullptr;
    return t->slots[slot].load(std::memory_order_acquire);  // acquire: pairs with pin's release
  }

  static const page_ref<>* pin(table& t, std::size_t slot, const page_ref<>& p) {
    auto fresh = std::make_unique<page_ref<>>(p);
    page_ref<>* expected = nullptr;
    // release: the page_ref (and, through the pool's load, its bytes) are
    // complete before another thread can reach them. acquire on failure:
    // the same for the winner's.
    if (t.slots[slot].compare_exchange_strong(expected, fresh.get(), std::memory_order_release,
                                              std::memory_order_acquire)) {
      return fresh.release();
    }
    return expected;
  }

  std::atomic<table*> table_{nullptr};
};

}  // namespace jadekv::inline v0::index::detail::bptree
