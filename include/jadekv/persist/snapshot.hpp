// persist::snapshot<Log, Clock>: point-in-time images of the whole in-memory
// state (format: persist/snapshot_format.hpp), optionally with a log.
//
//   snapshot<>         = snapshot<none<>>: only snapshots. A crash loses the
//                        writes since the last completed checkpoint; what
//                        survives is exactly what that snapshot holds.
//   snapshot<wal<>>    snapshots with a write-ahead log: every acknowledged
//                        write survives as with wal<>, and each checkpoint
//                        lets the log segments before it be deleted. This is
//                        how a purely in-memory store stays small on disk.
//
// Read snapshot<wal<>> as "snapshots, with a WAL": the template parameter is
// the log the snapshots sit on, so one class covers both uses.
//
//   snapshot<wal<>>::options o; o.every_writes = 100000; o.log.sync_every_write = true;
//   auto p = snapshot<wal<>>::open(fs, dir, o);
//   p->recover(apply);                        // newest valid snapshot, then the log after it
//   p->append(batch, {});                     // as wal<>
//   if (p->checkpoint_due())                  // every N writes or T seconds, if set
//     p->checkpoint([&](auto&& emit) { for (auto& [k, v] : live) emit(k, v); });
//
// checkpoint(src): switches the log to a new segment M, noting S, the last
// sequence number assigned; calls src(emit) where emit(key, value) adds one
// live key; writes SNAPSHOT-n.tmp (header: S and M), fsyncs it, renames it to
// SNAPSHOT-n and fsyncs the directory. Only then does it delete snapshots
// beyond the newest `keep` and the log segments that no kept snapshot needs
// (those before the oldest kept snapshot's M), so a damaged newest snapshot
// still leaves an older one with all the log it needs.
//
// Recovery: leftover .tmp files are removed; snapshots are tried newest first
// and the first valid one is loaded (the others are reported and ignored,
// unless the log's recovery mode is absolute_consistency); its entries are
// replayed as puts numbered S - entries + 1 .. S; then the log from segment M
// on, whose first record must be S + 1. Snapshot files that exist but none
// valid fail open with is_corruption(): opening empty would lose the store.
//
// Thread safety: append, switch_segment, release_segments_before, stats,
// last_sequence and checkpoint_due may be called from any thread at once;
// checkpoint calls are serialised. REQUIRES for checkpoint: no append runs
// while it does, so the state src emits is the state at S (the engine holds
// its write lock). open, recover and close are ordered by the caller.
//
// Invariants:
//   1. A file named SNAPSHOT-n was complete and fsynced before it got the
//      name; a torn snapshot never replaces a good one.
//   2. Log segments and snapshots are deleted only after a newer snapshot
//      holding their contents is durable (renamed and directory fsynced).
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "jadekv/core/internal_key.hpp"
#include "jadekv/core/options.hpp"
#include "jadekv/core/result.hpp"
#include "jadekv/core/status.hpp"
#include "jadekv/core/write_batch.hpp"
#include "jadekv/detail/chrono.hpp"
#include "jadekv/detail/concat.hpp"
#include "jadekv/detail/contract.hpp"
#include "jadekv/io/file_system.hpp"
#include "jadekv/persist/concepts.hpp"
#include "jadekv/persist/detail/apply.hpp"
#include "jadekv/persist/detail/snapshot_file.hpp"
#include "jadekv/persist/directory_lock.hpp"
#include "jadekv/persist/file_names.hpp"
#include "jadekv/persist/none.hpp"
#include "jadekv/persist/recovery.hpp"
#include "jadekv/persist/stats.hpp"

namespace jadekv::inline v0::persist {

template <class Log = none<>, class Clock = std::chrono::steady_clock>
class snapshot {
  static_assert(snapshot_log<Log>,
                "persist::snapshot<Log>: Log must be a log policy snapshot<> can sit on: persist::none<> (only "
                "snapshots) or persist::wal<...> (snapshots with a write-ahead log)");

 public:
  struct options {
    std::uint64_t every_writes = 0;     // checkpoint_due() after this many appends (0: never)
    std::chrono::seconds every{0};      // checkpoint_due() this long after the last checkpoint (0: never)
    unsigned keep = 2;                  // snapshots kept (>= 1); older ones are deleted
    bool lock_directory = true;         // false when the caller holds lock_directory(dir)
    typename Log::options log{};        // the log's options; its lock_directory is ignored
  };

  // snapshot<> alone keeps writes only at checkpoints; with a wal, every
  // acknowledged write survives kill -9.
  static constexpr bool durable = Log::durable;

  // Opens (creating if missing) the directory. busy if it is locked.
  [[gnu::cold]] static result<snapshot> open(std::shared_ptr<io::file_system> fs, const std::filesystem::path& dir,
                               const options& o);
  static result<snapshot> open(std::shared_ptr<io::file_system> fs, const std::filesystem::path& dir) {
    return open(std::move(fs), dir, options{});
  }

  snapshot(snapshot&&) noexcept = default;
  snapshot& operator=(snapshot&&) noexcept = default;
  ~snapshot() = default;  // closes without a checkpoint

  // Replays the newest valid snapshot, then the log after it, in order.
  // REQUIRES: called once, before any append.
  template <class F>
  [[gnu::cold]] status recover(F&& apply);
  const recovery_report& report() const { return st().report; }
  sequence_number last_sequence() const { return st().log.last_sequence(); }

  status append(write_batch& b, const write_options& wo) {
    auto s = st().log.append(b, wo);
    if (s.ok()) st().writes_since.fetch_add(1, std::memory_order_relaxed);
    return s;
  }
  status append(write_batch& b) { return append(b, write_options{}); }

  result<std::uint64_t> switch_segment() { return st().log.switch_segment(); }
  // Forwards to the log, but never past what the kept snapshots need (and
  // nothing at all before the first snapshot).
  status release_segments_before(std::uint64_t number);

  // Takes a snapshot: src(emit) calls emit(key, value) for every live key.
  template <class Source>
  status checkpoint(Source&& src);
  // True when every_writes appends or `every` time have passed since the
  // last checkpoint (and at least one append did).
  bool checkpoint_due() const;

  ::jadekv::persist::stats stats() const;

  // Closes the log and releases the lock; takes no snapshot.
  status close();
  // Checkpoints if anything was appended since the last one, then closes.
  template <class Source>
  status close(Source&& src);

 private:
  struct state {
    std::shared_ptr<io::file_system> fs;
    std::filesystem::path dir;
    options opts;
    std::unique_ptr<io::file_lock> lock;
    Log log;
    std::vector<std::uint64_t> found;  // snapshot numbers listed at open, ascending

    std::mutex checkpoint_mu;  // serialises recover/checkpoint/close, and guards the members below it
    std::map<std::uint64_t, std::uint64_t> known;  // valid snapshots: number -> log start
    std::set<std::uint64_t> bad;                    // damaged snapshots, deleted at the next checkpoint
    bool recovered = false;
    bool closed = false;

    // Read by checkpoint_due() and stats() from any thread without the
    // mutex; relaxed: they are counters and a trigger, where a value a
    // moment old is as good as the newest.
    std::atomic<std::uint64_t> writes_since{0};
    std::atomic<typename Clock::rep> last_checkpoint{0};
    std::atomic<std::uint64_t> checkpoints{0};
    std::atomic<std::uint64_t> snapshot_bytes{0};
    std::atomic<std::uint64_t> dir_syncs{0};

    recovery_report report;

    state(std::shared_ptr<io::file_system> f, std::filesystem::path d, const options& o,
          std::unique_ptr<io::file_lock> l, Log lg)
        : fs(std::move(f)), dir(std::move(d)), opts(o), lock(std::move(l)), log(std::move(lg)) {}
  };

  explicit snapshot(std::unique_ptr<state> s) noexcept : st_(std::move(s)) {}

  state& st() const {
    if (!st_) ::jadekv::detail::contract_violation("persist::snapshot used after being moved from");
    return *st_;
  }
  std::filesystem::path path_of(const std::string& name) const { return st().dir / name; }
  static bool absolute(const options& o) {
    if constexpr (requires { o.log.recovery; }) {
      return o.log.recovery == recovery_mode::absolute_consistency;
    } else {
      return false;
    }
  }
  status sync_dir() {
    auto s = st().fs->sync_dir(st().dir);
    if (s.ok()) st().dir_syncs.fetch_add(1, std::memory_order_relaxed);
    return s;
  }
  // REQUIRES: checkpoint_mu held. Deletes what the kept snapshots do not need.
  status prune();
  std::uint64_t log_floor() const {  // REQUIRES: checkpoint_mu held
    std::uint64_t floor = 0;
    bool first = true;
    for (const auto& [n, start] : st().known) {
      floor = first ? start : std::min(floor, start);
      first = false;
    }
    return floor;
  }

  std::unique_ptr<state> st_;
};

// ---------------------------------------------------------------------------
// Implementation.

template <class Log, class Clock>
result<snapshot<Log, Clock>> snapshot<Log, Clock>::open(std::shared_ptr<io::file_system> fs,
                                                        const std::filesystem::path& dir, const options& o) {
  if (!fs) return status::invalid_argument("snapshot: no file system");
  if (o.keep == 0) return status::invalid_argument("snapshot: keep must be at least 1");
  if (auto s = fs->mkdir(dir); !s.ok()) return s.with_context("snapshot: create directory");
  std::unique_ptr<io::file_lock> lock;
  if (o.lock_directory) {
    auto l = lock_directory(*fs, dir);
    if (!l) return l.status();
    lock = std::move(*l);
  }
  auto names = fs->list(dir);
  if (!names) return names.status().with_context("snapshot: list directory");
  std::vector<std::uint64_t> found;
  std::vector<std::string> notes;
  std::uint64_t max_number = 0;
  bool removed = false;
  for (const auto& name : *names) {
    const auto info = parse_file_name(name);
    if (!info) continue;
    max_number = std::max(max_number, info->number);
    if (info->kind == file_kind::segment) {
      // A log that writes nothing (none<>) would ignore a segment's writes.
      if (!info->temporary && !info->discarded && !Log::durable) {
        return status::invalid_argument(
            jadekv::detail::concat({"snapshot: ", dir.string(), " holds log segment ", name,
                                    ": open it with persist::snapshot<persist::wal<>>, which replays it"}));
      }
      continue;
    }
    if (info->temporary) {
      if (auto s = fs->remove(dir / name); !s.ok() && !s.is_not_found()) return s;
      notes.push_back(jadekv::detail::concat({name, ": removed, a snapshot that was being written at a crash"}));
      removed = true;
      continue;
    }
    found.push_back(info->number);
  }
  std::sort(found.begin(), found.end());
  if (removed) {
    if (auto s = fs->sync_dir(dir); !s.ok()) return s.with_context("snapshot");
  }
  auto log = Log::open_log(fs, dir, o.log, detail::log_open_args{false, true});
  if (!log) return log.status();
  log->note_file_number(max_number);
  auto st = std::make_unique<state>(std::move(fs), dir, o, std::move(lock), std::move(*log));
  st->found = std::move(found);
  st->report.ignored = std::move(notes);
  st->last_checkpoint.store(Clock::now().time_since_epoch().count(), std::memory_order_relaxed);
  return snapshot(std::move(st));
}

template <class Log, class Clock>
template <class F>
status snapshot<Log, Clock>::recover(F&& apply) {
  auto& s = st();
  std::lock_guard g(s.checkpoint_mu);
  if (s.closed) return status::closed("snapshot: closed");
  if (s.recovered) return status::invalid_argument("snapshot: recover() called twice");
  std::optional<detail::snapshot_info> chosen;
  std::string reasons;
  for (auto it = s.found.rbegin(); it != s.found.rend(); ++it) {
    const std::string name = snapshot_file_name(*it);
    auto f = s.fs->open(path_of(name), io::open_mode::read_only);
    if (!f) return f.status().with_context("snapshot recovery");
    auto size = (*f)->size();
    if (!size) return size.status().with_context("snapshot recovery");
    result<detail::snapshot_header> header = status::corruption("unread");
    if (!chosen) {
      auto info = detail::verify_snapshot(**f, *size, *it);
      if (info) {
        chosen = *info;
        s.known[*it] = info->header.log_start;
        continue;
      }
      header = info.status();
    } else {
      detail::snapshot_reader rd(**f, *size, *it);
      header = rd.header();
    }
    if (header) {
      s.known[*it] = header->log_start;
      continue;
    }
    if (!header.status().is_corruption()) return header.status().with_context("snapshot recovery");
    s.bad.insert(*it);
    s.report.ignored.push_back(jadekv::detail::concat({name, ": ignored, ", header.status().message()}));
    reasons += jadekv::detail::concat({reasons.empty() ? "" : "; ", header.status().message()});
    if (absolute(s.opts)) {
      return status::corruption(jadekv::detail::concat(
          {"snapshot recovery: ", header.status().message(), " (recovery mode absolute_consistency)"}));
    }
  }
  if (!chosen && !s.found.empty()) {
    return status::corruption(
        jadekv::detail::concat({"snapshot recovery: ", s.dir.string(), " holds snapshots but none is valid (", reasons,
                                "); remove them to open what the log holds"}));
  }
  detail::replay_base base;
  if (chosen) {
    auto f = s.fs->open(path_of(snapshot_file_name(chosen->header.number)), io::open_mode::read_only);
    if (!f) return f.status().with_context("snapshot recovery");
    auto size = (*f)->size();
    if (!size) return size.status().with_context("snapshot recovery");
    auto call = [&apply](const write_batch& b) { return detail::call_apply(apply, b); };
    if (auto r = detail::replay_snapshot(**f, *size, *chosen, call); !r.ok()) return r;
    s.report.snapshot = chosen->header.number;
    s.report.snapshot_sequence = chosen->header.sequence;
    s.report.snapshot_entries = chosen->entries;
    base.first_segment = chosen->header.log_start;
    base.after = chosen->header.sequence;
  }
  if (auto r = s.log.recover_from(&base, apply); !r.ok()) return r;
  const recovery_report& lr = s.log.report();
  s.report.records = lr.records;
  s.report.segments = lr.segments;
  s.report.bytes_dropped = lr.bytes_dropped;
  s.report.stopped_early = lr.stopped_early;
  s.report.ignored.insert(s.report.ignored.end(), lr.ignored.begin(), lr.ignored.end());
  s.recovered = true;
  return {};
}

template <class Log, class Clock>
status snapshot<Log, Clock>::release_segments_before(std::uint64_t number) {
  auto& s = st();
  std::uint64_t floor = 0;
  {
    std::lock_guard g(s.checkpoint_mu);
    floor = log_floor();
  }
  return s.log.release_segments_before(std::min(number, floor));
}

template <class Log, class Clock>
template <class Source>
status snapshot<Log, Clock>::checkpoint(Source&& src) {
  auto& s = st();
  std::lock_guard g(s.checkpoint_mu);
  if (s.closed) return status::closed("snapshot: closed");
  if (!s.recovered) return status::invalid_argument("snapshot: checkpoint before recover()");
  auto rot = s.log.rotate();
  if (!rot) return rot.status().with_context("checkpoint");
  const std::uint64_t number = s.log.new_file_number();
  const std::string name = snapshot_file_name(number);
  const auto tmp = path_of(temp_file_name(name));
  auto f = s.fs->open(tmp, io::open_mode::create_new);
  if (!f) return f.status().with_context("checkpoint");
  detail::snapshot_header h;
  h.number = number;
  h.sequence = rot->last_sequence;
  h.log_start = rot->segment;
  detail::snapshot_writer w(**f, h);
  src([&w](std::string_view key, std::string_view value) { w.add(key, value); });
  status r = w.finish();
  if (r.ok() && w.entries() > h.sequence) {
    r = status::invalid_argument(jadekv::detail::concat(
        {w.entries(), " live keys but only ", h.sequence, " writes were made: the source does not match the log"}));
  }
  if (r.ok()) r = (*f)->sync();
  if (r.ok()) r = (*f)->close();
  if (r.ok()) r = s.fs->rename(tmp, path_of(name));
  if (!r.ok()) {
    (void)(*f)->close();
    (void)s.fs->remove(tmp);
    return r.with_context(jadekv::detail::concat({"checkpoint ", name}));
  }
  // Until the directory sync succeeds the new name may not be durable: keep
  // every older snapshot and segment.
  if (auto d = sync_dir(); !d.ok()) return d.with_context(jadekv::detail::concat({"checkpoint ", name}));
  s.known[number] = rot->segment;
  s.checkpoints.fetch_add(1, std::memory_order_relaxed);
  s.snapshot_bytes.fetch_add(w.bytes(), std::memory_order_relaxed);
  s.writes_since.store(0, std::memory_order_relaxed);
  s.last_checkpoint.store(Clock::now().time_since_epoch().count(), std::memory_order_relaxed);
  auto pruned = prune();
  if (pruned.ok()) return pruned;
  return pruned.with_context(jadekv::detail::concat({"checkpoint ", name, " done; deleting what it replaces"}));
}

template <class Log, class Clock>
status snapshot<Log, Clock>::prune() {
  auto& s = st();
  std::vector<std::uint64_t> victims(s.bad.begin(), s.bad.end());
  while (s.known.size() > s.opts.keep) {
    victims.push_back(s.known.begin()->first);
    s.known.erase(s.known.begin());
  }
  for (auto n : victims) {
    if (auto r = s.fs->remove(path_of(snapshot_file_name(n))); !r.ok() && !r.is_not_found()) return r;
    s.bad.erase(n);
  }
  if (!victims.empty()) {
    if (auto r = sync_dir(); !r.ok()) return r;
  }
  return s.log.release_segments_before(log_floor());
}

template <class Log, class Clock>
bool snapshot<Log, Clock>::checkpoint_due() const {
  const auto& s = st();
  const std::uint64_t writes = s.writes_since.load(std::memory_order_relaxed);
  if (writes == 0) return false;
  if (s.opts.every_writes != 0 && writes >= s.opts.every_writes) return true;
  if (s.opts.every.count() > 0) {
    const typename Clock::time_point last{typename Clock::duration{s.last_checkpoint.load(std::memory_order_relaxed)}};
    if (Clock::now() - last >= s.opts.every) return true;
  }
  return false;
}

template <class Log, class Clock>
::jadekv::persist::stats snapshot<Log, Clock>::stats() const {
  auto& s = st();
  ::jadekv::persist::stats out = s.log.stats();
  out.checkpoints = s.checkpoints.load(std::memory_order_relaxed);
  out.bytes_written += s.snapshot_bytes.load(std::memory_order_relaxed);
  out.dir_syncs += s.dir_syncs.load(std::memory_order_relaxed);
  return out;
}

template <class Log, class Clock>
status snapshot<Log, Clock>::close() {
  auto& s = st();
  std::lock_guard g(s.checkpoint_mu);
  if (s.closed) return {};
  s.closed = true;
  auto r = s.log.close();
  s.lock.reset();
  return r;
}

template <class Log, class Clock>
template <class Source>
status snapshot<Log, Clock>::close(Source&& src) {
  status r;
  if (st().writes_since.load(std::memory_order_relaxed) > 0) r = checkpoint(src);
  auto c = close();
  return r.ok() ? c : r;
}

}  // namespace jadekv::inline v0::persist
