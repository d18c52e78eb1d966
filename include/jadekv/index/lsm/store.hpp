// store: the open form of index::lsm<Compaction> over one directory; it
// models index::store (index/concepts.hpp, whose contract it keeps).
//
//   auto st = lsm_detail::store<leveled<>, options, Cmp>::open(fs, dir, opt, cmp);
//   st->flush(entries, last, oldest);   // one memtable -> one table (level 0, or deeper: Compaction::flush_level)
//   st->get(key, at, out, ro);  st->add_sources(sources, ro);
//   st->compact();  st->check();  st->close();
//
// Layout of the work:
//   - flush() writes a table (fsync table, fsync directory), then
//     logs the edit with flushed_sequence = last (fsync manifest), and only
//     then publishes the new version and returns.
//   - One background thread owned by the store runs the compactions the
//     style (Compaction::pick) asks for; compact() runs Compaction::full on
//     the caller's thread. A compaction writes its outputs, fsyncs them and
//     the directory, logs one edit (inputs deleted, outputs added) and
//     publishes the version.
//   - Reads steer compaction as in LevelDB: a lookup that searches a table
//     in vain and goes on to another charges the first one a wasted seek;
//     a table charged about once per 16 KiB it holds (at least 100 times)
//     is handed to the style (picker_state::seek_file) to merge down.
//   - A table leaves the directory only once no version names it: dropped
//     tables wait in `obsolete_` until nothing but that list holds their
//     file_meta (versions, level iterators and plans all hold file_ptrs).
//
// Thread safety: as index::store requires. mu_ guards the published version
// and the bookkeeping; manifest_mu_ serialises edits (a flush and a
// compaction may finish together); compaction_mu_ lets one compaction run at
// a time. Lock order: compaction_mu_, then manifest_mu_, then mu_. No I/O is
// done under mu_.
//
// Invariants:
//   1. current_ is exactly what the manifest's edits replay to.
//   2. Every table a live version names exists; a failed write removes what
//      it wrote unless an edit naming it may have reached the manifest (then
//      the next open removes it if the manifest does not name it).
//   3. After a failed background write, bg_error_ is set for good: flush,
//      throttle and compact return it and nothing more is written.
#pragma once

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "jadekv/core/internal_key.hpp"
#include "jadekv/core/read_options.hpp"
#include "jadekv/core/result.hpp"
#include "jadekv/core/stats.hpp"
#include "jadekv/core/status.hpp"
#include "jadekv/detail/chrono.hpp"
#include "jadekv/detail/concat.hpp"
#include "jadekv/detail/error_iterator.hpp"
#include "jadekv/detail/internal_iterator.hpp"
#include "jadekv/detail/merging_iterator.hpp"
#include "jadekv/index/lsm/compaction_plan.hpp"
#include "jadekv/index/lsm/level_iterator.hpp"
#include "jadekv/index/lsm/manifest.hpp"
#include "jadekv/index/lsm/table_builder.hpp"
#include "jadekv/index/lsm/table_options.hpp"
#include "jadekv/index/lsm/table_source.hpp"
#include "jadekv/index/lsm/version.hpp"
#include "jadekv/index/lsm/version_edit.hpp"
#include "jadekv/io/file_system.hpp"

namespace jadekv::inline v0::index::lsm_detail {

// A cursor that keeps a version (and so its tables' files) alive.
// A template only so that units which do not use it do not compile it (README, "Build cost").
template <class = void>
class pinned_iterator final : public ::jadekv::detail::internal_iterator {
 public:
  pinned_iterator(version_ptr v, std::unique_ptr<::jadekv::detail::internal_iterator> inner)
      : v_(std::move(v)), inner_(std::move(inner)) {}
  bool valid() const override { return inner_->valid(); }
  void seek_to_first() override { inner_->seek_to_first(); }
  void seek_to_last() override { inner_->seek_to_last(); }
  void seek(std::string_view k, sequence_number s) override { inner_->seek(k, s); }
  void next() override { inner_->next(); }
  void prev() override { inner_->prev(); }
  std::string_view user_key() const override { return inner_->user_key(); }
  sequence_number seq() const override { return inner_->seq(); }
  value_kind kind() const override { return inner_->kind(); }
  std::string_view value() const override { return inner_->value(); }
  ::jadekv::status status() const override { return inner_->status(); }

 private:
  version_ptr v_;
  std::unique_ptr<::jadekv::detail::internal_iterator> inner_;
};

template <class Compaction, class Options, class Cmp>
class store {
 public:
  using options_type = Options;
  using comparator_type = Cmp;

  store(const store&) = delete;
  store& operator=(const store&) = delete;
  ~store() { (void)close(); }

  // Opens (or creates) the store in dir; see manifest.hpp for recovery.
  [[gnu::cold]] static result<std::unique_ptr<store>> open(std::shared_ptr<io::file_system> fs, const std::filesystem::path& dir,
                                             const Options& o, const Cmp& cmp);

  // Every entry with seq <= this is in the store.
  sequence_number flushed_sequence() const noexcept { return flushed_.load(std::memory_order_acquire); }

  // The newest version of key with seq <= at: ok (out set), not_found, or an error.
  ::jadekv::status get(std::string_view key, sequence_number at, std::string& out, const read_options& ro) const;
  // Appends one cursor per level-0 table and one per non-empty deeper level.
  void add_sources(std::vector<std::unique_ptr<::jadekv::detail::internal_iterator>>& sources,
                   const read_options& ro) const;
  // index::snapshot_store: no pin is needed. Flushes and compactions keep
  // every version newer than the `oldest` of the last flush, and a snapshot
  // is registered before any flush that could drop what it sees; so reading
  // the current version as of the snapshot's sequence is exact.
  std::shared_ptr<const void> pin() const { return {}; }
  ::jadekv::status get(std::string_view key, sequence_number at, std::string& out, const read_options& ro,
                       const std::shared_ptr<const void>&) const {
    return get(key, at, out, ro);
  }
  void add_sources(std::vector<std::unique_ptr<::jadekv::detail::internal_iterator>>& sources, const read_options& ro,
                   const std::shared_ptr<const void>&) const {
    add_sources(sources, ro);
  }
  // Called before each write: sleeps ~1 ms while level 0 is at the slowdown
  // trigger, blocks while it is at the stop trigger; the sticky error if any.
  ::jadekv::status throttle();
  // Writes one memtable's entries as one table (level 0, or deeper:
  // Compaction::flush_level); see the top comment.
  ::jadekv::status flush(::jadekv::detail::internal_iterator& entries, sequence_number last, sequence_number oldest);
  // Merges everything (Compaction::full) and waits for it.
  ::jadekv::status compact();
  // Level order, every table present with its size, every block's checksum.
  ::jadekv::status check() const;
  void add_stats(::jadekv::stats& st) const;
  // Stops the background thread and removes unused tables; idempotent.
  ::jadekv::status close();

  // Changes whenever add_sources would read another version (index/concepts.hpp).
  std::uint64_t generation() const noexcept { return generation_.load(std::memory_order_acquire); }

  // For tests and tools.
  version_ptr current_version() const {
    std::lock_guard g(mu_);
    return current_;
  }
  // Waits until no compaction is due or running (or one failed): the error.
  ::jadekv::status wait_for_compactions();
  std::uint64_t compactions() const noexcept { return compactions_.load(std::memory_order_relaxed); }
  std::uint64_t stalls() const noexcept { return stalls_.load(std::memory_order_relaxed); }

 private:
  struct private_tag {};

 public:
  [[gnu::cold]] store(private_tag, std::shared_ptr<io::file_system> fs, std::filesystem::path dir, const Options& o, const Cmp& cmp,
        std::unique_ptr<manifest<>> m, manifest<>::recovered& r);

 private:
  class output_writer;

  ::jadekv::status sticky(::jadekv::status s);
  std::uint64_t new_file_number() {
    std::lock_guard g(mu_);
    return next_file_++;
  }
  // REQUIRES: manifest_mu_ held. Logs e (adding the next file number) and publishes the version it makes.
  [[gnu::cold]] ::jadekv::status log_and_apply(version_edit<>& e);
  // REQUIRES: compaction_mu_ held.
  ::jadekv::status run_compaction(const compaction_plan<>& p);
  // Counts a lookup that searched f (of level) in vain before going on.
  void charge_wasted_seek(const file_ptr& f, int level) const;
  // Removes the files of obsolete_ that nothing holds any more.
  [[gnu::cold]] void purge_obsolete();
  [[gnu::cold]] void background();
  bool closing() const noexcept { return closing_.load(std::memory_order_acquire); }

  std::shared_ptr<io::file_system> fs_;
  std::filesystem::path dir_;
  Options opt_;
  Cmp cmp_;
  std::shared_ptr<sst::block_cache> block_cache_;
  mutable table_source<Cmp> tables_;

  std::mutex compaction_mu_;
  picker_state picker_;  // GUARDED_BY(compaction_mu_)
  std::mutex manifest_mu_;
  std::unique_ptr<manifest<>> manifest_;  // GUARDED_BY(manifest_mu_)

  mutable std::mutex mu_;
  mutable std::condition_variable work_cv_;  // the background thread waits for work
  std::condition_variable state_cv_;  // throttle and wait_for_compactions wait for a new version
  version_ptr current_;               // GUARDED_BY(mu_)
  std::atomic<std::uint64_t> generation_{0};  // versions installed (index/concepts.hpp)
  // throttle()'s lock-free answer: no error, not closed, level 0 under the
  // slowdown trigger. Written under mu_ wherever those change, so a writer
  // does not take mu_ (which every lookup takes) on each write.
  std::atomic<bool> unthrottled_{false};
  std::vector<file_ptr> obsolete_;    // GUARDED_BY(mu_)
  std::uint64_t next_file_ = 1;       // GUARDED_BY(mu_)
  ::jadekv::status bg_error_;         // GUARDED_BY(mu_)
  // mutable: lookups (const) hand over a table they keep searching in vain.
  mutable file_ptr seek_file_;        // GUARDED_BY(mu_); moved to picker_ by the background thread
  mutable int seek_level_ = 0;        // GUARDED_BY(mu_)
  mutable bool work_pending_ = true;  // GUARDED_BY(mu_): a version was published (or seek_file_ set) since the last pick
  bool bg_busy_ = false;              // GUARDED_BY(mu_)
  bool closed_ = false;               // GUARDED_BY(mu_)
  std::atomic<bool> closing_{false};  // read by long compactions to stop early
  std::atomic<sequence_number> flushed_{0};
  std::atomic<sequence_number> oldest_{0};  // the oldest sequence a reader may still read at

  std::atomic<std::uint64_t> compactions_{0};
  std::atomic<std::uint64_t> compaction_bytes_read_{0};
  std::atomic<std::uint64_t> compaction_bytes_written_{0};
  std::atomic<std::uint64_t> flush_bytes_written_{0};
  std::atomic<std::uint64_t> stall_micros_{0};
  std::atomic<std::uint64_t> stalls_{0};

  std::thread bg_;
};

// ---------------------------------------------------------------------------
// Implementation.

// Writes a run of entries in internal-key order as tables of one level,
// closing a table at the first user-key boundary past max_bytes (a user key
// never spans two tables, which keeps levels >= 1 disjoint by user key).
template <class Compaction, class Options, class Cmp>
class store<Compaction, Options, Cmp>::output_writer {
 public:
  output_writer(store& s, std::uint64_t max_bytes) : s_(s), max_bytes_(max_bytes) {
    topt_.block_size = s.opt_.table.block_size;
    topt_.restart_interval = s.opt_.table.restart_interval;
    topt_.bits_per_key = s.opt_.table.bloom_bits_per_key;
  }
  output_writer(const output_writer&) = delete;
  output_writer& operator=(const output_writer&) = delete;
  ~output_writer() { abandon(); }

  ::jadekv::status add(std::string_view user_key, sequence_number seq, value_kind kind, std::string_view value) {
    if (builder_ && builder_->file_size() >= max_bytes_ && s_.cmp_.compare(user_key, last_user_key_) != 0) {
      if (auto st = finish_table(); !st.ok()) return st;
    }
    if (!builder_) {
      if (auto st = start_table(); !st.ok()) return st;
      meta_->smallest.clear();
      append_internal_key(meta_->smallest, user_key, seq, kind);
      meta_->smallest_seq = seq;
      meta_->largest_seq = seq;
    }
    if (auto st = builder_->add(user_key, seq, kind, value); !st.ok()) return st;
    meta_->smallest_seq = std::min(meta_->smallest_seq, seq);
    meta_->largest_seq = std::max(meta_->largest_seq, seq);
    last_user_key_.assign(user_key);
    last_seq_ = seq;
    last_kind_ = kind;
    return {};
  }

  // Finishes the open table (if any) and fsyncs the directory.
  ::jadekv::status finish() {
    if (builder_) {
      if (auto st = finish_table(); !st.ok()) return st;
    }
    if (done_.empty()) return {};
    return s_.fs_->sync_dir(s_.dir_).with_context("lsm: sync directory after writing tables");
  }

  // The tables written; the writer no longer removes them.
  std::vector<std::shared_ptr<file_meta>> release() {
    created_.clear();
    return std::move(done_);
  }

  // Removes every table written or started.
  [[gnu::cold]] void abandon() {
    builder_.reset();
    if (file_) (void)file_->close();
    file_.reset();
    for (std::uint64_t n : created_) (void)s_.fs_->remove(s_.dir_ / table_name(n));
    created_.clear();
    done_.clear();
  }

  std::uint64_t bytes_written() const noexcept { return bytes_; }

 private:
  [[gnu::cold]] ::jadekv::status start_table() {
    meta_ = std::make_shared<file_meta>();
    meta_->number = s_.new_file_number();
    created_.push_back(meta_->number);
    auto f = s_.fs_->open(s_.dir_ / table_name(meta_->number), io::open_mode::truncate);
    if (!f) return f.status().with_context("lsm: create table");
    file_ = std::move(*f);
    builder_.emplace(*file_, topt_, s_.cmp_);
    return {};
  }

  [[gnu::cold]] ::jadekv::status finish_table() {
    const std::string name = table_name(meta_->number);
    auto st = builder_->finish();
    if (st.ok()) st = file_->sync();
    if (st.ok()) st = file_->close();
    if (!st.ok()) return st.with_context(::jadekv::detail::concat({"lsm: write table ", name}));
    meta_->size = builder_->file_size();
    append_internal_key(meta_->largest, last_user_key_, last_seq_, last_kind_);
    bytes_ += meta_->size;
    builder_.reset();
    file_.reset();
    done_.push_back(std::move(meta_));
    return {};
  }

  store& s_;
  std::uint64_t max_bytes_;
  sst::table_options topt_;
  std::unique_ptr<io::file> file_;  // declared before builder_: the builder writes to it
  std::optional<sst::table_builder<Cmp>> builder_;
  std::shared_ptr<file_meta> meta_;
  std::string last_user_key_;
  sequence_number last_seq_ = 0;
  value_kind last_kind_ = value_kind::put;
  std::vector<std::uint64_t> created_;
  std::vector<std::shared_ptr<file_meta>> done_;
  std::uint64_t bytes_ = 0;
};

template <class Compaction, class Options, class Cmp>
result<std::unique_ptr<store<Compaction, Options, Cmp>>> store<Compaction, Options, Cmp>::open(
    std::shared_ptr<io::file_system> fs, const std::filesystem::path& dir, const Options& o, const Cmp& cmp) {
  auto bad = [](std::string what) {
    return status::invalid_argument(::jadekv::detail::concat({"lsm options: ", what}));
  };
  if (o.num_levels < Compaction::k_min_levels) {
    return bad(
        ::jadekv::detail::concat({Compaction::name, " compaction needs num_levels >= ", Compaction::k_min_levels}));
  }
  if (o.l0_compaction_trigger < 1 || o.l0_slowdown_trigger < o.l0_compaction_trigger ||
      o.l0_stop_trigger < o.l0_slowdown_trigger) {
    return bad("need 1 <= l0_compaction_trigger <= l0_slowdown_trigger <= l0_stop_trigger");
  }
  if (o.target_file_bytes == 0 || o.max_bytes_for_level_base == 0 || o.level_ratio < 2) {
    return bad("target_file_bytes and max_bytes_for_level_base must be > 0 and level_ratio >= 2");
  }
  if (o.table.block_size == 0 || o.table.restart_interval < 1 || o.table.bloom_bits_per_key < 0) {
    return bad("table: need block_size > 0, restart_interval >= 1, bloom_bits_per_key >= 0");
  }
  manifest<>::recovered r;
  auto m = manifest<>::recover(fs, dir, o.num_levels, cmp, r);
  if (!m) return m.status();
  auto s = std::make_unique<store>(private_tag{}, std::move(fs), dir, o, cmp, std::move(*m), r);
  s->bg_ = std::thread([p = s.get()] { p->background(); });
  return s;
}

template <class Compaction, class Options, class Cmp>
store<Compaction, Options, Cmp>::store(private_tag, std::shared_ptr<io::file_system> fs, std::filesystem::path dir,
                                       const Options& o, const Cmp& cmp, std::unique_ptr<manifest<>> m,
                                       manifest<>::recovered& r)
    : fs_(fs),
      dir_(dir),
      opt_(o),
      cmp_(cmp),
      block_cache_(o.block_cache_bytes > 0 ? sst::make_block_cache(o.block_cache_bytes) : nullptr),
      tables_(fs, dir, static_cast<std::size_t>(std::max(1, o.max_open_files)), block_cache_, o.map_tables, cmp),
      manifest_(std::move(m)),
      current_(std::move(r.current)),
      next_file_(r.next_file_number) {
  flushed_.store(current_->flushed_sequence, std::memory_order_release);
  // No reader can be older than what is already flushed when the store opens.
  oldest_.store(current_->flushed_sequence, std::memory_order_relaxed);
  unthrottled_.store(opt_.disable_auto_compactions ||
                         static_cast<int>(current_->levels[0].size()) < opt_.l0_slowdown_trigger,
                     std::memory_order_relaxed);
}

template <class Compaction, class Options, class Cmp>
::jadekv::status store<Compaction, Options, Cmp>::sticky(::jadekv::status s) {
  std::lock_guard g(mu_);
  if (bg_error_.ok() && !s.ok() && !s.is_closed()) {
    bg_error_ = s.with_context("lsm: writes refused until reopened after");
    unthrottled_.store(false, std::memory_order_release);
    state_cv_.notify_all();
  }
  return s;
}

template <class Compaction, class Options, class Cmp>
::jadekv::status store<Compaction, Options, Cmp>::get(std::string_view key, sequence_number at, std::string& out,
                                                      const read_options& ro) const {
  const version_ptr v = current_version();
  const sst::lookup_key lk(key, at);
  sst::get_result r;
  const file_ptr* first = nullptr;  // the first table searched, and its level
  int first_level = 0;
  bool went_on = false;
  auto probe = [&](const file_ptr& f, int level) -> ::jadekv::status {
    if (first == nullptr) {
      first = &f;
      first_level = level;
    } else {
      went_on = true;
    }
    auto t = tables_.find(*f);
    if (!t) return t.status();
    if (!(*t)->may_contain(lk)) return {};
    return (*t)->get(lk, out, r, ro);
  };
  auto search = [&]() -> ::jadekv::status {
    for (const auto& f : v->levels[0]) {
      if (cmp_.compare(key, f->smallest_user_key()) < 0 || cmp_.compare(key, f->largest_user_key()) > 0) continue;
      if (auto s = probe(f, 0); !s.ok() || r.state != sst::lookup_state::absent) return s;
    }
    for (std::size_t l = 1; l < v->levels.size(); ++l) {
      const auto& files = v->levels[l];
      const std::size_t i = find_file(files, key, cmp_);
      if (i == files.size() || cmp_.compare(key, files[i]->smallest_user_key()) < 0) continue;
      if (auto s = probe(files[i], static_cast<int>(l)); !s.ok() || r.state != sst::lookup_state::absent) return s;
    }
    return {};
  };
  auto s = search();
  if (went_on) charge_wasted_seek(*first, first_level);
  if (!s.ok()) return s;
  return r.state == sst::lookup_state::found ? ::jadekv::status{} : ::jadekv::status::not_found();
}

template <class Compaction, class Options, class Cmp>
void store<Compaction, Options, Cmp>::charge_wasted_seek(const file_ptr& f, int level) const {
  // A wasted seek costs about what merging 40 KiB of the table does; one
  // per 16 KiB errs towards compacting later rather than sooner.
  if (!opt_.seek_compaction || opt_.disable_auto_compactions) return;
  const std::uint64_t allowed = std::max<std::uint64_t>(100, f->size / (16 << 10));
  if (f->wasted_seeks.fetch_add(1, std::memory_order_relaxed) + 1 != allowed) return;  // relaxed: a counter
  std::lock_guard g(mu_);
  if (seek_file_ != nullptr || closed_) return;  // one request at a time
  seek_file_ = f;
  seek_level_ = level;
  work_pending_ = true;
  work_cv_.notify_one();
}

template <class Compaction, class Options, class Cmp>
void store<Compaction, Options, Cmp>::add_sources(
    std::vector<std::unique_ptr<::jadekv::detail::internal_iterator>>& sources, const read_options& ro) const {
  const version_ptr v = current_version();
  // A table wholly outside [lower_bound, upper_bound) has nothing to show.
  auto outside = [&](const file_meta& f) {
    if (ro.lower_bound && cmp_.compare(f.largest_user_key(), *ro.lower_bound) < 0) return true;
    if (ro.upper_bound && cmp_.compare(f.smallest_user_key(), *ro.upper_bound) >= 0) return true;
    return false;
  };
  for (const auto& f : v->levels[0]) {
    if (outside(*f)) continue;
    auto it = tables_.open_iterator(*f, ro);
    if (!it) {
      sources.push_back(std::make_unique<::jadekv::detail::error_iterator>(it.status()));
      continue;
    }
    sources.push_back(std::make_unique<pinned_iterator<>>(v, std::move(*it)));
  }
  for (std::size_t l = 1; l < v->levels.size(); ++l) {
    // A level is sorted and disjoint, so the tables inside the bounds are one run.
    const std::span<const file_ptr> level(v->levels[l]);
    auto first = level.begin();
    auto last = level.end();
    while (first != last && outside(**first)) ++first;
    while (last != first && outside(**(last - 1))) --last;
    if (first == last) continue;
    sources.push_back(
        std::make_unique<level_iterator<Cmp, table_source<Cmp>>>(v, std::span(first, last), &tables_, ro, cmp_));
  }
}

template <class Compaction, class Options, class Cmp>
::jadekv::status store<Compaction, Options, Cmp>::throttle() {
  if (unthrottled_.load(std::memory_order_acquire)) return {};
  std::unique_lock l(mu_);
  if (closed_) return ::jadekv::status::closed("lsm: store closed");
  if (!bg_error_.ok()) return bg_error_;
  if (opt_.disable_auto_compactions) return {};
  const auto l0 = [&] { return static_cast<int>(current_->levels[0].size()); };
  if (l0() < opt_.l0_slowdown_trigger) return {};
  const auto start = std::chrono::steady_clock::now();
  stalls_.fetch_add(1, std::memory_order_relaxed);
  if (l0() >= opt_.l0_stop_trigger) {
    state_cv_.wait(l, [&] { return l0() < opt_.l0_stop_trigger || !bg_error_.ok() || closing(); });
  } else {
    l.unlock();
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    l.lock();
  }
  const auto waited = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start);
  stall_micros_.fetch_add(static_cast<std::uint64_t>(waited.count()), std::memory_order_relaxed);
  if (closing()) return ::jadekv::status::closed("lsm: store closed");
  return bg_error_;
}

template <class Compaction, class Options, class Cmp>
::jadekv::status store<Compaction, Options, Cmp>::flush(::jadekv::detail::internal_iterator& entries,
                                                        sequence_number last, sequence_number oldest) {
  {
    std::lock_guard g(mu_);
    if (closed_ || closing()) return ::jadekv::status::closed("lsm: store closed");
    if (!bg_error_.ok()) return bg_error_;
  }
  oldest_.store(oldest, std::memory_order_relaxed);
  output_writer out(*this, std::numeric_limits<std::uint64_t>::max());
  std::string key;
  bool have_key = false;
  sequence_number newer_seq = 0;  // of the previous version of `key`
  for (entries.seek_to_first(); entries.valid(); entries.next()) {
    const std::string_view k = entries.user_key();
    const sequence_number seq = entries.seq();
    if (have_key && cmp_.compare(k, key) == 0) {
      const bool shadowed = newer_seq <= oldest;  // no reader sees past the newer version
      newer_seq = seq;
      if (shadowed) continue;
    } else {
      key.assign(k);
      have_key = true;
      newer_seq = seq;
    }
    if (auto s = out.add(k, seq, entries.kind(), entries.value()); !s.ok()) return sticky(s);
  }
  if (auto s = entries.status(); !s.ok()) return s.with_context("lsm: flush: reading the memtable");
  if (auto s = out.finish(); !s.ok()) return sticky(s);
  version_edit<> e;
  e.set_flushed_sequence(last);
  const std::uint64_t written = out.bytes_written();
  auto files = out.release();
  {
    // The table may go below level 0 (Compaction::flush_level) only while
    // no compaction is in flight, and none starts before the edit is in:
    // a merge picked from the version before could put output on its way.
    std::unique_lock c(compaction_mu_, std::try_to_lock);
    int level = 0;
    if (c.owns_lock() && files.size() == 1) {
      level = Compaction::flush_level(*current_version(), opt_, files.front()->smallest_user_key(),
                                      files.front()->largest_user_key(), cmp_);
    }
    for (auto& f : files) e.add_file(level, std::move(f));
    std::lock_guard g(manifest_mu_);
    if (auto s = log_and_apply(e); !s.ok()) return sticky(s);
  }
  flush_bytes_written_.fetch_add(written, std::memory_order_relaxed);
  purge_obsolete();
  return {};
}

template <class Compaction, class Options, class Cmp>
::jadekv::status store<Compaction, Options, Cmp>::log_and_apply(version_edit<>& e) {
  version_ptr base;
  std::uint64_t next = 0;
  {
    std::lock_guard g(mu_);
    base = current_;
    next = next_file_;
  }
  e.set_next_file_number(next);
  auto v = apply_edit(*base, e, cmp_, "lsm: new version");
  if (!v) return v.status();
  ::jadekv::status s;
  if (manifest_->size() >= opt_.max_manifest_bytes) {
    std::uint64_t number = 0;
    {
      std::lock_guard g(mu_);
      number = next_file_++;
      next = next_file_;
    }
    s = manifest_->roll(**v, number, next);
  } else {
    s = manifest_->append(e);
  }
  if (!s.ok()) return s;
  std::lock_guard g(mu_);
  for (const auto& deleted : e.deleted_files) {
    const auto level = deleted.first;
    const auto number = deleted.second;  // not a structured binding: clang 14 cannot capture one in a lambda
    // A table moved to another level (a trivial move) is deleted and added
    // by the same edit: it stays, and must not enter obsolete_, where a
    // second entry when it really goes would keep it on disk for good.
    const bool moved = std::any_of(e.added_files.begin(), e.added_files.end(),
                                   [&](const auto& added) { return added.second->number == number; });
    if (moved) continue;
    for (const auto& f : base->levels[static_cast<std::size_t>(level)]) {
      if (f->number == number) obsolete_.push_back(f);
    }
  }
  current_ = std::move(*v);
  generation_.fetch_add(1, std::memory_order_release);
  flushed_.store(current_->flushed_sequence, std::memory_order_release);
  unthrottled_.store(bg_error_.ok() && !closed_ &&
                         (opt_.disable_auto_compactions ||
                          static_cast<int>(current_->levels[0].size()) < opt_.l0_slowdown_trigger),
                     std::memory_order_release);
  work_pending_ = true;
  work_cv_.notify_one();
  state_cv_.notify_all();
  return {};
}

template <class Compaction, class Options, class Cmp>
void store<Compaction, Options, Cmp>::purge_obsolete() {
  std::vector<std::uint64_t> gone;
  {
    std::lock_guard g(mu_);
    // use_count() == 1: only this list holds the file_meta, and nothing can
    // take a new reference from it, so the count cannot rise again.
    std::erase_if(obsolete_, [&](const file_ptr& f) {
      if (f.use_count() != 1) return false;
      gone.push_back(f->number);
      return true;
    });
  }
  for (std::uint64_t n : gone) {
    tables_.evict(n);
    (void)fs_->remove(dir_ / table_name(n));
  }
}

template <class Compaction, class Options, class Cmp>
::jadekv::status store<Compaction, Options, Cmp>::run_compaction(const compaction_plan<>& p) {
  version_edit<> e;
  for (const auto& [level, files] : p.inputs)
    for (const auto& f : files) e.delete_file(level, f->number);
  if (p.trivial_move) {
    e.add_file(p.output_level, p.inputs.front().second.front());
    std::lock_guard g(manifest_mu_);
    return log_and_apply(e);
  }
  read_options ro;
  ro.verify_checksums = opt_.verify_checksums_in_compaction;
  ro.fill_cache = false;
  std::vector<std::unique_ptr<::jadekv::detail::internal_iterator>> children;
  for (const auto& [level, files] : p.inputs) {
    if (level == 0) {
      for (const auto& f : files) {
        auto it = tables_.open_iterator(*f, ro);
        if (!it) return it.status();
        children.push_back(std::move(*it));
      }
    } else {
      children.push_back(std::make_unique<level_iterator<Cmp, table_source<Cmp>>>(nullptr, files, &tables_, ro, cmp_));
    }
  }
  ::jadekv::detail::merging_iterator<Cmp> in(cmp_, std::move(children));
  const sequence_number oldest = oldest_.load(std::memory_order_relaxed);
  // Whether no older table outside the inputs can hold key: then an erase
  // visible to every reader has nothing left to hide. Keys arrive in order,
  // so each group's cursor only moves forward.
  std::vector<std::size_t> cursor(p.older.size(), 0);
  auto base_for_key = [&](std::string_view key) {
    for (std::size_t g = 0; g < p.older.size(); ++g) {
      const auto& files = p.older[g];
      std::size_t& i = cursor[g];
      while (i < files.size() && cmp_.compare(files[i]->largest_user_key(), key) < 0) ++i;
      if (i < files.size() && cmp_.compare(files[i]->smallest_user_key(), key) <= 0) return false;
    }
    return true;
  };
  output_writer out(*this, p.max_output_bytes);
  std::string key;
  bool have_key = false;
  sequence_number newer_seq = k_max_sequence;
  std::uint64_t n = 0;
  for (in.seek_to_first(); in.valid(); in.next()) {
    if ((++n & 1023) == 0 && closing()) return ::jadekv::status::closed("lsm: compaction stopped by close");
    const std::string_view k = in.user_key();
    const sequence_number seq = in.seq();
    if (!have_key || cmp_.compare(k, key) != 0) {
      key.assign(k);
      have_key = true;
      newer_seq = k_max_sequence;  // none: the first version of a key is never shadowed
    }
    bool drop = newer_seq <= oldest;
    if (!drop && in.kind() == value_kind::erase && seq <= oldest && base_for_key(k)) drop = true;
    newer_seq = seq;
    if (drop) continue;
    if (auto s = out.add(k, seq, in.kind(), in.value()); !s.ok()) return s;
  }
  if (auto s = in.status(); !s.ok()) return s.with_context("lsm: compaction input");
  if (auto s = out.finish(); !s.ok()) return s;
  const std::uint64_t written = out.bytes_written();
  for (auto& f : out.release()) e.add_file(p.output_level, std::move(f));
  {
    std::lock_guard g(manifest_mu_);
    if (auto s = log_and_apply(e); !s.ok()) return s;
  }
  compactions_.fetch_add(1, std::memory_order_relaxed);
  compaction_bytes_read_.fetch_add(p.input_bytes(), std::memory_order_relaxed);
  compaction_bytes_written_.fetch_add(written, std::memory_order_relaxed);
  return {};
}

template <class Compaction, class Options, class Cmp>
void store<Compaction, Options, Cmp>::background() {
  std::unique_lock l(mu_);
  for (;;) {
    work_cv_.wait(l, [&] {
      return closing() || (work_pending_ && bg_error_.ok() && !opt_.disable_auto_compactions);
    });
    if (closing()) break;
    work_pending_ = false;
    bg_busy_ = true;
    l.unlock();
    ::jadekv::status s;
    {
      std::lock_guard c(compaction_mu_);
      {
        std::lock_guard g(mu_);  // lock order: compaction_mu_, then mu_
        if (seek_file_ != nullptr) {
          picker_.seek_file = std::exchange(seek_file_, nullptr);
          picker_.seek_level = seek_level_;
        }
      }
      while (s.ok() && !closing()) {
        {
          auto plan = Compaction::pick(*current_version(), opt_, cmp_, picker_);
          if (!plan) break;
          s = run_compaction(*plan);
        }  // the plan holds its inputs: gone before the purge, or they stay on disk
        if (s.ok()) purge_obsolete();
      }
      picker_.seek_file = nullptr;  // a style that ignored it must not keep its table on disk
    }
    if (!s.ok()) (void)sticky(s);
    l.lock();
    bg_busy_ = false;
    state_cv_.notify_all();
  }
  bg_busy_ = false;
  state_cv_.notify_all();
}

template <class Compaction, class Options, class Cmp>
::jadekv::status store<Compaction, Options, Cmp>::wait_for_compactions() {
  std::unique_lock l(mu_);
  state_cv_.wait(l, [&] {
    return !bg_error_.ok() || closing() || opt_.disable_auto_compactions || (!work_pending_ && !bg_busy_);
  });
  return bg_error_;
}

template <class Compaction, class Options, class Cmp>
::jadekv::status store<Compaction, Options, Cmp>::compact() {
  {
    std::lock_guard g(mu_);
    if (closed_ || closing()) return ::jadekv::status::closed("lsm: store closed");
    if (!bg_error_.ok()) return bg_error_;
  }
  ::jadekv::status s;
  {
    std::lock_guard c(compaction_mu_);
    if (auto plan = Compaction::full(*current_version(), opt_, cmp_)) s = run_compaction(*plan);
  }
  if (!s.ok()) return sticky(s);
  purge_obsolete();
  return {};
}

template <class Compaction, class Options, class Cmp>
::jadekv::status store<Compaction, Options, Cmp>::check() const {
  const version_ptr v = current_version();
  if (auto s = check_level_order(*v, cmp_); !s.ok()) return s.with_context("lsm check");
  for (int l = 0; l < v->num_levels(); ++l) {
    for (const auto& f : v->levels[static_cast<std::size_t>(l)]) {
      const std::string name = table_name(f->number);
      auto where = [&] { return ::jadekv::detail::concat({"lsm check: table ", name, " (level ", l, ")"}); };
      auto size = fs_->file_size(dir_ / name);
      if (!size) {
        if (size.status().is_not_found())
          return ::jadekv::status::corruption(::jadekv::detail::concat({where(), " is missing"}));
        return size.status().with_context(where());
      }
      if (*size != f->size) {
        return ::jadekv::status::corruption(
            ::jadekv::detail::concat({where(), " has ", *size, " bytes, the manifest says ", f->size}));
      }
      auto t = tables_.find(*f);
      if (!t) return t.status().with_context(where());
      if (auto s = (*t)->verify(); !s.ok()) return s.with_context(where());
    }
  }
  return {};
}

template <class Compaction, class Options, class Cmp>
void store<Compaction, Options, Cmp>::add_stats(::jadekv::stats& st) const {
  const version_ptr v = current_version();
  st.cache_hits += tables_.cache_hits();
  st.cache_misses += tables_.cache_misses();
  st.compactions += compactions_.load(std::memory_order_relaxed);
  st.compaction_bytes_read += compaction_bytes_read_.load(std::memory_order_relaxed);
  st.compaction_bytes_written += compaction_bytes_written_.load(std::memory_order_relaxed);
  st.bytes_written += flush_bytes_written_.load(std::memory_order_relaxed) +
                      compaction_bytes_written_.load(std::memory_order_relaxed);
  st.stall_micros += stall_micros_.load(std::memory_order_relaxed);
  st.stalls += stalls_.load(std::memory_order_relaxed);
  st.index_files += v->total_files();
  st.index_bytes += v->total_bytes();
}

template <class Compaction, class Options, class Cmp>
::jadekv::status store<Compaction, Options, Cmp>::close() {
  {
    std::lock_guard g(mu_);
    if (closed_) return {};
    closing_.store(true, std::memory_order_release);
    work_cv_.notify_all();
    state_cv_.notify_all();
  }
  if (bg_.joinable()) bg_.join();
  {
    std::lock_guard g(mu_);
    seek_file_ = nullptr;  // an unserved request must not keep its table on disk
  }
  picker_.seek_file = nullptr;  // the background thread is gone: nothing else uses picker_
  purge_obsolete();
  ::jadekv::status s;
  {
    std::lock_guard g(manifest_mu_);
    s = manifest_->close();
  }
  std::lock_guard g(mu_);
  closed_ = true;
  unthrottled_.store(false, std::memory_order_release);
  return s;
}

}  // namespace jadekv::inline v0::index::lsm_detail
