// transaction: an optimistic transaction of an mvcc engine (db.begin()).
//
//   auto tx = db.begin({.isolation = jadekv::isolation::serializable});
//   auto v = tx.get("x");  tx.put("y", "1");  tx.erase("z");
//   status s = tx.commit();   // s.is_conflict(): another commit won; retry
//
// Reads come from the snapshot taken at begin() with the transaction's own
// writes laid over it (get and iterator alike). Writes are buffered in the
// transaction until commit(), which the engine validates and logs as one
// batch (see concurrency/mvcc.hpp and core/tx_options.hpp); a conflict, or
// any failed commit, leaves nothing of the transaction in the engine.
// rollback() (or destruction) drops the buffered writes. After commit() or
// rollback() every call returns invalid_argument.
//
// Serializable transactions record the keys they read, and for each
// iterator its whole [lower_bound, upper_bound) range; a commit after
// which any of them has a newer version than the snapshot conflicts.
// Recording whole ranges is conservative: bound iterators tightly.
//
// Thread safety: one thread per transaction. REQUIRES: the engine outlives
// the transaction and is not moved from while it is active.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "jadekv/core/options.hpp"
#include "jadekv/core/read_options.hpp"
#include "jadekv/core/result.hpp"
#include "jadekv/core/status.hpp"
#include "jadekv/core/tx_options.hpp"
#include "jadekv/core/write_batch.hpp"
#include "jadekv/snapshot.hpp"
#include "jadekv/transaction_iterator.hpp"

namespace jadekv::inline v0 {

namespace detail {

// Orders std::string keys by an engine comparator; transparent so lookups
// take string_views.
template <class Cmp>
struct key_less {
  using is_transparent = void;
  Cmp cmp;
  bool operator()(std::string_view a, std::string_view b) const { return cmp.compare(a, b) < 0; }
};

// A transaction's buffered writes: key -> value, or nullopt for an erase.
template <class Cmp>
using tx_write_set = std::map<std::string, std::optional<std::string>, key_less<Cmp>>;

// A range an iterator of a serializable transaction may have read.
struct key_range {
  std::optional<std::string> lower, upper;  // [lower, upper); absent = unbounded
};

}  // namespace detail

template <class Engine>
class transaction {
 public:
  using comparator_type = typename Engine::comparator_type;
  using write_set = detail::tx_write_set<comparator_type>;
  using iterator_type = transaction_iterator<comparator_type, write_set>;

  transaction(transaction&& o) noexcept
      : db_(o.db_),
        snap_(std::move(o.snap_)),
        opt_(o.opt_),
        writes_(std::move(o.writes_)),
        reads_(std::move(o.reads_)),
        ranges_(std::move(o.ranges_)),
        active_(std::exchange(o.active_, false)),
        ended_(o.ended_) {}
  transaction& operator=(transaction&& other) noexcept {
    if (this != &other) {
      rollback();
      db_ = other.db_;
      snap_ = std::move(other.snap_);
      opt_ = other.opt_;
      writes_ = std::move(other.writes_);
      reads_ = std::move(other.reads_);
      ranges_ = std::move(other.ranges_);
      active_ = std::exchange(other.active_, false);
      ended_ = other.ended_;
    }
    return *this;
  }
  transaction(const transaction&) = delete;
  transaction& operator=(const transaction&) = delete;
  ~transaction() { rollback(); }

  bool active() const noexcept { return active_; }
  // The snapshot the transaction reads from.
  const ::jadekv::snapshot& read_snapshot() const noexcept { return snap_; }

  // The value of key as this transaction sees it; read_options' snapshot is
  // ignored (the transaction's own is used).
  ::jadekv::status get(std::string_view key, std::string& out, const read_options& ro = {}) {
    if (!active_) return finished();
    if (auto it = writes_.find(key); it != writes_.end()) {
      if (!it->second) return ::jadekv::status::not_found();
      out = *it->second;
      return {};
    }
    if (records_reads()) reads_.emplace_back(key);
    read_options r = ro;
    r.snapshot = &snap_;
    return db_->get(key, out, r);
  }
  result<std::string> get(std::string_view key, const read_options& ro = {}) {
    std::string v;
    if (auto s = get(key, v, ro); !s.ok()) return s;
    return v;
  }

  ::jadekv::status put(std::string_view key, std::string_view value) { return buffer(key, std::string(value)); }
  ::jadekv::status erase(std::string_view key) { return buffer(key, std::nullopt); }

  // An iterator over the snapshot with this transaction's writes laid over
  // it. REQUIRES: destroyed before the transaction ends; no put or erase
  // through the transaction while it is used.
  iterator_type iterator(const read_options& ro = {}) {
    read_options r = ro;
    r.snapshot = &snap_;
    if (active_ && records_reads()) ranges_.push_back(detail::key_range{ro.lower_bound, ro.upper_bound});
    return iterator_type(db_->iterator(r), writes_, comparator_type{db_->comparator()}, ro);
  }

  // Validates and applies the buffered writes atomically. is_conflict()
  // when validation failed; either way the transaction is over.
  ::jadekv::status commit(const write_options& wo = {}) {
    if (!active_) return finished();
    ::jadekv::status s;
    if (!writes_.empty()) {
      write_batch b;
      for (const auto& [k, v] : writes_) {
        if (v) b.put(k, *v);
        else b.erase(k);
      }
      s = db_->commit_transaction(snap_, opt_.isolation == ::jadekv::isolation::serializable, writes_, reads_,
                                  ranges_, b, wo);
    }
    rollback();
    return s;
  }

  void rollback() noexcept {
    if (active_) ended_ = ::jadekv::status::invalid_argument("transaction: already committed or rolled back");
    active_ = false;
    snap_.release();
    writes_.clear();
    reads_.clear();
    ranges_.clear();
  }

 private:
  friend Engine;

  transaction(Engine& db, ::jadekv::snapshot snap, const tx_options& opt)
      : db_(&db),
        snap_(std::move(snap)),
        opt_(opt),
        writes_(detail::key_less<comparator_type>{db.comparator()}),
        active_(snap_.valid()) {
    if (!active_) ended_ = ::jadekv::status::closed("transaction: begun on a closed engine");
  }

  ::jadekv::status finished() const { return ended_; }
  bool records_reads() const { return !opt_.read_only && opt_.isolation == ::jadekv::isolation::serializable; }

  ::jadekv::status buffer(std::string_view key, std::optional<std::string> value) {
    if (!active_) return finished();
    if (opt_.read_only) return ::jadekv::status::invalid_argument("transaction: read-only, writes refused");
    writes_.insert_or_assign(std::string(key), std::move(value));
    return {};
  }

  Engine* db_;
  ::jadekv::snapshot snap_;
  tx_options opt_;
  write_set writes_;
  std::vector<std::string> reads_;
  std::vector<detail::key_range> ranges_;
  bool active_;
  ::jadekv::status ended_;  // what calls return once the transaction is not active
};

// An engine without snapshots has no transactions (begin() is an mvcc
// engine's). The class exists, empty and unconstructible, so that
// instantiation.hpp can name transaction<E> for every engine E.
template <class Engine>
  requires(!Engine::concurrency_type::snapshots)
class transaction<Engine> {
 public:
  transaction() = delete;
};

}  // namespace jadekv::inline v0
