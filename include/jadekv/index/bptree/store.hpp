// store: index::bptree's open form, the crash-safe paged B+tree the engine
// flushes its memtables into (it models index::store; see
// index/concepts.hpp for the contract this file keeps).
//
// One data file, "data.jkb" in the engine's directory (a name the WAL's file
// name parser rejects). A commit (copy-on-write):
//   1. a batch is merged into the tree, every changed page written to a
//      free or new page (commit.hpp), with the free list run last;
//   2. the file is fsynced;
//   3. the meta page of the new transaction (the slot the commit before
//      last used) is written and fsynced.
// A crash before 3 completes leaves the previous meta the newest valid one;
// its pages were not touched (freelist.hpp invariant 2). So recovery is
// "newest valid meta page, then WAL replay past its flushed sequence".
//
// A flush is up to k_flush_commits commits, over consecutive key ranges of
// its batch; only the last records the flushed sequence. Why: a commit
// needs new pages for every page it changes before it frees the old ones,
// so one commit of a memtable spread over the whole key space (a random
// load) grows the file by the whole tree; in eighths it grows by an eighth,
// each commit reusing what the one before it freed (jadekv_bench
// fillrandom, 1M entries: a 150 MB file, 231 MB in one commit per flush).
// A crash between them leaves the tree with part of the batch under the
// older flushed sequence: the replay of the log past it writes the same
// entries again, which changes nothing.
//
// Open first fsyncs the file and its directory: a commit whose fsync failed
// in a previous process may still be readable, and must not be trusted (and
// reported by flushed_sequence()) unless it is durable. A leftover
// "data.jkb.tmp" (a creation or compaction cut short) is removed.
//
// compact() writes the live tree, packed, to "data.jkb.tmp", fsyncs it,
// renames it over "data.jkb" and fsyncs the directory; cursors opened before
// keep reading the old file through their handle.
//
// Thread safety (index::store contract 4): get, add_sources, throttle,
// add_stats, check and compact may run on any thread, alongside one flush.
// flush and compact exclude each other (writer_mu_). Readers take the
// current view under view_mu_ (a pointer copy) and read without locks; the
// views they hold pin their pages against reuse.
//
// Versions: the tree keeps only the newest version of each key (the entry
// a flush sees first for it), with its sequence number in the leaf cell;
// an erase removes the key. Snapshots (concurrency::mvcc) do not need older
// versions in the tree: a snapshot pins the commit it was taken at (pin()),
// whose pages stay unreused until it is released, and reads through it. A
// reader that meets one of a flush's middle commits reads the memtable the
// flush is from first, which holds every entry of the batch.
//
// Errors: a commit that fails before its meta write is rolled back in
// memory (the free list as it was) and may be retried. A failure while
// writing or syncing the meta page, or while swapping in a compacted file,
// leaves the on-disk state unknown: it becomes sticky, and flush, compact
// and throttle return it until the store is reopened. Reads keep answering
// from the last published commit.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <limits>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "jadekv/core/comparator.hpp"
#include "jadekv/core/internal_key.hpp"
#include "jadekv/core/read_options.hpp"
#include "jadekv/core/result.hpp"
#include "jadekv/core/stats.hpp"
#include "jadekv/core/status.hpp"
#include "jadekv/detail/concat.hpp"
#include "jadekv/detail/internal_iterator.hpp"
#include "jadekv/index/bptree/check.hpp"
#include "jadekv/index/bptree/commit.hpp"
#include "jadekv/index/bptree/cursor.hpp"
#include "jadekv/index/bptree/format.hpp"
#include "jadekv/index/bptree/freelist.hpp"
#include "jadekv/index/bptree/node.hpp"
#include "jadekv/index/bptree/options.hpp"
#include "jadekv/index/bptree/pager.hpp"
#include "jadekv/index/bptree/view.hpp"
#include "jadekv/io/file_system.hpp"

namespace jadekv::inline v0::index::detail::bptree {

template <comparator Cmp>
class store {
 public:
  using options_type = options;

  // Opens (creating if missing) the data file in dir.
  [[gnu::cold]] static result<std::unique_ptr<store>> open(std::shared_ptr<io::file_system> fs, const std::filesystem::path& dir,
                                             const options& o, const Cmp& cmp);

  store(const store&) = delete;
  store& operator=(const store&) = delete;
  ~store() { (void)close(); }

  // Every entry with seq <= this is in the store.
  sequence_number flushed_sequence() const { return current()->m.flushed; }
  // The newest version of key if its seq <= at: ok with out set, or not_found.
  ::jadekv::status get(std::string_view key, sequence_number at, std::string& out, const read_options& ro) const;
  // Appends a cursor over the current commit.
  void add_sources(std::vector<std::unique_ptr<::jadekv::detail::internal_iterator>>& sources,
                   const read_options& ro) const;
  // index::snapshot_store: the current commit, pinned (its pages are not
  // reused while the pointer lives); get and add_sources read through it.
  std::shared_ptr<const void> pin() const { return current(); }
  // Changes whenever add_sources would read another commit (index/concepts.hpp).
  std::uint64_t generation() const noexcept { return generation_.load(std::memory_order_acquire); }
  ::jadekv::status get(std::string_view key, sequence_number at, std::string& out, const read_options& ro,
                       const std::shared_ptr<const void>& view) const;
  void add_sources(std::vector<std::unique_ptr<::jadekv::detail::internal_iterator>>& sources,
                   const read_options& ro, const std::shared_ptr<const void>& view) const;
  // Never slows writers (a flush has no backlog to pay off); returns a sticky error.
  ::jadekv::status throttle();
  // Commits the newest entry of every key in entries, and `last` as the
  // flushed sequence (in up to k_flush_commits commits, see above).
  // `oldest` is unused: one version per key is kept.
  // An entry refused (out of order, a key too long for the pages) after
  // some commits leaves those in the tree under the older flushed
  // sequence, as a crash between them would.
  // REQUIRES: the views entries hands out stay valid until flush returns
  // (a memtable's do, memtable/concepts.hpp rule 3).
  ::jadekv::status flush(::jadekv::detail::internal_iterator& entries, sequence_number last, sequence_number oldest);
  // What a flush leaves until the engine has let its writers go on
  // (index/concepts.hpp): the pages it wrote enter the pool (pager.hpp
  // warm_written).
  void after_flush();
  // Rewrites the live tree into a fresh file and swaps it in atomically.
  ::jadekv::status compact();
  // The full consistency walk of check.hpp over the current commit.
  ::jadekv::status check() const;
  // Adds cache_hits/misses (all files this store had), index_files,
  // index_bytes, bytes_written (pages and metas), compactions and their bytes.
  void add_stats(::jadekv::stats& st) const;
  // Refuses later flushes and compactions; reads keep working. Idempotent.
  ::jadekv::status close();

  // Introspection for tests and tools.
  std::size_t page_size() const { return current()->file->page_size(); }
  std::uint64_t page_count() const { return current()->m.page_count; }
  std::uint64_t entries() const { return current()->m.entries; }
  std::size_t pool_bytes() const { return current()->file->cache().charged_bytes(); }
  txid last_txid() const { return current()->m.tx; }
  std::uint64_t free_pages() const {
    std::lock_guard g(writer_mu_);
    return fl_.size();
  }

 private:
  using view_t = view<Cmp>;

  // A flush of a source of n entries (its size_hint) is commits of
  // max(ceil(n / k_flush_commits), k_min_commit_entries) keys, the last
  // one smaller; one commit when n is unknown.
  static constexpr std::size_t k_flush_commits = 8;
  static constexpr std::size_t k_min_commit_entries = 4096;

  // One commit of ops (in key order) over the current one, recording `flushed`.
  ::jadekv::status commit_ops(std::span<const flush_op> ops, sequence_number flushed);

  store(std::shared_ptr<io::file_system> fs, std::filesystem::path dir, const options& o, const Cmp& cmp)
      : fs_(std::move(fs)), dir_(std::move(dir)), path_(dir_ / std::string(k_file_name)), opt_(o), cmp_(cmp) {}

  std::shared_ptr<const view_t> current() const {
    std::lock_guard g(view_mu_);
    return current_;
  }

  // Takes the view by value: the cursor keeps it without another count update.
  void add_cursor(std::vector<std::unique_ptr<::jadekv::detail::internal_iterator>>& sources, const read_options& ro,
                  std::shared_ptr<const view_t> v) const;

  void publish(std::shared_ptr<const view_t> v) {
    std::lock_guard g(view_mu_);
    std::erase_if(views_, [](const std::weak_ptr<const view_t>& w) { return w.expired(); });
    views_.push_back(v);
    current_ = std::move(v);
    generation_.fetch_add(1, std::memory_order_release);
  }

  // The oldest commit of file f a reader still holds.
  txid oldest_pinned(const pager<Cmp>* f) const {
    std::lock_guard g(view_mu_);
    txid oldest = current_->m.tx;
    for (const auto& w : views_) {
      if (auto v = w.lock(); v && v->file.get() == f) oldest = std::min(oldest, v->m.tx);
    }
    return oldest;
  }

  ::jadekv::status sticky() const {
    // Lock-free while no error was set: throttle() runs on every write and
    // view_mu_ on every lookup.
    if (!has_sticky_.load(std::memory_order_acquire)) return {};
    std::lock_guard g(view_mu_);
    return sticky_;
  }

  void set_sticky(const ::jadekv::status& s) {
    std::lock_guard g(view_mu_);
    if (sticky_.ok()) sticky_ = s;
    if (!sticky_.ok()) has_sticky_.store(true, std::memory_order_release);
  }

  ::jadekv::status writable() const {
    if (closed_) return ::jadekv::status::closed("bptree store is closed");
    return sticky();
  }

  static ::jadekv::status create_file(io::file_system& fs, const std::filesystem::path& path, std::size_t page_size,
                                      std::string_view cmp_name);
  static ::jadekv::status read_meta(io::file& f, const std::string& name, meta& out);
  ::jadekv::status open_file();
  ::jadekv::status write_metas(pager<Cmp>& pg, const meta& m, bool both);
  ::jadekv::status compact_into(const view_t& v, const std::filesystem::path& tmp, meta& out);

  std::shared_ptr<io::file_system> fs_;
  std::filesystem::path dir_;
  std::filesystem::path path_;
  options opt_;
  Cmp cmp_;

  mutable std::mutex writer_mu_;  // one flush or compaction at a time
  freelist<> fl_;                 // GUARDED_BY(writer_mu_)
  bool closed_ = false;           // GUARDED_BY(writer_mu_)
  std::uint64_t file_bytes_ = 0;  // GUARDED_BY(writer_mu_); bytes the file may hold
  std::string meta_buf_;          // GUARDED_BY(writer_mu_)

  mutable std::mutex view_mu_;
  std::shared_ptr<const view_t> current_;             // GUARDED_BY(view_mu_)
  std::atomic<std::uint64_t> generation_{0};           // commits published (index/concepts.hpp)
  std::vector<std::weak_ptr<const view_t>> views_;    // GUARDED_BY(view_mu_)
  ::jadekv::status sticky_;                           // GUARDED_BY(view_mu_)
  std::atomic<bool> has_sticky_{false};               // set with sticky_, never cleared
  std::uint64_t retired_hits_ = 0;                    // GUARDED_BY(view_mu_); pools of replaced files
  std::uint64_t retired_misses_ = 0;                  // GUARDED_BY(view_mu_)
  std::uint64_t index_bytes_ = 0;                     // GUARDED_BY(view_mu_)
  std::uint64_t bytes_written_ = 0;                   // GUARDED_BY(view_mu_)
  std::uint64_t compactions_ = 0;                     // GUARDED_BY(view_mu_)
  std::uint64_t compaction_read_ = 0;                 // GUARDED_BY(view_mu_)
  std::uint64_t compaction_written_ = 0;              // GUARDED_BY(view_mu_)
};

// ---------------------------------------------------------------------------
// Implementation.

template <comparator Cmp>
result<std::unique_ptr<store<Cmp>>> store<Cmp>::open(std::shared_ptr<io::file_system> fs,
                                                     const std::filesystem::path& dir, const options& o,
                                                     const Cmp& cmp) {
  if (auto s = validate(o); !s.ok()) return s;
  if (Cmp::name().size() > k_max_cmp_name) {
    return ::jadekv::status::invalid_argument("bptree: comparator name longer than 255 bytes");
  }
  if (auto s = fs->mkdir(dir); !s.ok()) return s;
  std::unique_ptr<store> st(new store(std::move(fs), dir, o, cmp));
  std::filesystem::path tmp = st->path_;
  tmp += ".tmp";
  auto stale = st->fs_->exists(tmp);  // a creation or compaction a crash cut short
  if (!stale) return stale.status();
  if (*stale) {
    if (auto s = st->fs_->remove(tmp); !s.ok()) return s;
  }
  auto there = st->fs_->exists(st->path_);
  if (!there) return there.status();
  if (!*there) {
    if (auto s = create_file(*st->fs_, st->path_, o.page_size, Cmp::name()); !s.ok()) return s;
  } else if (auto s = st->fs_->sync_dir(dir); !s.ok()) {
    return s;  // the file may be one whose creation failed at this very step
  }
  if (auto s = st->open_file(); !s.ok()) return s;
  return st;
}

template <comparator Cmp>
::jadekv::status store<Cmp>::create_file(io::file_system& fs, const std::filesystem::path& path,
                                         std::size_t page_size, std::string_view cmp_name) {
  std::string image(2 * page_size, '\0');
  meta m;
  m.page_size = static_cast<std::uint32_t>(page_size);
  m.comparator = std::string(cmp_name);
  for (txid t = 0; t < 2; ++t) {
    m.tx = t;
    encode_meta(image.data() + t * page_size, m);
  }
  return io::write_file_atomically(fs, path, image).with_context("bptree create");
}

template <comparator Cmp>
::jadekv::status store<Cmp>::read_meta(io::file& f, const std::string& name, meta& out) {
  auto size = f.size();
  if (!size) return size.status();
  std::string buf(k_max_page_size, '\0');
  bool found = false;
  std::uint32_t other_version = 0;
  for (std::size_t ps = k_min_page_size; ps <= k_max_page_size; ps *= 2) {
    for (page_id slot = 0; slot < 2; ++slot) {
      if (*size < (slot + 1) * ps) continue;
      auto r = f.read_at(slot * ps, ps, buf.data());
      if (!r) return r.status();
      if (r->size() != ps) continue;
      meta m;
      if (decode_meta(r->data(), ps, slot, m)) {
        if (!found || m.tx > out.tx) {
          out = std::move(m);
          found = true;
        }
      } else if (const std::uint32_t v = meta_version(r->data(), ps); v != 0 && v != k_version) {
        other_version = v;  // a sound meta page of another format
      }
    }
  }
  if (!found && other_version != 0) {
    return ::jadekv::status::not_supported(jadekv::detail::concat(
        {name, ": bptree format version ", other_version, "; this build reads version ", k_version}));
  }
  if (!found) return ::jadekv::status::corruption(jadekv::detail::concat({name, ": no valid meta page"}));
  if (out.page_count > *size / out.page_size) {  // not page_count * page_size: a damaged count overflows it
    return ::jadekv::status::corruption(jadekv::detail::concat({name, ": file shorter than its ", out.page_count, " pages"}));
  }
  return {};
}

template <comparator Cmp>
::jadekv::status store<Cmp>::open_file() {
  auto reader = fs_->open(path_, io::open_mode::read_only);
  if (!reader) return reader.status();
  auto writer = fs_->open(path_, io::open_mode::read_write);
  if (!writer) return writer.status();
  // What a previous process wrote but did not get synced (a failed fsync)
  // becomes durable before this process trusts it.
  if (auto s = (*writer)->sync(); !s.ok()) return s.with_context("bptree open");
  meta m;
  if (auto s = read_meta(**reader, path_.string(), m); !s.ok()) return s;
  if (m.comparator != Cmp::name()) {
    return ::jadekv::status::invalid_argument(jadekv::detail::concat(
        {path_.string(), ": written with comparator '", m.comparator, "', opened with '", Cmp::name(), "'"}));
  }
  auto fsize = (*reader)->size();
  if (!fsize) return fsize.status();
  auto pg = std::make_shared<pager<Cmp>>(std::move(*reader), std::move(*writer), path_, m.page_size,
                                         opt_.cache_bytes, cmp_);
  auto v = std::make_shared<view_t>();
  std::vector<page_id> ids;
  if (m.freelist != 0) {
    if (auto s = pg->load_freelist(m.freelist, m.page_count, true, ids, v->freelist_pages); !s.ok()) return s;
  }
  fl_.reset(ids);
  file_bytes_ = *fsize;
  v->m = std::move(m);
  v->file = std::move(pg);
  {
    std::lock_guard g(view_mu_);
    index_bytes_ = file_bytes_;
  }
  publish(std::move(v));
  return {};
}

template <comparator Cmp>
::jadekv::status store<Cmp>::get(std::string_view key, sequence_number at, std::string& out,
                                 const read_options& ro) const {
  return get(key, at, out, ro, current());
}

template <comparator Cmp>
::jadekv::status store<Cmp>::get(std::string_view key, sequence_number at, std::string& out, const read_options& ro,
                                 const std::shared_ptr<const void>& view) const {
  const auto& v = *static_cast<const view_t*>(view.get());
  return find(v, cmp_, key, at, out, read_flags{opt_.verify_checksums && ro.verify_checksums, ro.fill_cache});
}

template <comparator Cmp>
void store<Cmp>::add_sources(std::vector<std::unique_ptr<::jadekv::detail::internal_iterator>>& sources,
                             const read_options& ro) const {
  add_cursor(sources, ro, current());
}

template <comparator Cmp>
void store<Cmp>::add_sources(std::vector<std::unique_ptr<::jadekv::detail::internal_iterator>>& sources,
                             const read_options& ro, const std::shared_ptr<const void>& view) const {
  add_cursor(sources, ro, std::static_pointer_cast<const view_t>(view));
}

template <comparator Cmp>
void store<Cmp>::add_cursor(std::vector<std::unique_ptr<::jadekv::detail::internal_iterator>>& sources,
                            const read_options& ro, std::shared_ptr<const view_t> v) const {
  sources.push_back(std::make_unique<cursor<Cmp>>(std::move(v), cmp_, ro.lower_bound, ro.upper_bound,
                                                  read_flags{opt_.verify_checksums && ro.verify_checksums,
                                                             ro.fill_cache}));
}

template <comparator Cmp>
::jadekv::status store<Cmp>::throttle() {
  return sticky();
}

template <comparator Cmp>
::jadekv::status store<Cmp>::write_metas(pager<Cmp>& pg, const meta& m, bool both) {
  const std::size_t p = pg.page_size();
  meta_buf_.assign(both ? 2 * p : p, '\0');
  if (both) {
    meta older = m;
    older.tx = m.tx - 1;
    encode_meta(meta_buf_.data() + (older.tx % 2) * p, older);
    encode_meta(meta_buf_.data() + (m.tx % 2) * p, m);
    return pg.write_raw(0, meta_buf_);
  }
  encode_meta(meta_buf_.data(), m);
  return pg.write_raw((m.tx % 2) * p, meta_buf_);
}

template <comparator Cmp>
::jadekv::status store<Cmp>::flush(::jadekv::detail::internal_iterator& entries, sequence_number last,
                                   sequence_number) {
  std::lock_guard w(writer_mu_);
  if (auto s = writable(); !s.ok()) return s;
  sequence_number before = 0;
  std::size_t page_size = 0;
  {
    // Not held past here: it would keep the pages each commit frees from the next.
    const auto cur = current();
    before = cur->m.flushed;
    page_size = cur->file->page_size();
  }
  const std::size_t max_key = max_key_size(page_size);

  // The newest entry of each key, as views into the memtables, a commit's
  // worth at a time: a buffer of an eighth of the batch, reused, instead of
  // the whole batch (fresh memory, which costs here as much as the work
  // done in it). A source that cannot tell its size goes in one commit.
  const std::size_t hint = entries.size_hint();
  const std::size_t per_commit =
      hint == 0 ? std::numeric_limits<std::size_t>::max()
                : std::max((hint + k_flush_commits - 1) / k_flush_commits, k_min_commit_entries);
  std::vector<flush_op> ops;
  ops.reserve(std::min(per_commit, hint));
  std::string_view prev;
  bool first = true;
  for (entries.seek_to_first(); entries.valid(); entries.next()) {
    const std::string_view k = entries.user_key();
    if (!first) {
      const int c = cmp_.compare(prev, k);
      if (c == 0) continue;  // an older version
      if (c > 0) return ::jadekv::status::invalid_argument("bptree flush: entries out of order");
    }
    if (k.size() > max_key) {
      return ::jadekv::status::invalid_argument(jadekv::detail::concat({"bptree flush: a key of ", k.size(),
                                                                        " bytes is longer than the ", max_key,
                                                                        " bytes pages of ", page_size, " allow"}));
    }
    const bool put = entries.kind() == value_kind::put;
    const std::string_view v = put ? entries.value() : std::string_view{};
    if (v.size() > std::numeric_limits<std::uint32_t>::max()) {
      return ::jadekv::status::invalid_argument("bptree flush: value longer than 4 GiB");
    }
    if (ops.size() == per_commit) {  // not the last commit: another key follows
      if (auto s = commit_ops(ops, before); !s.ok()) return s;
      ops.clear();
    }
    ops.push_back({k, entries.seq(), put, v});
    prev = k;
    first = false;
  }
  if (auto s = entries.status(); !s.ok()) return s;
  return commit_ops(ops, std::max(before, last));
}

template <comparator Cmp>
void store<Cmp>::after_flush() {
  std::lock_guard w(writer_mu_);
  if (closed_) return;
  const auto cur = current();
  cur->file->warm_written(cur->m.page_count, opt_.verify_checksums);
}

template <comparator Cmp>
::jadekv::status store<Cmp>::commit_ops(std::span<const flush_op> ops, sequence_number flushed) {
  const auto cur = current();
  pager<Cmp>& pg = *cur->file;
  const txid tx = cur->m.tx + 1;
  const freelist<> saved = fl_;
  // A page no reader can reach has no use in the pool (a commit offered it
  // there when it wrote it): give its budget back.
  fl_.release(oldest_pinned(&pg), [&pg](page_id id) { pg.cache().erase(id); });
  std::uint64_t pc = cur->m.page_count;
  fl_.trim(pc);
  commit<Cmp> c(pg, fl_, tx, pc, cmp_, opt_.fill_percent, opt_.verify_checksums);
  meta m = cur->m;
  m.tx = tx;
  m.flushed = flushed;
  std::int64_t delta = 0;
  std::pair<page_id, std::uint64_t> fl_run{0, 0};
  auto s = ops.empty() ? ::jadekv::status{} : c.apply(cur->m.root, ops, m.root, delta);
  if (s.ok()) {
    if (cur->m.freelist != 0) fl_.release_later(tx, cur->m.freelist, cur->freelist_pages);
    fl_run = c.write_freelist();
    s = c.flush_staged();
  }
  file_bytes_ = std::max(file_bytes_, c.page_count() * pg.page_size());
  if (s.ok()) s = pg.sync();
  if (!s.ok()) {
    fl_ = saved;  // nothing the previous commit reaches was written
    return s;
  }
  m.freelist = fl_run.first;
  m.page_count = c.page_count();
  m.entries = static_cast<std::uint64_t>(static_cast<std::int64_t>(m.entries) + delta);
  s = write_metas(pg, m, false);
  if (s.ok()) s = pg.sync();
  if (!s.ok()) {
    set_sticky(s);
    return s;
  }
  auto v = std::make_shared<view_t>();
  v->m = std::move(m);
  v->freelist_pages = fl_run.second;
  v->file = cur->file;
  const std::uint64_t used = v->m.page_count * pg.page_size();
  if (file_bytes_ > used && pg.writer().truncate(used).ok()) file_bytes_ = used;  // free pages at the end
  {
    std::lock_guard g(view_mu_);
    bytes_written_ += c.bytes_written() + pg.page_size();
    index_bytes_ = file_bytes_;
  }
  publish(std::move(v));
  return {};
}

template <comparator Cmp>
::jadekv::status store<Cmp>::compact_into(const view_t& v, const std::filesystem::path& tmp, meta& out) {
  auto f = fs_->open(tmp, io::open_mode::truncate);
  if (!f) return f.status();
  const std::size_t p = v.file->page_size();
  const std::size_t u = p - k_header_size;
  const std::string name = tmp.string();
  std::string buf;  // pages not yet written, starting at page buf_start
  page_id buf_start = k_first_data_page, next = k_first_data_page;
  std::uint64_t written = 0;
  auto drain = [&]() -> ::jadekv::status {
    if (buf.empty()) return {};
    auto s = (*f)->write_at(buf_start * p, buf);
    written += buf.size();
    buf.clear();
    buf_start = next;
    return s;
  };
  auto put_page = [&](std::size_t pages) -> char* {
    const std::size_t at = buf.size();
    buf.resize(at + pages * p);
    next += pages;
    return buf.data() + at;
  };

  std::deque<std::string> keys;             // separator keys of the level being built
  std::vector<branch_item> level;           // (first key, page) of the nodes written
  std::vector<leaf_item> items;
  std::deque<std::string> hold;             // key and value bytes of `items`
  std::size_t content = 0;
  auto emit_leaf = [&]() -> ::jadekv::status {
    if (items.empty()) return {};
    keys.emplace_back(items.front().key);
    const page_id id = next;
    encode_leaf(put_page(1), p, id, items);
    level.push_back({keys.back(), id});
    items.clear();
    hold.clear();
    content = 0;
    return buf.size() >= (std::size_t{1} << 20) ? drain() : ::jadekv::status{};
  };

  cursor<Cmp> it(std::make_shared<const view_t>(v), cmp_, std::nullopt, std::nullopt, read_flags{true, false});
  std::uint64_t count = 0;
  for (it.seek_to_first(); it.valid(); it.next()) {
    ++count;
    hold.emplace_back(it.user_key());
    leaf_item li;
    li.key = hold.back();
    li.seq = it.seq();
    li.value_len = static_cast<std::uint32_t>(it.value().size());
    li.spill = needs_spill(p, li.key, li.seq, li.value_len);
    if (li.spill) {
      const std::uint64_t n = run_pages(p, li.value_len);
      li.overflow = next;
      char* d = put_page(static_cast<std::size_t>(n));
      std::memset(d, 0, n * p);
      write_header(d, page_type::overflow, 0, li.overflow, static_cast<std::uint32_t>(n - 1));
      std::memcpy(d + k_header_size, it.value().data(), li.value_len);
      seal(d, n * p);
    } else {
      hold.emplace_back(it.value());
      li.value = hold.back();
    }
    if (content + li.size() > u) {
      // The new item's bytes sit in `hold`, which emit_leaf clears: keep them.
      std::string k(li.key), val(li.value);
      if (auto s = emit_leaf(); !s.ok()) return s;
      hold.push_back(std::move(k));
      li.key = hold.back();
      if (!li.spill) {
        hold.push_back(std::move(val));
        li.value = hold.back();
      }
    }
    content += li.size();
    items.push_back(li);
  }
  if (auto s = it.status(); !s.ok()) return s;
  if (count != v.m.entries)
    return ::jadekv::status::corruption(jadekv::detail::concat({name, ": compaction read a different key count"}));
  if (auto s = emit_leaf(); !s.ok()) return s;

  while (level.size() > 1) {
    std::deque<std::string> upper_keys;
    std::vector<branch_item> upper, node;
    std::size_t bytes = 0;
    auto emit_branch = [&]() {
      upper_keys.emplace_back(node.front().key);
      const page_id id = next;
      encode_branch(put_page(1), p, id, node);
      upper.push_back({upper_keys.back(), id});
      node.clear();
      bytes = 0;
    };
    for (const auto& bi : level) {
      if (bytes + bi.size() > u) emit_branch();
      bytes += bi.size();
      node.push_back(bi);
    }
    emit_branch();
    if (auto s = drain(); !s.ok()) return s;
    level = std::move(upper);
    keys = std::move(upper_keys);
  }
  if (auto s = drain(); !s.ok()) return s;

  out = v.m;
  out.tx = v.m.tx + 1;
  out.root = level.empty() ? 0 : level.front().child;
  out.freelist = 0;
  out.page_count = next;
  std::string metas(2 * p, '\0');
  meta older = out;
  older.tx = out.tx - 1;
  encode_meta(metas.data() + (older.tx % 2) * p, older);
  encode_meta(metas.data() + (out.tx % 2) * p, out);
  if (auto s = (*f)->write_at(0, metas); !s.ok()) return s;
  if (auto s = (*f)->sync(); !s.ok()) return s;
  {
    std::lock_guard g(view_mu_);
    compaction_written_ += written + metas.size();
    compaction_read_ += v.m.page_count * p;
  }
  return (*f)->close();
}

template <comparator Cmp>
::jadekv::status store<Cmp>::compact() {
  std::lock_guard w(writer_mu_);
  if (auto s = writable(); !s.ok()) return s;
  const auto cur = current();
  std::filesystem::path tmp = path_;
  tmp += ".tmp";
  meta m;
  auto s = compact_into(*cur, tmp, m);
  if (s.ok()) s = fs_->rename(tmp, path_);
  if (!s.ok()) {
    (void)fs_->remove(tmp);
    return s.with_context("bptree compact");
  }
  // The new file is in place: every later commit must go to it.
  auto reader = fs_->open(path_, io::open_mode::read_only);
  auto writer = reader ? fs_->open(path_, io::open_mode::read_write) : result<std::unique_ptr<io::file>>(reader.status());
  s = fs_->sync_dir(io::parent_dir(path_));
  if (!reader || !writer) s = reader ? writer.status() : reader.status();
  if (!s.ok()) {
    set_sticky(s.with_context("bptree compact"));
    return sticky();
  }
  auto v = std::make_shared<view_t>();
  v->m = std::move(m);
  v->file = std::make_shared<pager<Cmp>>(std::move(*reader), std::move(*writer), path_, cur->file->page_size(),
                                         opt_.cache_bytes, cmp_);
  fl_.reset({});
  file_bytes_ = v->m.page_count * v->file->page_size();
  {
    std::lock_guard g(view_mu_);
    retired_hits_ += cur->file->cache().hits();
    retired_misses_ += cur->file->cache().misses();
    index_bytes_ = file_bytes_;
    ++compactions_;
  }
  publish(std::move(v));
  return {};
}

template <comparator Cmp>
::jadekv::status store<Cmp>::check() const {
  const auto v = current();
  return bptree::check(*v, cmp_);
}

template <comparator Cmp>
void store<Cmp>::add_stats(::jadekv::stats& st) const {
  const auto v = current();
  std::lock_guard g(view_mu_);
  st.cache_hits += retired_hits_ + v->file->cache().hits();
  st.cache_misses += retired_misses_ + v->file->cache().misses();
  st.index_files += 1;
  st.index_bytes += index_bytes_;
  st.bytes_written += bytes_written_;
  st.compactions += compactions_;
  st.compaction_bytes_read += compaction_read_;
  st.compaction_bytes_written += compaction_written_;
}

template <comparator Cmp>
::jadekv::status store<Cmp>::close() {
  std::lock_guard w(writer_mu_);
  closed_ = true;
  return {};
}

}  // namespace jadekv::inline v0::index::detail::bptree
