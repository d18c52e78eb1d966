// memtable_source: a memtable cursor seen as an internal_iterator, optionally
// taking a reader lock around every movement.
//
// Thread safety: with Lock = std::shared_mutex every seek/next/prev runs under
// a shared lock of the memtable's shard, so a writer may insert between two
// steps (memtable cursors survive inserts made between their operations; see
// each memtable's contract). Entry accessors read immutable arena bytes and
// take no lock. With Lock = no_lock the memtable must allow concurrent readers
// (single thread, or a concurrent_insert memtable).
#pragma once

#include <mutex>
#include <shared_mutex>
#include <string_view>
#include <type_traits>

#include "jadekv/detail/internal_iterator.hpp"
#include "jadekv/memtable/concepts.hpp"

namespace jadekv::inline v0::detail {

struct no_lock {
  void lock_shared() noexcept {}
  void unlock_shared() noexcept {}
  void lock() noexcept {}
  bool try_lock() noexcept { return true; }
  void unlock() noexcept {}
};

template <memtable::table M, class Lock>
class memtable_source final : public internal_iterator {
 public:
  memtable_source(const M& table, Lock& lock) : it_(make(table, lock)), lock_(&lock), size_(table.entry_count()) {}

  bool valid() const override { return it_.valid(); }
  void seek_to_first() override {
    std::shared_lock g(*lock_);
    it_.seek_to_first();
  }
  void seek_to_last() override {
    std::shared_lock g(*lock_);
    it_.seek_to_last();
  }
  void seek(std::string_view user_key, sequence_number seq) override {
    std::shared_lock g(*lock_);
    it_.seek(user_key, seq);
  }
  void next() override {
    std::shared_lock g(*lock_);
    it_.next();
  }
  void prev() override {
    std::shared_lock g(*lock_);
    it_.prev();
  }
  std::string_view user_key() const override { return it_.user_key(); }
  sequence_number seq() const override { return it_.seq(); }
  value_kind kind() const override { return it_.kind(); }
  std::string_view value() const override { return it_.value(); }
  std::size_t size_hint() const override { return size_; }

 private:
  static memtable::iterator_t<M> make(const M& table, Lock& lock) {
    std::shared_lock g(lock);  // an unordered memtable sorts a snapshot here
    return table.iterator();
  }

  memtable::iterator_t<M> it_;
  Lock* lock_;
  std::size_t size_;  // entries when made; more may arrive in an active memtable
};

}  // namespace jadekv::inline v0::detail
