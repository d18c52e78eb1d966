// engine<M, P, I, C>: four policies composed into one concrete engine.
//
//   M  memtable     memtable::skiplist<>, rbtree<>, hash<>, or a user type
//   P  persist      persist::none<>, wal<>, snapshot<>, snapshot<wal<>>
//   I  index        index::memory<>, or an on-disk index (index::durable:
//                   index::lsm<>, index::bptree<>) that takes flushed memtables
//   C  concurrency  concurrency::single<>, striped<N>, lock_free<>, mvcc<>
//
// The composition is validated once (detail/composition.hpp); an invalid one
// fails to compile with one message naming the rule it breaks.
//
// Thread safety: as C says. With single<> every call, iterators included, must
// come from one thread at a time. With striped<N> and lock_free<> any thread
// may call put/get/erase/write/iterator/stats at any time; open, close, flush,
// compact, checkpoint and destruction need no other call in flight.
//
// Write path: the persist policy assigns each batch its sequence numbers in
// log order (and logs it), the batch goes into the memtable set, then its
// range is published in order (concurrency/detail/visible_sequence.hpp).
// Readers read as of the newest published sequence number, so a batch is seen
// whole or not at all.
//
// With an on-disk index (index::durable) the memtable set rotates: when the
// active one reaches options.memtable_bytes a writer makes it immutable under
// the exclusive gate (so no batch is half in it), the persist policy starts a
// new log segment, and the engine's flush thread hands the immutable one to
// the index's store, then releases the log segments it covered. Readers look
// in the active memtable set, the immutable one, then the store; they take
// both memtable pointers under one lock before asking the store, so an entry
// moving from the immutable memtable into the store is seen in one or both,
// never in neither. At open the store comes first; log replay skips every
// entry the store already holds (seq <= store.flushed_sequence()), and what
// it replays is flushed to the store before open returns.
//
// When writes pause with a memtable worth flushing, the flush thread
// rotates it itself (options.idle_flush_ms): it takes the exclusive gate as
// a writer that filled the memtable would.
//
// With concurrency::mvcc the engine also offers snapshot() and begin()
// (concurrency/mvcc.hpp). A snapshot takes its sequence number, the memtable
// pointers and the store's pinned view under the view lock, so no rotation
// or flush falls between them. A transaction commits under the exclusive
// writer gate: with no write in flight, every version newer than its
// snapshot is visible to the validation that precedes its batch. Over
// index::memory the memtable set is collected instead of flushed: when it
// has grown by memtable_bytes (and doubled since the last collection) a
// writer copies the newest version of each key into a fresh set under the
// exclusive gate; snapshots and iterators keep the old set alive.
//
// Invariants:
//   1. Sequence numbers are dense: batch k holds [first_k, first_k + count_k).
//   2. visible() <= last assigned; every entry with seq <= visible() is in the
//      active memtable set, the immutable one, or the store.
//   3. After close() (or a move), every call returns is_closed() and the
//      directory lock is released.
//   4. At most one immutable memtable exists; a writer that fills the active
//      one while it does waits for the flush (counted as a stall).
#pragma once

#include <algorithm>
#include <condition_variable>
#include <cstddef>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "jadekv/concurrency/detail/counter.hpp"
#include "jadekv/concurrency/detail/snapshot_list.hpp"
#include "jadekv/concurrency/detail/visible_sequence.hpp"
#include "jadekv/core/block_recycler.hpp"
#include "jadekv/core/options.hpp"
#include "jadekv/core/read_options.hpp"
#include "jadekv/core/result.hpp"
#include "jadekv/core/stats.hpp"
#include "jadekv/core/status.hpp"
#include "jadekv/core/tx_options.hpp"
#include "jadekv/core/write_batch.hpp"
#include "jadekv/db_iterator.hpp"
#include "jadekv/detail/chrono.hpp"
#include "jadekv/detail/composition.hpp"
#include "jadekv/detail/concat.hpp"
#include "jadekv/detail/error_iterator.hpp"
#include "jadekv/detail/memtable_source.hpp"
#include "jadekv/detail/merging_iterator.hpp"
#include "jadekv/engine_options.hpp"
#include "jadekv/index/concepts.hpp"
#include "jadekv/io/posix_fs.hpp"
#include "jadekv/memtable/concepts.hpp"
#include "jadekv/persist/directory_lock.hpp"
#include "jadekv/persist/none.hpp"
#include "jadekv/snapshot.hpp"
#include "jadekv/transaction.hpp"

namespace jadekv::inline v0 {

namespace detail {

// T::options, or an empty struct when T is not a policy or its parameters
// are out of range (the composition check has fired; looking inside T would
// fire T's own static_assert as a second error).
template <class T>
struct options_of {
  struct type {};
};
template <class T>
  requires concurrency::parameters_in_range<T> && requires { typename T::options; }
struct options_of<T> {
  using type = typename T::options;
};

template <class M, class = void>
struct comparator_of {
  using type = bytewise_comparator;  // only for an invalid M; the composition check has fired
};
template <class M>
struct comparator_of<M, std::void_t<typename M::comparator_type>> {
  using type = typename M::comparator_type;
};

// The open form of an on-disk index; a placeholder for any other.
template <class I, class Cmp, bool Durable = I::on_disk>
struct store_of {
  struct type {};
};
template <class I, class Cmp>
struct store_of<I, Cmp, true> {
  using type = typename I::template store<Cmp>;
};

// engine<M, P, I, C>::options: the common fields, then one sub-struct per policy.
template <class M, class P, class I, class C>
struct engine_options_for : engine_options {
  typename options_of<M>::type memtable{};
  typename options_of<P>::type persist{};
  typename options_of<I>::type index{};
  typename options_of<C>::type concurrency{};
  typename comparator_of<M>::type comparator{};
};

template <class P>
inline constexpr bool is_persist_none = false;
template <class R>
inline constexpr bool is_persist_none<persist::none<R>> = true;

}  // namespace detail

template <class M, class P, class I, class C>
class engine : detail::composition<M, P, I, C> {
 public:
  using memtable_type = M;
  using persist_type = P;
  using index_type = I;
  using concurrency_type = C;
  using comparator_type = typename detail::comparator_of<M>::type;
  using iterator_type = db_iterator<comparator_type>;

  using options = detail::engine_options_for<M, P, I, C>;

  // Opens (or creates) the engine described by opt: takes the directory lock,
  // replays what the persist policy kept, and is ready for reads and writes.
  [[gnu::cold]] static result<engine> open(const options& opt);

  // The destructor and the move assignment destroy the whole engine state,
  // so they are defined below, out of line: a translation unit that declares
  // the engine's instantiation extern (instantiation.hpp) compiles none of it.
  engine(engine&&) noexcept = default;
  engine& operator=(engine&& other) noexcept;
  engine(const engine&) = delete;
  engine& operator=(const engine&) = delete;
  ~engine();

  status put(std::string_view key, std::string_view value, const write_options& wo = {});
  status erase(std::string_view key, const write_options& wo = {});
  // Atomic: every record or none, to readers and across a crash. Sets b's sequence.
  status write(write_batch& b, const write_options& wo = {});
  status write(write_batch&& b, const write_options& wo = {}) { return write(b, wo); }

  // The newest value of key, or not_found.
  result<std::string> get(std::string_view key, const read_options& ro = {}) const;
  // Same, into out (reusing its capacity); out is untouched unless ok.
  status get(std::string_view key, std::string& out, const read_options& ro = {}) const;

  // An iterator over the data as of now (or as of ro.snapshot).
  // REQUIRES: destroyed before close().
  iterator_type iterator(const read_options& ro = {}) const;

  // A pinned view for read_options.snapshot (mvcc engines). An empty handle
  // when the engine is closed.
  ::jadekv::snapshot snapshot() const
    requires C::snapshots;
  // An optimistic transaction reading from a new snapshot (mvcc engines).
  transaction<engine> begin(const tx_options& to = {})
    requires C::snapshots
  {
    // Never reaches the abort: the constraint keeps other engines from
    // calling begin(), but clang before 16 compiles the body anyway when the
    // whole engine is explicitly instantiated (instantiation.hpp).
    if constexpr (k_snapshots) return transaction<engine>(*this, snapshot(), to);
    else std::abort();
  }

  // Makes the memtable durable elsewhere where the composition can (a
  // checkpoint for snapshot policies); ok as a no-op where it means nothing.
  status flush();
  // Full manual compaction where the index has one; ok as a no-op otherwise.
  status compact();
  // Writes a snapshot now (snapshot policies only).
  status checkpoint()
    requires persist::checkpointing<P>;

  ::jadekv::stats stats() const;
  // Makes every acknowledged write durable (persist policies that can) and
  // releases the directory. Idempotent.
  [[gnu::cold]] status close();

  bool is_open() const noexcept { return s_ != nullptr && !s_->closed; }

 private:
  static constexpr bool k_thread_safe = C::thread_safe;
  static constexpr bool k_logs = !detail::is_persist_none<P>;
  static constexpr bool k_durable = I::on_disk;
  static constexpr bool k_needs_dir = k_logs || k_durable;
  static constexpr bool k_checkpoints = persist::checkpointing<P>;
  static constexpr bool k_snapshots = C::snapshots;
  // index::memory under mvcc: old versions are collected by copying.
  static constexpr bool k_collects = k_snapshots && !k_durable;
  // The active memtable set may be replaced while readers run.
  static constexpr bool k_swaps_mem = k_durable || k_collects;

  using tables_type = typename C::template tables<M>;
  using store_type = typename detail::store_of<I, comparator_type>::type;
  using counter = concurrency::detail::counter<k_thread_safe>;
  using gate_type = std::conditional_t<k_thread_safe && (k_checkpoints || k_durable || k_snapshots),
                                       std::shared_mutex, ::jadekv::detail::no_lock>;
  // Guards the memtable pointers against rotation, collection and the flush thread.
  using view_lock_type = std::conditional_t<k_swaps_mem, std::shared_mutex, ::jadekv::detail::no_lock>;
  using write_set = detail::tx_write_set<comparator_type>;

  // What a snapshot pins: the memtable sets and the store's view at its sequence.
  struct read_view {
    std::shared_ptr<tables_type> mem, imm;
    std::shared_ptr<const void> store;
  };

  // The immutable memtable waiting for (or in) its flush.
  struct flush_job {
    std::shared_ptr<tables_type> tables;
    std::uint64_t segment = 0;   // first log segment not covered by it
    sequence_number last = 0;    // newest sequence number in it
  };

  struct state {
    [[gnu::cold]] state(const options& opt, P p)
        : memtable_options(with_recycler(opt.memtable, opt.memtable_bytes)),
          memtable_bytes(opt.memtable_bytes),
          idle_flush_after(k_thread_safe ? opt.idle_flush_ms : 0),
          cmp(opt.comparator),
          mem(new_tables()),
          persist(std::move(p)) {}

    // A memtable that can take a block recycler gets one for the engine's
    // life: each memtable reuses the resident blocks of the one flushed
    // before it (core/block_recycler.hpp), up to one memtable's worth.
    static typename M::options with_recycler(typename M::options o, std::size_t bytes) {
      if constexpr (requires { o.recycler = std::make_shared<block_recycler>(bytes); }) {
        if (o.recycler == nullptr) o.recycler = std::make_shared<block_recycler>(bytes);
      }
      return o;
    }
    // With an on-disk index, where most lookups miss the memtable, a table
    // set that can filter its lookups gets the budget to size the filter.
    std::shared_ptr<tables_type> new_tables() const {
      if constexpr (k_durable && std::constructible_from<tables_type, const typename M::options&,
                                                         const comparator_type&, std::size_t>) {
        return std::make_shared<tables_type>(memtable_options, cmp, memtable_bytes);
      } else {
        return std::make_shared<tables_type>(memtable_options, cmp);
      }
    }
    // The budget counts what writes added: an empty memtable set already
    // holds its arenas' first blocks (one set per shard).
    bool mem_full() const { return mem_holds(memtable_bytes); }
    // Writes have added at least `bytes` to the active memtable set.
    bool mem_holds(std::size_t bytes) const {
      const std::size_t used = mem->memory_usage();
      return used > empty_bytes && used - empty_bytes >= bytes;
    }

    typename M::options memtable_options;
    std::size_t memtable_bytes;
    std::chrono::milliseconds idle_flush_after;  // 0: never
    comparator_type cmp;
    std::shared_ptr<tables_type> mem;  // active; replaced only under the exclusive gate and view lock
    std::size_t empty_bytes = mem->memory_usage();
    flush_job imm;                     // durable indexes: set under both locks, cleared under the view lock
    mutable view_lock_type view;
    // Changes with every replacement of mem or imm (under the view lock):
    // an iterator made at the same epoch reads the same memtables.
    std::uint64_t read_epoch = 0;
    std::unique_ptr<store_type> store;
    P persist;
    std::unique_ptr<io::file_lock> lock;
    concurrency::detail::visible_sequence visible;
    // Sequence numbers handed out when P logs nothing (persist::none).
    std::conditional_t<k_thread_safe, std::atomic<sequence_number>, sequence_number> next_seq{0};
    // Writers hold it shared; a checkpoint holds it exclusively (persist's
    // REQUIRES: no append while a snapshot is taken).
    mutable gate_type gate;
    bool closed = false;
    counter puts, erases, batches, gets, get_hits, iterators, user_bytes;
    // mvcc: live snapshots; shared with the handles, which may outlive the engine.
    std::shared_ptr<concurrency::detail::snapshot_list> snapshots =
        std::make_shared<concurrency::detail::snapshot_list>();
    // index::memory under mvcc: the next collection once usage passes this.
    std::size_t collect_at = memtable_bytes;

    // The flush thread (durable indexes). flush_mu guards the fields below it.
    std::thread flusher;
    std::mutex flush_mu;
    std::condition_variable flush_wake, flush_done;
    bool flush_pending = false;  // imm holds a memtable the thread has not finished
    bool tidying = false;        // after a flush: its log released, the store's after_flush()
    bool stopping = false;
    ::jadekv::status bg_error;   // sticky: the first failed flush
    std::uint64_t flushes = 0;
    std::uint64_t stall_micros = 0, stalls = 0;
    // The flush thread's own: the sequence its last idle check saw, and the
    // one it last tried an idle flush at.
    sequence_number idle_seen = 0, idle_tried = 0;
  };

  explicit engine(std::unique_ptr<state> s) noexcept : s_(std::move(s)) {}

  status check_open() const { return is_open() ? status{} : status::closed(); }
  // The store tells when its view changes (index/concepts.hpp item 6).
  static constexpr bool k_store_generation = requires(const store_type& s) { s.generation(); };
  // refresh() may keep an iterator's sources: the memtable's cursor walks
  // the live table (no sorted copy), so it sees entries that arrive after
  // it was made; and the store's view cannot change unseen.
  static constexpr bool k_refresh_keeps = memtable::ordered<M> && (!k_durable || k_store_generation);

  // An iterator over the newest data of st (refresh() rebuilds with it).
  static iterator_type latest_iterator(const state& st, const read_options& ro);
  // What every iterator this engine makes carries for refresh().
  static typename iterator_type::renewal renewal_of(const state& st, const read_options& ro);
  // db_iterator::refresh() of an iterator this engine made.
  static void renew(const void* owner, iterator_type& it);
  // The store's view generation (0 without one).
  static std::uint64_t store_generation(const state& st);
  [[gnu::cold]] static iterator_type error_iterator(status s, const read_options& ro) {
    return iterator_type(std::make_unique<detail::error_iterator>(std::move(s)), comparator_type{}, 0, ro);
  }
  friend class transaction<engine>;

  const comparator_type& comparator() const noexcept { return s_->cmp; }
  // A put or erase that apply_one encoded into a batch: the memtable takes it
  // from here rather than decoding the batch again.
  struct one_write {
    value_kind kind;
    std::string_view key, value;
  };
  status apply(write_batch& b, const write_options& wo, const one_write* one = nullptr);
  status apply_locked(write_batch& b, const write_options& wo, bool& full, const one_write* one = nullptr);
  status after_write(bool full);
  status get_at(const detail::snapshot_state& snap, std::string_view key, std::string& out,
                const read_options& ro) const;
  // The memtables' answer at `at`, or nullopt when the store must answer.
  std::optional<status> from_memtables(const tables_type& mem, const tables_type* imm, std::string_view key,
                                       sequence_number at, std::string& out) const;
  result<const detail::snapshot_state*> snapshot_of(const read_options& ro) const;
  bool changed_since(std::string_view key, const detail::snapshot_state& snap) const;
  bool range_changed_since(const detail::key_range& r, const detail::snapshot_state& snap) const;
  status commit_transaction(const ::jadekv::snapshot& snap, bool serializable, const write_set& writes,
                            const std::vector<std::string>& reads, const std::vector<detail::key_range>& ranges,
                            write_batch& b, const write_options& wo);
  status maybe_collect();
  void collect_locked();
  status apply_one(value_kind kind, std::string_view key, std::string_view value, const write_options& wo);
  status checkpoint_locked();
  status maybe_checkpoint();
  sequence_number take_sequences(std::uint32_t n);
  status maybe_rotate();
  [[gnu::cold]] static status rotate_locked(state& st);
  [[gnu::cold]] static void rotate_if_idle(state& st);
  status wait_for_flush();
  [[gnu::cold]] static void flush_loop_of(state& st);
  static status flush_tables(store_type& store, const tables_type& t, const comparator_type& cmp,
                             sequence_number last, sequence_number oldest);

  std::unique_ptr<state> s_;
};

// An engine over a type that is no policy of its axis (or an on-disk index
// without a store): the composition's static_assert is its one error. Its
// interface is declared and never defined, so code that uses it adds no
// errors of its own, and nothing that needs the policies' members is
// instantiated.
template <class M, class P, class I, class C>
  requires(!detail::is_well_formed_composition<M, P, I, C>())
class engine<M, P, I, C> : detail::composition<M, P, I, C> {
 public:
  using memtable_type = M;
  using persist_type = P;
  using index_type = I;
  using concurrency_type = C;
  using comparator_type = typename detail::comparator_of<M>::type;
  using iterator_type = db_iterator<comparator_type>;

  using options = detail::engine_options_for<M, P, I, C>;

  [[gnu::cold]] static result<engine> open(const options& opt);
  engine(engine&&) noexcept;
  engine& operator=(engine&& other) noexcept;
  ~engine();
  status put(std::string_view key, std::string_view value, const write_options& wo = {});
  status erase(std::string_view key, const write_options& wo = {});
  status write(write_batch& b, const write_options& wo = {});
  status write(write_batch&& b, const write_options& wo = {});
  result<std::string> get(std::string_view key, const read_options& ro = {}) const;
  status get(std::string_view key, std::string& out, const read_options& ro = {}) const;
  iterator_type iterator(const read_options& ro = {}) const;
  ::jadekv::snapshot snapshot() const;
  transaction<engine> begin(const tx_options& to = {});
  status flush();
  status compact();
  status checkpoint();
  ::jadekv::stats stats() const;
  status close();
  bool is_open() const noexcept;
};

// ---------------------------------------------------------------------------
// Implementation.

template <class M, class P, class I, class C>
engine<M, P, I, C>& engine<M, P, I, C>::operator=(engine&& other) noexcept {
  if (this != &other) {
    (void)close();
    s_ = std::move(other.s_);
  }
  return *this;
}

template <class M, class P, class I, class C>
engine<M, P, I, C>::~engine() {
  (void)close();
}

template <class M, class P, class I, class C>
result<engine<M, P, I, C>> engine<M, P, I, C>::open(const options& opt) {
  if (opt.memtable_bytes == 0) return status::invalid_argument("engine::open: memtable_bytes must be > 0");
  std::shared_ptr<io::file_system> fs = opt.fs ? opt.fs : io::default_fs();
  std::unique_ptr<io::file_lock> lock;
  if constexpr (k_needs_dir) {
    if (opt.dir.empty()) return status::invalid_argument("engine::open: options.dir is empty, and this engine keeps files");
    auto exists = fs->exists(opt.dir);
    if (!exists) return exists.status();
    if (!*exists) {
      if (!opt.create_if_missing)
        return status::invalid_argument(
            detail::concat({"engine::open: ", opt.dir.string(), " does not exist (create_if_missing is false)"}));
      if (auto s = fs->mkdir(opt.dir); !s.ok()) return s;
      if (auto s = fs->sync_dir(io::parent_dir(opt.dir)); !s.ok()) return s;
    }
    auto locked = persist::lock_directory(*fs, opt.dir);
    if (!locked) return locked.status();
    lock = std::move(*locked);
    if (opt.error_if_exists) {
      auto names = fs->list(opt.dir);
      if (!names) return names.status();
      for (const auto& n : *names)
        if (n != "LOCK")
          return status::invalid_argument(
              detail::concat({"engine::open: ", opt.dir.string(), " already holds a database (error_if_exists)"}));
    }
  }
  std::unique_ptr<store_type> store;
  sequence_number flushed = 0;
  if constexpr (k_durable) {
    auto st = store_type::open(fs, opt.dir, opt.index, opt.comparator);
    if (!st) return st.status();
    store = std::move(*st);
    flushed = store->flushed_sequence();
  }
  typename P::options popt = opt.persist;
  if constexpr (requires { popt.lock_directory; }) popt.lock_directory = false;  // the engine holds it
  auto p = P::open(fs, opt.dir, popt);
  if (!p) return p.status();
  auto s = std::make_unique<state>(opt, std::move(*p));
  s->lock = std::move(lock);
  s->store = std::move(store);
  state& st = *s;
  sequence_number replayed = flushed;
  // Generic, so that it is instantiated only where a store exists.
  auto flush_replayed = [&replayed](auto& s) -> status {
    if (auto f = flush_tables(*s.store, *s.mem, s.cmp, replayed, replayed); !f.ok()) return f;
    s.mem = s.new_tables();
    ++s.flushes;
    return {};
  };
  status replay = st.persist.recover([&](const write_batch& b) -> status {
    sequence_number seq = b.sequence();
    auto r = b.for_each([&](value_kind kind, std::string_view key, std::string_view value) {
      if (seq > flushed) st.mem->insert(seq, kind, key, value);  // older ones are in the store
      ++seq;
    });
    if (!r.ok()) return r;
    if (seq - 1 > replayed) replayed = seq - 1;
    if constexpr (k_durable) {
      // A log longer than the memtable budget is flushed as it is replayed.
      if (st.mem_full()) return flush_replayed(st);
    }
    return status{};
  });
  if (!replay.ok()) return replay;
  if constexpr (k_durable) {
    // What the log replayed goes to the store before the first read, so
    // reads after a reopen search tables, not a skiplist built in replay
    // order; then the replayed segments go.
    if (replayed > flushed) {  // the log held entries the store lacks
      auto segment = st.persist.switch_segment();
      if (!segment) return segment.status();
      if (st.mem->entry_count() > 0) {
        if (auto f = flush_replayed(st); !f.ok()) return f;
      }
      if (auto r = st.persist.release_segments_before(*segment); !r.ok()) return r;
    } else if constexpr (requires { st.persist.current_segment(); }) {
      // Nothing newer than the store: the segments before the one this open
      // started hold only what the store has, and would otherwise pile up,
      // one per open.
      if (auto r = st.persist.release_segments_before(st.persist.current_segment()); !r.ok()) return r;
    }
  }
  sequence_number last = s->persist.last_sequence();
  if constexpr (k_durable) {
    if (k_logs && last < flushed)
      return status::corruption(detail::concat({"engine::open: the log in ", opt.dir.string(), " ends at sequence ", last,
                                                " but the index holds sequence ", flushed, " (log segments missing?)"}));
    if (last < flushed) last = flushed;
  }
  s->visible.reset(last);
  if constexpr (k_thread_safe) s->next_seq.store(last, std::memory_order_relaxed);
  else s->next_seq = last;
  engine e(std::move(s));
  if constexpr (k_durable) e.s_->flusher = std::thread([st = e.s_.get()] { engine::flush_loop_of(*st); });
  return e;
}

template <class M, class P, class I, class C>
sequence_number engine<M, P, I, C>::take_sequences(std::uint32_t n) {
  // relaxed: the range only needs to be unique; publication orders visibility.
  if constexpr (k_thread_safe) return s_->next_seq.fetch_add(n, std::memory_order_relaxed) + 1;
  else {
    const sequence_number first = s_->next_seq + 1;
    s_->next_seq += n;
    return first;
  }
}

template <class M, class P, class I, class C>
status engine<M, P, I, C>::apply_one(value_kind kind, std::string_view key, std::string_view value,
                                     const write_options& wo) {
  if (auto s = check_open(); !s.ok()) return s;
  if constexpr (k_logs || k_durable || k_snapshots) {
    thread_local write_batch b;  // reused: a put costs no allocation once warm
    b.clear();
    if (kind == value_kind::put) b.put(key, value);
    else b.erase(key);
    const one_write one{kind, key, value};
    return apply(b, wo, &one);
  } else {
    (void)wo;
    const sequence_number seq = take_sequences(1);
    s_->mem->insert(seq, kind, key, value);
    s_->visible.template publish<k_thread_safe>(seq, seq);
    (kind == value_kind::put ? s_->puts : s_->erases).add();
    s_->user_bytes.add(key.size() + value.size());
    return {};
  }
}

template <class M, class P, class I, class C>
status engine<M, P, I, C>::apply(write_batch& b, const write_options& wo, const one_write* one) {
  if (b.count() == 0) return {};
  if constexpr (k_durable) {
    if (auto s = s_->store->throttle(); !s.ok()) return s;
  }
  bool full = false;
  {
    std::shared_lock gate(s_->gate);
    if (auto s = apply_locked(b, wo, full, one); !s.ok()) return s;
  }
  return after_write(full);
}

template <class M, class P, class I, class C>
status engine<M, P, I, C>::apply_locked(write_batch& b, const write_options& wo, bool& full,
                                        const one_write* one) {
  // The gate is held (shared by writers, exclusively by a committing transaction).
  const std::uint32_t n = b.count();
  if constexpr (k_logs) {
    if (auto s = s_->persist.append(b, wo); !s.ok()) return s;
  } else {
    (void)wo;
    b.set_sequence(take_sequences(n));
  }
  const sequence_number first = b.sequence();
  sequence_number seq = first;
  std::uint64_t puts = 0, bytes = 0;
  tables_type& mem = *s_->mem;  // stable: rotation and collection take the gate exclusively
  auto insert = [&](value_kind kind, std::string_view key, std::string_view value) {
    mem.insert(seq++, kind, key, value);
    puts += kind == value_kind::put ? 1 : 0;
    bytes += key.size() + value.size();
  };
  if (one != nullptr) {
    insert(one->kind, one->key, one->value);
  } else {
    // b was built by write_batch's own encoder or checked by its decoder.
    if (!b.for_each(insert).ok()) detail::contract_violation("engine::write: a write_batch failed to decode");
  }
  s_->visible.template publish<k_thread_safe>(first, first + n - 1);
  // Only the counters that change: each add is a locked instruction.
  if (puts != 0) s_->puts.add(puts);
  if (puts != n) s_->erases.add(n - puts);
  s_->user_bytes.add(bytes);
  if constexpr (k_durable) full = s_->mem_full();  // mem is stable only under the gate
  else if constexpr (k_collects) full = s_->mem->memory_usage() >= s_->collect_at + s_->empty_bytes;
  return {};
}

template <class M, class P, class I, class C>
status engine<M, P, I, C>::after_write(bool full) {
  if constexpr (k_durable) return full ? maybe_rotate() : status{};
  else {
    if constexpr (k_collects) {
      if (full)
        if (auto s = maybe_collect(); !s.ok()) return s;
    }
    return maybe_checkpoint();
  }
}

template <class M, class P, class I, class C>
status engine<M, P, I, C>::put(std::string_view key, std::string_view value, const write_options& wo) {
  return apply_one(value_kind::put, key, value, wo);
}

template <class M, class P, class I, class C>
status engine<M, P, I, C>::erase(std::string_view key, const write_options& wo) {
  return apply_one(value_kind::erase, key, {}, wo);
}

template <class M, class P, class I, class C>
status engine<M, P, I, C>::write(write_batch& b, const write_options& wo) {
  if (auto s = check_open(); !s.ok()) return s;
  s_->batches.add();
  return apply(b, wo);
}

template <class M, class P, class I, class C>
status engine<M, P, I, C>::get(std::string_view key, std::string& out, const read_options& ro) const {
  if (auto s = check_open(); !s.ok()) return s;
  if (ro.snapshot != nullptr) {
    auto snap = snapshot_of(ro);
    if (!snap) return snap.status();
    s_->gets.add();
    return get_at(**snap, key, out, ro);
  }
  s_->gets.add();
  const sequence_number at = s_->visible.load();
  {
    std::shared_lock view(s_->view);
    const tables_type* imm = nullptr;
    if constexpr (k_durable) imm = s_->imm.tables.get();
    if (auto s = from_memtables(*s_->mem, imm, key, at, out)) return *s;
  }
  if constexpr (k_durable) {
    // After the memtables, and at the store's newest: the newest version at
    // `at` may have been flushed meanwhile, and a compaction may already
    // have dropped it under a newer one (only snapshots hold versions back).
    // Every version the store holds was written before this call returns,
    // and the newest one, when newer than `at`, by a write that ran during
    // it: either answer is linearizable, an older one would not be.
    auto s = s_->store->get(key, k_max_sequence, out, ro);
    if (s.ok()) s_->get_hits.add();
    return s;
  }
  return status::not_found();
}

template <class M, class P, class I, class C>
result<std::string> engine<M, P, I, C>::get(std::string_view key, const read_options& ro) const {
  std::string v;
  if (auto s = get(key, v, ro); !s.ok()) return s;
  return v;
}

template <class M, class P, class I, class C>
auto engine<M, P, I, C>::iterator(const read_options& ro) const -> iterator_type {
  if (auto s = check_open(); !s.ok()) return error_iterator(std::move(s), ro);
  if (ro.snapshot != nullptr) {
    auto snap = snapshot_of(ro);
    if (!snap) return error_iterator(snap.status(), ro);
    s_->iterators.add();
    const detail::snapshot_state& st = **snap;
    const auto& v = *static_cast<const read_view*>(st.pin.get());
    std::vector<std::unique_ptr<detail::internal_iterator>> sources;
    v.mem->add_sources(sources);
    if (v.imm) v.imm->add_sources(sources);
    if constexpr (k_durable) s_->store->add_sources(sources, ro, v.store);
    std::unique_ptr<detail::internal_iterator> in;
    if (sources.size() == 1) in = std::move(sources.front());
    else in = std::make_unique<detail::merging_iterator<comparator_type>>(s_->cmp, std::move(sources));
    iterator_type it(std::move(in), s_->cmp, st.seq, ro, ro.snapshot->state_);
    it.renewal_ = renewal_of(*s_, ro);
    it.renewal_.over_snapshot = true;  // refresh() leaves it for the newest data
    return it;
  }
  s_->iterators.add();
  return latest_iterator(*s_, ro);
}

template <class M, class P, class I, class C>
auto engine<M, P, I, C>::latest_iterator(const state& st, const read_options& ro) -> iterator_type {
  // Read sequence first: a memtable that sorts a snapshot when its cursor is
  // made then holds every entry this sequence covers (published = inserted).
  const sequence_number read_seq = st.visible.load();
  std::vector<std::unique_ptr<detail::internal_iterator>> sources;
  sources.reserve(8);  // the memtables and the store's sources, in one allocation as a rule
  std::shared_ptr<const void> pin;
  typename iterator_type::renewal renewal = renewal_of(st, ro);
  {
    std::shared_lock view(st.view);
    st.mem->add_sources(sources);
    renewal.mem_sourced = !sources.empty();
    renewal.epoch = st.read_epoch;
    if constexpr (k_durable) {
      if (st.imm.tables) st.imm.tables->add_sources(sources);
    }
    // The iterator keeps the memtables it reads alive past rotation, flush
    // and collection; an empty one added no source and needs no pin.
    if (!sources.empty()) {
      if constexpr (k_durable) {
        pin = std::make_shared<std::pair<std::shared_ptr<tables_type>, std::shared_ptr<tables_type>>>(
            st.mem, st.imm.tables);
      } else if constexpr (k_collects) {
        pin = st.mem;
      }
    }
  }
  // Before the store's sources: a generation read first and a view taken
  // later can only make refresh() rebuild once more than it had to.
  renewal.store_generation = store_generation(st);
  if constexpr (k_durable) st.store->add_sources(sources, ro);
  std::unique_ptr<detail::internal_iterator> in;
  if (sources.size() == 1) in = std::move(sources.front());
  else in = std::make_unique<detail::merging_iterator<comparator_type>>(st.cmp, std::move(sources));
  iterator_type it(std::move(in), st.cmp, read_seq, ro, std::move(pin));
  it.renewal_ = renewal;
  return it;
}

template <class M, class P, class I, class C>
auto engine<M, P, I, C>::renewal_of(const state& st, const read_options& ro) -> typename iterator_type::renewal {
  typename iterator_type::renewal r;
  r.owner = &st;
  r.renew = &renew;
  r.verify_checksums = ro.verify_checksums;
  r.fill_cache = ro.fill_cache;
  return r;
}

template <class M, class P, class I, class C>
std::uint64_t engine<M, P, I, C>::store_generation(const state& st) {
  if constexpr (k_store_generation) return st.store->generation();
  (void)st;
  return 0;
}

template <class M, class P, class I, class C>
void engine<M, P, I, C>::renew(const void* owner, iterator_type& it) {
  const state& st = *static_cast<const state*>(owner);
  if (k_refresh_keeps && !it.renewal_.over_snapshot) {
    std::shared_lock view(st.view);
    // Sequence first, as in latest_iterator: an entry it covers was in the
    // active memtable before the emptiness check below.
    const sequence_number read_seq = st.visible.load();
    if (it.renewal_.epoch == st.read_epoch && store_generation(st) == it.renewal_.store_generation &&
        (it.renewal_.mem_sourced || st.mem->entry_count() == 0)) {
      it.read_seq_ = read_seq;
      return;
    }
  }
  read_options ro;
  ro.lower_bound = std::move(it.lower_);
  ro.upper_bound = std::move(it.upper_);
  ro.verify_checksums = it.renewal_.verify_checksums;
  ro.fill_cache = it.renewal_.fill_cache;
  it = latest_iterator(st, ro);
}

template <class M, class P, class I, class C>
::jadekv::snapshot engine<M, P, I, C>::snapshot() const
  requires C::snapshots
{
  if (!is_open()) return {};
  auto view = std::make_shared<read_view>();
  std::shared_ptr<detail::snapshot_state> st;
  {
    // Under the view lock no rotation or collection swaps a memtable set,
    // and a flush that lands meanwhile holds only entries <= the sequence
    // read here (its memtable was rotated before we took the lock).
    std::shared_lock lock(s_->view);
    const sequence_number seq = s_->snapshots->acquire([&] { return s_->visible.load(); });
    st = std::make_shared<detail::snapshot_state>(seq, s_.get(), s_->snapshots);
    view->mem = s_->mem;
    if constexpr (k_durable) {
      view->imm = s_->imm.tables;
      view->store = s_->store->pin();
    }
  }
  st->pin = std::move(view);
  return ::jadekv::snapshot(std::move(st));
}

template <class M, class P, class I, class C>
result<const detail::snapshot_state*> engine<M, P, I, C>::snapshot_of(const read_options& ro) const {
  if constexpr (!k_snapshots) {
    (void)ro;
    return status::invalid_argument("read_options.snapshot needs an engine with concurrency::mvcc");
  } else {
    const detail::snapshot_state* st = ro.snapshot->state_.get();
    if (st == nullptr) return status::invalid_argument("read_options.snapshot is an empty (released) snapshot");
    if (st->owner != s_.get()) return status::invalid_argument("read_options.snapshot belongs to another engine");
    return st;
  }
}

template <class M, class P, class I, class C>
status engine<M, P, I, C>::get_at(const detail::snapshot_state& snap, std::string_view key, std::string& out,
                                  const read_options& ro) const {
  const auto& v = *static_cast<const read_view*>(snap.pin.get());
  if (auto s = from_memtables(*v.mem, v.imm.get(), key, snap.seq, out)) return *s;
  if constexpr (k_durable) {
    auto s = s_->store->get(key, snap.seq, out, ro, v.store);
    if (s.ok()) s_->get_hits.add();
    return s;
  } else {
    return status::not_found();
  }
}

template <class M, class P, class I, class C>
std::optional<status> engine<M, P, I, C>::from_memtables(const tables_type& mem, const tables_type* imm,
                                                         std::string_view key, sequence_number at,
                                                         std::string& out) const {
  memtable::lookup l = mem.get(key, at);
  if (l.is_absent() && imm != nullptr) l = imm->get(key, at);
  if (l.is_absent()) return std::nullopt;
  if (l.is_erased()) return status::not_found();
  s_->get_hits.add();
  out.assign(l.value);
  return status{};
}

template <class M, class P, class I, class C>
bool engine<M, P, I, C>::changed_since(std::string_view key, const detail::snapshot_state& snap) const {
  // The gate is held exclusively: every assigned sequence number is visible.
  memtable::lookup l;
  {
    std::shared_lock view(s_->view);
    l = s_->mem->get(key, k_max_sequence);
    if constexpr (k_durable) {
      if (l.is_absent() && s_->imm.tables) l = s_->imm.tables->get(key, k_max_sequence);
    }
  }
  if (!l.is_absent()) return l.seq > snap.seq;
  if constexpr (k_durable) {
    if (s_->store->flushed_sequence() <= snap.seq) return false;  // every newer version is in a memtable
    std::vector<std::unique_ptr<detail::internal_iterator>> sources;
    s_->store->add_sources(sources, read_options{});
    detail::merging_iterator<comparator_type> in(s_->cmp, std::move(sources));
    in.seek(key, k_max_sequence);
    if (!in.status().ok()) return true;  // unknown: refuse rather than risk a lost update
    if (in.valid() && s_->cmp.compare(in.user_key(), key) == 0) return in.seq() > snap.seq;
    // Absent now. A store that drops erased keys (bptree) leaves no version
    // to compare: the key changed if the snapshot saw it.
    std::string v;
    const status was = get_at(snap, key, v, read_options{});
    return !was.is_not_found();
  } else {
    return false;
  }
}

template <class M, class P, class I, class C>
bool engine<M, P, I, C>::range_changed_since(const detail::key_range& r, const detail::snapshot_state& snap) const {
  // Conservative after a flush: the store may have folded newer versions
  // into pages or tables without their history.
  if constexpr (k_durable) {
    if (s_->store->flushed_sequence() > snap.seq) return true;
  }
  std::vector<std::unique_ptr<detail::internal_iterator>> sources;
  std::shared_ptr<tables_type> mem, imm;  // kept alive while scanned
  {
    std::shared_lock view(s_->view);
    mem = s_->mem;
    mem->add_sources(sources);
    if constexpr (k_durable) {
      imm = s_->imm.tables;
      if (imm) imm->add_sources(sources);
    }
  }
  detail::merging_iterator<comparator_type> in(s_->cmp, std::move(sources));
  if (r.lower) in.seek(*r.lower, k_max_sequence);
  else in.seek_to_first();
  for (; in.valid(); in.next()) {
    if (r.upper && s_->cmp.compare(in.user_key(), *r.upper) >= 0) break;
    if (in.seq() > snap.seq) return true;
  }
  return false;
}

template <class M, class P, class I, class C>
status engine<M, P, I, C>::commit_transaction(const ::jadekv::snapshot& snap, bool serializable,
                                              const write_set& writes, const std::vector<std::string>& reads,
                                              const std::vector<detail::key_range>& ranges, write_batch& b,
                                              const write_options& wo) {
  if (auto s = check_open(); !s.ok()) return s;
  const detail::snapshot_state& st = *snap.state_;
  if (st.owner != s_.get()) return status::invalid_argument("transaction: its engine was closed and reopened");
  if constexpr (k_durable) {
    if (auto s = s_->store->throttle(); !s.ok()) return s;
  }
  bool full = false;
  {
    std::unique_lock gate(s_->gate);
    for (const auto& w : writes)
      if (changed_since(w.first, st)) return status::conflict(detail::concat({"transaction: ", w.first, " was written since its snapshot"}));
    if (serializable) {
      for (const auto& key : reads)
        if (changed_since(key, st)) return status::conflict(detail::concat({"transaction: ", key, ", which it read, was written since its snapshot"}));
      for (const auto& r : ranges)
        if (range_changed_since(r, st)) return status::conflict("transaction: a range it iterated was written since its snapshot");
    }
    s_->batches.add();
    if (auto s = apply_locked(b, wo, full); !s.ok()) return s;
  }
  return after_write(full);
}

template <class M, class P, class I, class C>
status engine<M, P, I, C>::maybe_collect() {
  std::unique_lock gate(s_->gate);
  if (s_->mem->memory_usage() < s_->collect_at + s_->empty_bytes) return {};  // another writer collected
  collect_locked();
  return {};
}

template <class M, class P, class I, class C>
void engine<M, P, I, C>::collect_locked() {
  // The gate is held exclusively: every version is visible. Older versions
  // stay in the old set, which the snapshots that can see them keep alive.
  state& st = *s_;
  const sequence_number oldest = st.snapshots->oldest(st.visible.load());
  auto fresh = st.new_tables();
  std::vector<std::unique_ptr<detail::internal_iterator>> sources;
  st.mem->add_sources(sources);
  detail::merging_iterator<comparator_type> in(st.cmp, std::move(sources));
  std::string key;
  bool have_key = false;
  for (in.seek_to_first(); in.valid(); in.next()) {
    if (have_key && st.cmp.compare(in.user_key(), key) == 0) continue;  // an older version
    key.assign(in.user_key());
    have_key = true;
    // An erase is kept while a snapshot older than it lives: a transaction
    // from that snapshot must see that the key changed.
    if (in.kind() == value_kind::put || in.seq() > oldest) fresh->insert(in.seq(), in.kind(), in.user_key(), in.value());
  }
  {
    std::unique_lock view(st.view);
    st.mem = std::move(fresh);
    ++st.read_epoch;
  }
  const std::size_t live = st.mem->memory_usage() - std::min(st.mem->memory_usage(), st.empty_bytes);
  st.collect_at = std::max(st.memtable_bytes, 2 * live);
}

template <class M, class P, class I, class C>
status engine<M, P, I, C>::checkpoint_locked() {
  // The gate is held exclusively: every published write is in the memtable
  // set and no other is in flight, so the image is the state at last_sequence().
  if constexpr (k_checkpoints) {
    auto it = iterator();
    return s_->persist.checkpoint([&it](auto&& emit) {
      for (it.seek_to_first(); it.valid(); it.next()) emit(it.key(), it.value());
    });
  } else {
    return {};  // never called; compiled by an explicit instantiation
  }
}

template <class M, class P, class I, class C>
status engine<M, P, I, C>::maybe_checkpoint() {
  if constexpr (k_checkpoints) {
    if (!s_->persist.checkpoint_due()) return {};
    std::unique_lock gate(s_->gate);
    if (!s_->persist.checkpoint_due()) return {};  // another writer took it
    return checkpoint_locked();
  } else {
    return {};
  }
}

template <class M, class P, class I, class C>
status engine<M, P, I, C>::checkpoint()
  requires persist::checkpointing<P>
{
  if (auto s = check_open(); !s.ok()) return s;
  std::unique_lock gate(s_->gate);
  return checkpoint_locked();
}

template <class M, class P, class I, class C>
status engine<M, P, I, C>::maybe_rotate() {
  std::unique_lock gate(s_->gate);
  if (!s_->mem_full()) return {};  // another writer rotated
  return rotate_locked(*s_);
}

template <class M, class P, class I, class C>
status engine<M, P, I, C>::rotate_locked(state& st) {
  // The gate is held exclusively: every batch logged so far is inserted and
  // published, so the active memtable holds exactly the log up to `last`.
  {
    std::unique_lock fl(st.flush_mu);
    if (st.flush_pending) {
      const auto start = std::chrono::steady_clock::now();
      st.flush_done.wait(fl, [&] { return !st.flush_pending || !st.bg_error.ok(); });
      st.stall_micros += static_cast<std::uint64_t>(
          std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start).count());
      ++st.stalls;
    }
    if (!st.bg_error.ok()) return st.bg_error;
  }
  auto segment = st.persist.switch_segment();
  if (!segment) return segment.status();
  {
    std::unique_lock view(st.view);
    st.imm = flush_job{std::move(st.mem), *segment, st.visible.load()};
    st.mem = st.new_tables();
    ++st.read_epoch;
  }
  {
    std::lock_guard fl(st.flush_mu);
    st.flush_pending = true;
  }
  st.flush_wake.notify_one();
  return {};
}

template <class M, class P, class I, class C>
status engine<M, P, I, C>::flush_tables(store_type& store, const tables_type& t, const comparator_type& cmp,
                                        sequence_number last, sequence_number oldest) {
  if constexpr (k_durable) {
    std::vector<std::unique_ptr<detail::internal_iterator>> sources;
    t.add_sources(sources);
    std::unique_ptr<detail::internal_iterator> in;
    if (sources.size() == 1) in = std::move(sources.front());
    else in = std::make_unique<detail::merging_iterator<comparator_type>>(cmp, std::move(sources));
    // Non-snapshot readers read the newest data (an iterator made earlier pins
    // the memtable it read); `oldest` is older only while an mvcc snapshot lives.
    return store.flush(*in, last, oldest);
  } else {
    (void)store, (void)t, (void)cmp, (void)last, (void)oldest;
    return {};  // never called; compiled by an explicit instantiation
  }
}

template <class M, class P, class I, class C>
void engine<M, P, I, C>::flush_loop_of(state& st) {
  std::unique_lock fl(st.flush_mu);
  for (;;) {
    // A pending flush is finished before stopping; after a failure the
    // memtable stays immutable (readers still see it) until close.
    const auto has_work = [&] { return st.flush_pending && st.bg_error.ok(); };
    const auto woken = [&] { return has_work() || st.stopping; };
    if (st.idle_flush_after.count() == 0) {
      st.flush_wake.wait(fl, woken);
    } else if (!st.flush_wake.wait_for(fl, st.idle_flush_after, woken)) {
      fl.unlock();
      rotate_if_idle(st);
      fl.lock();
      continue;
    }
    if (!has_work()) return;
    const flush_job job = st.imm;  // set before flush_pending; stable until we clear it
    fl.unlock();
    // Under the snapshot list's lock: a snapshot taken later reads at
    // >= job.last, where nothing this flush drops is visible.
    const sequence_number oldest = k_snapshots ? st.snapshots->oldest(job.last) : job.last;
    status s = flush_tables(*st.store, *job.tables, st.cmp, job.last, oldest);
    if (s.ok()) {
      std::unique_lock view(st.view);
      st.imm = flush_job{};
      ++st.read_epoch;
    }
    fl.lock();
    if (!s.ok()) {
      st.bg_error = s;
      st.flush_done.notify_all();
      continue;
    }
    // The memtable is in the store: a writer waiting to rotate goes on now.
    // What is left (unlinking the log it came from, the store's own
    // after-flush work) delays only the next flush and wait_for_flush().
    st.flush_pending = false;
    st.tidying = true;
    ++st.flushes;
    st.flush_done.notify_all();
    fl.unlock();
    s = st.persist.release_segments_before(job.segment);
    if constexpr (requires(store_type& store) { store.after_flush(); }) st.store->after_flush();
    fl.lock();
    st.tidying = false;
    if (!s.ok()) st.bg_error = s;
    st.flush_done.notify_all();
  }
}

template <class M, class P, class I, class C>
void engine<M, P, I, C>::rotate_if_idle(state& st) {
  if constexpr (k_thread_safe) {  // single<> has no gate to keep its writer out
    // Idle: the same sequence at two checks idle_flush_after apart, and not
    // tried at it already (a memtable too small stays so until a write).
    const sequence_number seen = st.visible.load();
    const sequence_number before = std::exchange(st.idle_seen, seen);
    if (seen != before || seen == st.idle_tried) return;
    // Never waits for the gate: a writer holding it exclusively may be
    // waiting for this thread to finish a flush (rotate_locked's stall).
    std::unique_lock gate(st.gate, std::try_to_lock);
    if (!gate.owns_lock()) return;
    st.idle_tried = seen;
    if (st.visible.load() != seen || !st.mem_holds(st.memtable_bytes / 16)) return;
    {
      // Only this thread clears flush_pending: rotating over a pending flush
      // would wait for itself.
      std::lock_guard fl(st.flush_mu);
      if (st.flush_pending || !st.bg_error.ok()) return;
    }
    // A failure leaves the memtable active; the next full one reports it.
    (void)rotate_locked(st);
  } else {
    (void)st;
  }
}

template <class M, class P, class I, class C>
status engine<M, P, I, C>::wait_for_flush() {
  state& st = *s_;
  std::unique_lock fl(st.flush_mu);
  st.flush_done.wait(fl, [&] { return (!st.flush_pending && !st.tidying) || !st.bg_error.ok(); });
  return st.bg_error;
}

template <class M, class P, class I, class C>
status engine<M, P, I, C>::flush() {
  if (auto s = check_open(); !s.ok()) return s;
  if constexpr (k_durable) {
    {
      std::unique_lock gate(s_->gate);
      if (s_->mem->entry_count() > 0)
        if (auto s = rotate_locked(*s_); !s.ok()) return s;
    }
    return wait_for_flush();
  } else if constexpr (k_checkpoints) {
    return checkpoint();
  } else {
    return {};
  }
}

template <class M, class P, class I, class C>
status engine<M, P, I, C>::compact() {
  if (auto s = check_open(); !s.ok()) return s;
  if constexpr (k_durable) {
    if (auto s = flush(); !s.ok()) return s;
    return s_->store->compact();
  } else {
    return {};
  }
}

template <class M, class P, class I, class C>
::jadekv::stats engine<M, P, I, C>::stats() const {
  ::jadekv::stats st;
  if (!s_) return st;
  st.puts = s_->puts.load();
  st.erases = s_->erases.load();
  st.batches = s_->batches.load();
  st.gets = s_->gets.load();
  st.get_hits = s_->get_hits.load();
  st.iterators = s_->iterators.load();
  st.user_bytes_written = s_->user_bytes.load();
  {
    std::shared_lock view(s_->view);
    st.memtable_bytes = s_->mem->memory_usage();
    st.memtable_entries = s_->mem->entry_count();
    if constexpr (k_durable) {
      if (s_->imm.tables) {
        st.memtable_bytes += s_->imm.tables->memory_usage();
        st.memtable_entries += s_->imm.tables->entry_count();
      }
    }
  }
  const persist::stats ps = s_->persist.stats();
  st.bytes_written = ps.bytes_written;
  st.wal_records = ps.records;
  st.wal_syncs = ps.syncs;
  st.wal_groups = ps.groups;
  st.wal_max_group = ps.max_group;
  st.checkpoints = ps.checkpoints;
  st.recovered_records = s_->persist.report().records;
  st.recovery_dropped_bytes = s_->persist.report().bytes_dropped;
  st.last_sequence = s_->visible.load();
  if constexpr (k_durable) {
    if (!s_->closed) s_->store->add_stats(st);
    std::lock_guard fl(s_->flush_mu);
    st.flushes = s_->flushes;
    st.stall_micros += s_->stall_micros;
    st.stalls += s_->stalls;
  }
  return st;
}

template <class M, class P, class I, class C>
status engine<M, P, I, C>::close() {
  if (!s_ || s_->closed) return {};
  status s;
  if constexpr (k_checkpoints && !P::durable) {
    // Snapshots without a log: the last checkpoint is all that survives, so
    // a clean close takes one (DESIGN: close makes acknowledged writes durable).
    std::unique_lock gate(s_->gate);
    s = checkpoint_locked();
  }
  if constexpr (k_durable) {
    // Without a log the memtable would be lost: flush it into the store.
    if constexpr (!k_logs) s = flush();
    else if (auto w = wait_for_flush(); !w.ok()) s = w;  // a pending flush finishes; its log stays until then
    {
      std::lock_guard fl(s_->flush_mu);
      s_->stopping = true;
    }
    s_->flush_wake.notify_one();
    if (s_->flusher.joinable()) s_->flusher.join();
    if (auto c = s_->store->close(); s.ok()) s = c;
  }
  s_->closed = true;
  if (auto c = s_->persist.close(); s.ok()) s = c;
  s_->lock.reset();
  return s;
}

}  // namespace jadekv::inline v0
