// index concepts: what the engine needs from an index policy.
//
//   index::policy<I>     every index:
//     I::options         runtime tuning (may be empty), default-constructible
//     I::name            a short name for stats and messages
//     I::on_disk         the index owns files (an engine with one needs a directory)
//
//   index::durable<I>    an index that keeps flushed memtables in files
//                        (index::lsm, index::bptree). It names its open form:
//     I::template store<Cmp>   with Cmp the engine's user-key comparator
//
// The engine drives a store like this:
//
//   auto st = store::open(fs, dir, opt.index, cmp);   // result<unique_ptr<store>>
//   F = st->flushed_sequence();   // every entry with seq <= F is in the store;
//                                 // WAL replay skips batches at or below it
//   ... writers call st->throttle() before each write (it may sleep or block
//       while background work lags, and counts the stall);
//   ... readers: st->get(key, at, out, ro) after the memtables missed, and
//       st->add_sources(sources, ro) beside the memtable sources; an
//       iterator's refresh() keeps the cursors it has while
//       st->generation(), if the store has one, is unchanged (without it,
//       refresh() always makes new ones);
//   ... the engine's flush thread: st->flush(entries, last, oldest) for each
//       immutable memtable, one at a time; then, once writers may rotate
//       again, st->after_flush() if the store has one (work no writer
//       should wait for);
//   st->compact(); st->check(); st->add_stats(stats);
//   st->close();                  // stops background work; idempotent
//
// Contract of a store (the concept checks the shapes; tests/conformance and
// each index's own tests check the rest):
//   1. flush(entries, last, oldest): entries yields one memtable's versioned
//      entries in internal-key order (the store seeks it to the first entry);
//      the views it hands out stay valid until flush returns.
//      Every entry has seq <= last. When flush returns ok the entries are
//      durable in the store and flushed_sequence() == last, also after a
//      crash and reopen. A version may be dropped only when a newer version
//      of the same key has seq <= oldest (no reader can see it); an erase is
//      kept unless nothing older than it can exist below.
//   2. get(key, at, out, ro) answers from the newest version of key with
//      seq <= at: ok with out set (a put), not_found (an erase, or absent),
//      or the error that prevented the answer (corruption, I/O).
//   3. add_sources appends cursors over every version in the store as of the
//      call; they keep what they read alive (later flushes and compactions
//      do not disturb them) and must be destroyed before close().
//   4. Thread safety: get, add_sources, throttle, add_stats, check and
//      compact may run on any thread, concurrently with each other and with
//      one flush at a time. open and close need nothing else in flight.
//   5. Errors are sticky where continuing could lose data: after a failed
//      background write, flush and throttle return that status.
//   6. generation() (optional, noexcept, any thread) changes before, or
//      with, every change of what add_sources would read: a flush's commit,
//      a compaction. Two equal readings mean cursors made between them read
//      the same data.
#pragma once

#include <concepts>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "jadekv/core/internal_key.hpp"
#include "jadekv/core/read_options.hpp"
#include "jadekv/core/result.hpp"
#include "jadekv/core/stats.hpp"
#include "jadekv/core/status.hpp"
#include "jadekv/detail/internal_iterator.hpp"
#include "jadekv/io/file_system.hpp"

namespace jadekv::inline v0::index {

template <class I>
concept policy = std::default_initializable<typename I::options> && requires {
  { I::name } -> std::convertible_to<std::string_view>;
  { I::on_disk } -> std::convertible_to<bool>;
};

template <class S, class Options, class Cmp>
concept store = requires(S& s, const S& cs, std::shared_ptr<io::file_system> fs, const std::filesystem::path& dir,
                         const Options& o, const Cmp& cmp, std::string_view key, sequence_number seq,
                         std::string& out, const read_options& ro,
                         std::vector<std::unique_ptr<::jadekv::detail::internal_iterator>>& sources,
                         ::jadekv::detail::internal_iterator& entries, ::jadekv::stats& st) {
  { S::open(fs, dir, o, cmp) } -> std::same_as<result<std::unique_ptr<S>>>;
  { cs.flushed_sequence() } -> std::same_as<sequence_number>;
  { cs.get(key, seq, out, ro) } -> std::same_as<status>;
  cs.add_sources(sources, ro);
  { s.throttle() } -> std::same_as<status>;
  { s.flush(entries, seq, seq) } -> std::same_as<status>;
  { s.compact() } -> std::same_as<status>;
  { cs.check() } -> std::same_as<status>;
  cs.add_stats(st);
  { s.close() } -> std::same_as<status>;
};

// index::snapshot_store: what an engine with concurrency::mvcc also needs.
//
//   v = st->pin();                         // the store as of now, for a snapshot
//   st->get(key, at, out, ro, v); st->add_sources(sources, ro, v);
//
// A store that keeps one version per key pins the state pin() saw (and must
// not reuse what that state reads until the pointer is released). A store
// that keeps every version newer than the `oldest` of its last flush may
// return an empty pointer and read its current state: the engine registers a
// snapshot before any flush that could drop a version the snapshot sees.
template <class S>
concept snapshot_store = requires(const S& cs, std::string_view key, sequence_number seq, std::string& out,
                                  const read_options& ro, const std::shared_ptr<const void>& view,
                                  std::vector<std::unique_ptr<::jadekv::detail::internal_iterator>>& sources) {
  { cs.pin() } -> std::same_as<std::shared_ptr<const void>>;
  { cs.get(key, seq, out, ro, view) } -> std::same_as<status>;
  cs.add_sources(sources, ro, view);
};

// An index whose store<Cmp> models index::store (checked for the engine's Cmp
// by detail/composition.hpp).
template <class I>
concept durable = policy<I> && I::on_disk;

}  // namespace jadekv::inline v0::index
