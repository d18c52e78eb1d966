// wal_core: everything of persist::wal<BlockSize> that does not depend on the
// block size (which it takes at run time): the directory scan, recovery, the
// group-commit queue, segment switching and release. wal.hpp is the policy
// users name; this is its one implementation.
//
// Thread safety:
//   - append, rotate, release_segments_before, close, stats, last_sequence
//     may be called from any thread at once; recover must finish before any
//     of them starts.
//   - Writers queue up in `queue_` (under mu_). The writer at the front owns
//     the log tail (file_, segment_, seed_, offset_, synced_offset_, buf_,
//     group_) and uses it with mu_ released; it passes ownership on only by
//     popping itself and notifying the next front, both under mu_. So the
//     mutex orders every owner's use of the tail before the next owner's,
//     which is all the tail needs.
//   - A writer that finds the queue empty, asks for no sync and has a mapped
//     tail (below) does not queue: it owns the tail while it holds mu_ and
//     copies its record in under it (an uncontended put takes one lock pair
//     and no condition variable). Anyone arriving meanwhile waits for mu_,
//     then queues as usual.
//   - A leader (a writer with a batch) takes the writers queued behind it into
//     its group, up to max_group_bytes and never past an exclusive operation
//     (rotate, close: a queue entry with no batch), writes the whole group
//     with one write and at most one fdatasync, then completes every member.
//   - Gathering: a syncing leader that finds fewer writers queued than were
//     active at the end of the last synced group (active_hint_) waits for
//     them, at most half the recent fdatasync time and at most
//     max_group_wait. Without it two threads ping-pong: each finds the other
//     still on its way back and syncs alone. A lone writer never waits
//     (its hint is 1).
//   - files_mu_ guards the list of segments and the file-number counter. It
//     may be held while taking mu_ (to count a sync), never the reverse.
//
// Mapped tail: where the file system maps files for writing (posix_fs), a
// group is copied into a writable mapping of the segment instead of handed
// to write(): the bytes are in the OS as soon as the copy ends, as after a
// write, for a fraction of its cost (a write() per group was half of an
// unsynced put). The mapping is a window reserved on disk ahead of the
// records (about as many bytes as the segment holds, 64 KiB to
// k_tail_window), so a segment left by a crash ends in zeros, which the
// reader takes as its end (log_format.hpp); a segment that is switched away
// from or closed is first cut back to its records. A kill -9
// can stop a copy halfway, leaving a torn last record that was never
// acknowledged; write() leaves none, so absolute_consistency, which refuses
// torn records, keeps using it.
//
// Lazy switch: moving to a new segment does not fsync the old one (a memtable
// switch would otherwise wait for, and write back, a whole memtable's log,
// which is deleted unread once the memtable is flushed). The old segment is
// listed in unsynced_ and fsynced only when it must be: before the next
// synced group is acknowledged, at close, never if it is released first.
// absolute_consistency, which refuses any torn record, keeps the eager sync.
//
// Invariants:
//   1. Sequence numbers are assigned by the tail owner in queue order, so the
//      log holds batches in sequence order with no gap; each segment header
//      records the sequence its first record has, and the segment before it
//      with where that one's records ended.
//   2. A segment gets its first record only after its header and name are
//      durable. A synced group is acknowledged only after every older
//      segment still listed (unsynced_) is fsynced. So after a kill -9 only
//      the newest segment can have a torn tail; after a power loss an older
//      segment can end early, but then no later segment holds a synced
//      write, and recovery (which sees the loss in the next header) stops
//      there and sets the later segments aside: a prefix of the history,
//      with every synced write in it.
//   3. After a failed write or fsync every later append, rotate and close
//      returns that error (sticky): an fsync is never retried and taken as
//      success. Reopening is the only way on.
//   4. An append that returned ok has its bytes in the OS (pwrite done); one
//      that asked for sync has them fdatasynced too.
#pragma once

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <deque>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "jadekv/core/internal_key.hpp"
#include "jadekv/core/result.hpp"
#include "jadekv/core/status.hpp"
#include "jadekv/core/write_batch.hpp"
#include "jadekv/detail/chrono.hpp"
#include "jadekv/detail/concat.hpp"
#include "jadekv/io/file_system.hpp"
#include "jadekv/persist/detail/apply.hpp"
#include "jadekv/persist/detail/log_reader.hpp"
#include "jadekv/persist/detail/log_writer.hpp"
#include "jadekv/persist/directory_lock.hpp"
#include "jadekv/persist/file_names.hpp"
#include "jadekv/persist/log_format.hpp"
#include "jadekv/persist/recovery.hpp"
#include "jadekv/persist/stats.hpp"

namespace jadekv::inline v0::persist::detail {

// The most the mapped tail reserves ahead of the records.
inline constexpr std::uint64_t k_tail_window = std::uint64_t{1} << 20;
static_assert(k_tail_window % io::k_map_alignment == 0);

struct wal_config {
  recovery_mode recovery = recovery_mode::tolerate_torn_tail;
  bool sync_every_write = false;
  std::size_t max_group_bytes = std::size_t{1} << 20;
  std::chrono::microseconds max_group_wait{1000};
  std::uint32_t block_size = log_format::k_default_block_size;
  log_open_args args;
};

// A template only so that units which do not use it do not compile it (README, "Build cost").
template <class = void>
class wal_core {
 public:
  // Creates dir if missing, takes its lock (unless args say the caller holds
  // it), removes leftover temporary segments and lists the segments.
  [[gnu::cold]] static result<std::unique_ptr<wal_core>> open(std::shared_ptr<io::file_system> fs, const std::filesystem::path& dir,
                                                const wal_config& c);

  wal_core(const wal_core&) = delete;
  wal_core& operator=(const wal_core&) = delete;
  ~wal_core() { (void)close(); }

  // Replays the segments (from base->first_segment on, expecting the first
  // record to follow base->after; all of them when base is null), then
  // starts a new segment.
  [[gnu::cold]] status recover(const replay_base* base, apply_fn apply);
  // Assigns b's sequence numbers and logs it; see the invariants.
  status append(write_batch& b, bool sync);
  // Fsyncs the current segment and starts the next one.
  [[gnu::cold]] result<rotation> rotate();
  // Removes the segments numbered below `number` (not the current one).
  [[gnu::cold]] status release_segments_before(std::uint64_t number);
  // Fsyncs what is unsynced and closes; later calls fail with closed.
  status close();

  ::jadekv::persist::stats stats() const;
  sequence_number last_sequence() const noexcept { return last_sequence_.load(std::memory_order_acquire); }
  const recovery_report& report() const noexcept { return report_; }
  std::uint64_t current_segment() const {
    std::lock_guard g(files_mu_);
    return segments_.empty() ? 0 : segments_.back();
  }
  // A number no file in the directory has.
  std::uint64_t new_file_number() {
    std::lock_guard g(files_mu_);
    return next_number_++;
  }
  // Makes later numbers exceed n.
  void note_file_number(std::uint64_t n) {
    std::lock_guard g(files_mu_);
    next_number_ = std::max(next_number_, n + 1);
  }

 private:
  struct writer {
    write_batch* batch = nullptr;  // nullptr: an exclusive operation
    bool sync = false;
    bool done = false;  // GUARDED_BY(mu_)
    status result;      // GUARDED_BY(mu_)
    std::condition_variable cv;
  };

  wal_core(std::shared_ptr<io::file_system> fs, std::filesystem::path dir, const wal_config& c,
           std::unique_ptr<io::file_lock> lock)
      : fs_(std::move(fs)), dir_(std::move(dir)), cfg_(c), lock_(std::move(lock)) {}

  std::filesystem::path path_of(const std::string& name) const { return dir_ / name; }
  // REQUIRES: mu_ held. Why an append cannot go ahead, or ok.
  status refuse_locked() const;
  // Runs work() as the owner of the log tail, alone in the queue.
  template <class Work>
  auto exclusive(Work&& work) -> decltype(work());
  // REQUIRES: tail ownership. Creates segment `number` (written aside,
  // fsynced, renamed, directory fsynced) and makes it current; prev and
  // prev_end go into its header (log_format.hpp).
  [[gnu::cold]] status start_segment(std::uint64_t number, sequence_number first_sequence, std::uint64_t prev,
                       std::uint64_t prev_end);
  // Records s as the sticky error (invariant 3) and returns it.
  status fail(status s);
  void count_sync(bool dir) {
    std::lock_guard g(mu_);
    ++(dir ? stats_.dir_syncs : stats_.syncs);
  }
  status sync_dir() {
    auto s = fs_->sync_dir(dir_);
    if (s.ok()) count_sync(true);
    return s;
  }
  // REQUIRES: tail ownership; mu_ held. Logs b alone (see the top of the file).
  status append_alone(write_batch& b);
  // REQUIRES: tail ownership; the batches' sequences set; end = where their
  // records end when framed from offset_. Frames `alone`, or when it is
  // null the batches of group_ in order, straight into the mapped tail while
  // there is one, else into buf_ for one write_at. One function for both
  // callers: a template over the batch list compiled it twice (0.5 KB).
  status write_records(const write_batch* alone, std::uint64_t end);
  // REQUIRES: tail ownership. Where the n bytes from offset_ go in the mapped
  // tail (mapping more of it when needed), or nullptr when it is not mapped.
  char* tail_room(std::uint64_t n);
  // REQUIRES: mu_ held. Counts a group of `records` batches, `bytes` written.
  void count_group_locked(std::size_t records, std::uint64_t bytes) {
    ++stats_.groups;
    stats_.records += records;
    stats_.max_group = std::max<std::uint64_t>(stats_.max_group, records);
    stats_.bytes_written += bytes;
  }
  // REQUIRES: mu_ held. Makes s (the tail's write failure) sticky; returns error_.
  [[gnu::cold]] status refuse_after_locked(const status& s);
  // REQUIRES: tail ownership. Cuts off the space reserved past file_'s
  // records (not durably: zeros to the end are a clean end anyway).
  [[gnu::cold]] status cut_back_tail();
  // REQUIRES: tail ownership. cut_back_tail, and makes the records durable.
  [[gnu::cold]] status seal_tail();
  // REQUIRES: tail ownership. Fsyncs the older segments in unsynced_ that
  // are still there (released ones need nothing), and unlists them.
  [[gnu::cold]] status sync_older();
  // Recovery's answer to damage in segment todo[i].
  [[gnu::cold]] status on_damage(const std::vector<std::uint64_t>& todo, std::size_t i, log_reader& rd, std::uint64_t size,
                   const log_damage& d);
  // Keeps bytes [0, keep) of a segment: truncates and fsyncs it, or sets it
  // aside as ".discarded" when not even its header is kept.
  [[gnu::cold]] status cut_segment(std::uint64_t number, std::uint64_t keep);
  status set_aside(std::uint64_t number);
  // What a sound segment header says, read alone; nullopt when it is damaged.
  struct header_fields {
    sequence_number first_sequence = 0;
    std::uint64_t prev = 0, prev_end = 0;
  };
  [[gnu::cold]] result<std::optional<header_fields>> read_header(std::uint64_t number);
  // Sets aside segments todo[from..] (none holds a write recovery keeps),
  // raising set_aside_before_ to the first sequence their headers name.
  [[gnu::cold]] status set_aside_from(const std::vector<std::uint64_t>& todo, std::size_t from, const std::string& why);
  // Whether segment `next`'s header says `number` came just before it and
  // reached past `end`: then a power loss took number's bytes from end on.
  [[gnu::cold]] result<bool> lost_tail(std::uint64_t number, std::uint64_t next, std::uint64_t end);

  const std::shared_ptr<io::file_system> fs_;
  const std::filesystem::path dir_;
  const wal_config cfg_;
  std::unique_ptr<io::file_lock> lock_;  // touched only by close (exclusive) and the destructor

  mutable std::mutex mu_;
  std::deque<writer*> queue_;  // GUARDED_BY(mu_)
  status error_;               // GUARDED_BY(mu_); sticky
  bool closed_ = false;        // GUARDED_BY(mu_)
  bool recovered_ = false;     // GUARDED_BY(mu_)
  ::jadekv::persist::stats stats_;  // GUARDED_BY(mu_)
  std::size_t active_hint_ = 1;     // GUARDED_BY(mu_); writers queued at the end of the last synced group
  std::chrono::nanoseconds sync_time_{0};  // GUARDED_BY(mu_); moving average of a group's fdatasync
  bool gathering_ = false;          // GUARDED_BY(mu_); the leader waits for active_hint_ writers

  mutable std::mutex files_mu_;
  std::vector<std::uint64_t> segments_;  // GUARDED_BY(files_mu_); ascending, the current one last
  std::vector<std::uint64_t> unsynced_;  // GUARDED_BY(files_mu_); older segments not known durable
  std::uint64_t next_number_ = 1;        // GUARDED_BY(files_mu_)

  // The log tail: owned by the front of queue_ (see the top of this file).
  std::unique_ptr<io::file> file_;
  std::uint64_t segment_ = 0;
  std::uint32_t seed_ = 0;
  std::uint64_t offset_ = 0;         // bytes written to file_
  std::uint64_t synced_offset_ = 0;  // bytes of file_ known durable
  std::string buf_;
  std::vector<writer*> group_;
  // The mapped tail: bytes [window_start_, window_start_ + window_.size())
  // of file_, while map_tail_. reserved_to_: how far a reservation may have
  // grown file_ (a failed mapping can still have reserved), for seal_tail.
  bool map_tail_ = false;
  std::span<char> window_;
  std::uint64_t window_start_ = 0;
  std::uint64_t reserved_to_ = 0;

  // Written only by the tail owner (and by recover, before any append);
  // read anywhere. Release/acquire: a reader that sees a number also sees
  // the recovery or group commit that produced it.
  std::atomic<sequence_number> last_sequence_{0};

  recovery_report report_;  // written by open and recover only
  // Recovery: sequence numbers below this were assigned before a segment it
  // set aside was made. The log goes on above them even where it lost them:
  // the index may hold some (flushed before a power loss cut the segment
  // that logged them), and a number is never given to two writes.
  sequence_number set_aside_before_ = 0;
};

// ---------------------------------------------------------------------------
// Implementation.

template <class D>
auto wal_core<D>::open(std::shared_ptr<io::file_system> fs,
                                                        const std::filesystem::path& dir, const wal_config& c) -> result<std::unique_ptr<wal_core>> {
  if (!fs) return status::invalid_argument("wal: no file system");
  if (!log_format::valid_block_size(c.block_size)) {
    return status::invalid_argument(
        jadekv::detail::concat({"wal: block size ", c.block_size, " is not a power of two in [",
                                log_format::k_min_block_size, ", ", log_format::k_max_block_size, "]"}));
  }
  if (auto s = fs->mkdir(dir); !s.ok()) return s.with_context("wal: create directory");
  std::unique_ptr<io::file_lock> lock;
  if (c.args.lock_directory) {
    auto l = lock_directory(*fs, dir);
    if (!l) return l.status();
    lock = std::move(*l);
  }
  std::unique_ptr<wal_core> core(new wal_core(fs, dir, c, std::move(lock)));
  auto names = fs->list(dir);
  if (!names) return names.status().with_context("wal: list directory");
  bool removed = false;
  for (const auto& name : *names) {
    const auto info = parse_file_name(name);
    if (!info) continue;
    core->note_file_number(info->number);
    if (info->kind == file_kind::snapshot) {
      if (!c.args.inside_snapshot && !info->temporary) {
        return status::invalid_argument(
            jadekv::detail::concat({"wal: ", dir.string(), " holds snapshot ", name,
                                    ": open it with persist::snapshot<persist::wal<>>, which replays both"}));
      }
      continue;
    }
    if (info->discarded) continue;
    if (info->temporary) {
      if (auto s = fs->remove(core->path_of(name)); !s.ok() && !s.is_not_found()) return s;
      core->report_.ignored.push_back(
          jadekv::detail::concat({name, ": removed, a segment that was being created at a crash"}));
      removed = true;
      continue;
    }
    core->segments_.push_back(info->number);
  }
  std::sort(core->segments_.begin(), core->segments_.end());
  if (removed) {
    if (auto s = core->sync_dir(); !s.ok()) return s;
  }
  return core;
}

template <class D>
status wal_core<D>::refuse_locked() const {
  if (closed_) return status::closed("wal: closed");
  if (!recovered_) return status::invalid_argument("wal: append before recover()");
  return error_;
}

template <class D>
status wal_core<D>::fail(status s) {
  std::lock_guard g(mu_);
  if (error_.ok()) error_ = s.with_context("wal: writes refused until reopened after");
  return error_;
}

template <class D>
template <class Work>
auto wal_core<D>::exclusive(Work&& work) -> decltype(work()) {
  writer me;
  std::unique_lock l(mu_);
  queue_.push_back(&me);
  if (gathering_) queue_.front()->cv.notify_one();  // no point waiting: the group stops here
  while (queue_.front() != &me) me.cv.wait(l);
  l.unlock();
  auto r = work();
  l.lock();
  queue_.pop_front();
  if (!queue_.empty()) queue_.front()->cv.notify_one();
  return r;
}

template <class D>
status wal_core<D>::start_segment(std::uint64_t number, sequence_number first_sequence, std::uint64_t prev,
                                      std::uint64_t prev_end) {
  const std::string name = segment_file_name(number);
  const auto tmp = path_of(temp_file_name(name));
  const std::string header = encode_segment_header(number, cfg_.block_size, first_sequence, prev, prev_end);
  auto made = [&]() -> result<std::unique_ptr<io::file>> {
    auto f = fs_->open(tmp, io::open_mode::create_new);
    if (!f) return f.status();
    if (auto s = (*f)->write_at(0, header); !s.ok()) return s;
    if (auto s = (*f)->datasync(); !s.ok()) return s;
    count_sync(false);
    if (auto s = fs_->rename(tmp, path_of(name)); !s.ok()) return s;
    return f;
  }();
  if (!made) {
    (void)fs_->remove(tmp);
    return made.status().with_context(jadekv::detail::concat({"wal: start segment ", name}));
  }
  // The handle survives the rename (file_system invariant 3). Until the
  // directory is synced nothing goes into the new segment.
  if (auto s = sync_dir(); !s.ok()) return s.with_context(jadekv::detail::concat({"wal: start segment ", name}));
  if (file_) (void)file_->close();  // synced, or listed in unsynced_; a close error changes nothing
  file_ = std::move(*made);
  segment_ = number;
  seed_ = segment_seed(number);
  offset_ = synced_offset_ = header.size();
  map_tail_ = cfg_.recovery != recovery_mode::absolute_consistency;
  window_ = {};
  window_start_ = reserved_to_ = 0;
  std::lock_guard g(files_mu_);
  segments_.push_back(number);
  return {};
}

template <class D>
status wal_core<D>::append(write_batch& b, bool sync) {
  sync = sync || cfg_.sync_every_write;
  std::unique_lock l(mu_);
  if (auto s = refuse_locked(); !s.ok()) return s;
  // The queue first: map_tail_ belongs to the tail owner, and with an empty
  // queue there is none (the last one popped itself under mu_).
  if (queue_.empty() && !sync && map_tail_) return append_alone(b);
  writer w;
  w.batch = &b;
  w.sync = sync;
  queue_.push_back(&w);
  if (gathering_) queue_.front()->cv.notify_one();  // the leader counts arrivals
  while (!w.done && queue_.front() != &w) w.cv.wait(l);
  if (w.done) return w.result;

  // The leader. A writer ahead of it may have failed or closed the log.
  if (auto s = refuse_locked(); !s.ok()) {
    queue_.pop_front();
    if (!queue_.empty()) queue_.front()->cv.notify_one();
    return s;
  }
  if (w.sync && active_hint_ > 1 && queue_.size() < active_hint_ && sync_time_.count() > 0) {
    const auto wait = std::min<std::chrono::nanoseconds>(sync_time_ / 2, cfg_.max_group_wait);
    gathering_ = true;
    w.cv.wait_for(l, wait, [&] { return queue_.size() >= active_hint_; });
    gathering_ = false;
  }
  group_.clear();
  std::size_t bytes = 0;
  bool want_sync = false;
  for (writer* x : queue_) {
    if (x->batch == nullptr) break;
    if (!group_.empty() && bytes + x->batch->byte_size() > cfg_.max_group_bytes) break;
    group_.push_back(x);
    bytes += x->batch->byte_size();
    want_sync = want_sync || x->sync;
  }
  l.unlock();

  // Owner of the tail from here until the pops below.
  status s;
  sequence_number seq = last_sequence_.load(std::memory_order_relaxed);
  const std::uint64_t begin = offset_;
  std::uint64_t end = offset_;
  for (writer* x : group_) {
    if (x->batch->count() > k_max_sequence - seq) {
      s = status::invalid_argument("wal: sequence numbers exhausted");
      break;
    }
    x->batch->set_sequence(seq + 1);
    seq += x->batch->count();
    end = framed_end(end, cfg_.block_size, x->batch->data().size());
  }
  bool wrote = false, synced = false;
  std::chrono::nanoseconds sync_took{0};
  if (s.ok()) {
    s = write_records(nullptr, end);
    wrote = s.ok();
  }
  if (s.ok()) {
    offset_ = end;
    if (want_sync) {
      const auto t0 = std::chrono::steady_clock::now();
      s = sync_older();
      if (s.ok()) s = file_->datasync();
      sync_took = std::chrono::steady_clock::now() - t0;
      synced = true;
      if (s.ok()) synced_offset_ = offset_;
    }
  }
  if (s.ok()) last_sequence_.store(seq, std::memory_order_release);

  l.lock();
  count_group_locked(group_.size(), wrote ? end - begin : 0);
  if (synced) {
    ++stats_.syncs;
    active_hint_ = queue_.size();  // this group and the writers that queued meanwhile
    sync_time_ = sync_time_.count() == 0 ? sync_took : (sync_time_ * 7 + sync_took) / 8;
  }
  for (writer* x : group_) stats_.synced_records += x->sync ? 1 : 0;
  const status out = s.ok() ? s : refuse_after_locked(s);
  for (writer* x : group_) {
    queue_.pop_front();
    if (x == &w) continue;
    x->result = out;
    x->done = true;
    x->cv.notify_one();
  }
  if (!queue_.empty()) queue_.front()->cv.notify_one();
  return out;
}

template <class D>
status wal_core<D>::append_alone(write_batch& b) {
  const sequence_number seq = last_sequence_.load(std::memory_order_relaxed);
  if (b.count() > k_max_sequence - seq) {
    return refuse_after_locked(status::invalid_argument("wal: sequence numbers exhausted"));
  }
  b.set_sequence(seq + 1);
  const std::uint64_t end = framed_end(offset_, cfg_.block_size, b.data().size());
  if (auto s = write_records(&b, end); !s.ok()) return refuse_after_locked(s);
  count_group_locked(1, end - offset_);
  offset_ = end;
  last_sequence_.store(seq + b.count(), std::memory_order_release);
  return {};
}

template <class D>
status wal_core<D>::refuse_after_locked(const status& s) {
  if (error_.ok()) {
    error_ = s.with_context(jadekv::detail::concat(
        {"wal: writes refused until reopened after segment ", segment_file_name(segment_), " failed"}));
  }
  return error_;
}

template <class D>
status wal_core<D>::write_records(const write_batch* alone, std::uint64_t end) {
  const auto for_each = [&](auto&& f) {
    if (alone != nullptr) f(*alone);
    else
      for (writer* x : group_) f(*x->batch);
  };
  std::uint64_t at = offset_;
  if (char* dst = tail_room(end - offset_)) {
    for_each([&](const write_batch& b) { at = frame_record(dst + (at - offset_), at, cfg_.block_size, seed_, b.data()); });
    return {};
  }
  buf_.clear();
  for_each([&](const write_batch& b) { at = frame_record(buf_, at, cfg_.block_size, seed_, b.data()); });
  return file_->write_at(offset_, buf_);
}

template <class D>
char* wal_core<D>::tail_room(std::uint64_t n) {
  constexpr std::uint64_t a = io::k_map_alignment;
  if (map_tail_ && offset_ + n > window_start_ + window_.size()) {
    // Reserves ahead about what the segment holds, 64 KiB to k_tail_window:
    // a small log stays small, a large one remaps rarely.
    const std::uint64_t ahead = std::clamp<std::uint64_t>(offset_, a, k_tail_window);
    const std::uint64_t start = offset_ / a * a;
    const std::uint64_t len = (offset_ + n + ahead - start + a - 1) / a * a;
    reserved_to_ = std::max(reserved_to_, start + len);
    auto m = file_->map_for_append(start, static_cast<std::size_t>(len));
    if (m && !m->empty()) {
      window_ = *m;
      window_start_ = start;
    } else {
      // Not mapped (or not now: no room, say): write() from here on, which
      // reports a lasting cause itself.
      map_tail_ = false;
      window_ = {};
    }
  }
  return map_tail_ ? window_.data() + (offset_ - window_start_) : nullptr;
}

template <class D>
status wal_core<D>::cut_back_tail() {
  if (reserved_to_ > offset_) {
    if (auto s = file_->truncate(offset_); !s.ok()) return s;
    reserved_to_ = offset_;
  }
  return {};
}

template <class D>
status wal_core<D>::seal_tail() {
  const bool reserved = reserved_to_ > offset_;
  if (auto s = cut_back_tail(); !s.ok()) return s;
  if (reserved || synced_offset_ < offset_) {
    if (auto s = file_->datasync(); !s.ok()) return s;
    count_sync(false);
    synced_offset_ = offset_;
  }
  return {};
}

template <class D>
status wal_core<D>::sync_older() {
  std::vector<std::uint64_t> todo;
  {
    std::lock_guard g(files_mu_);
    if (unsynced_.empty()) return {};
    todo = unsynced_;
  }
  for (const std::uint64_t n : todo) {
    auto f = fs_->open(path_of(segment_file_name(n)), io::open_mode::read_only);
    if (!f && f.status().is_not_found()) continue;  // released meanwhile
    if (!f) return f.status().with_context("wal: sync older segment");
    if (auto s = (*f)->datasync(); !s.ok()) return s.with_context("wal: sync older segment");
    count_sync(false);
    (void)(*f)->close();
  }
  std::lock_guard g(files_mu_);
  std::erase_if(unsynced_, [&](std::uint64_t n) { return std::find(todo.begin(), todo.end(), n) != todo.end(); });
  return {};
}

template <class D>
result<rotation> wal_core<D>::rotate() {
  return exclusive([&]() -> result<rotation> {
    {
      std::lock_guard g(mu_);
      if (auto s = refuse_locked(); !s.ok()) return s;
    }
    if (cfg_.recovery == recovery_mode::absolute_consistency) {
      if (auto s = seal_tail(); !s.ok()) return fail(std::move(s));
    } else {
      if (auto s = cut_back_tail(); !s.ok()) return fail(std::move(s));
      if (synced_offset_ < offset_) {
        std::lock_guard g(files_mu_);
        unsynced_.push_back(segment_);
      }
    }
    const sequence_number last = last_sequence_.load(std::memory_order_relaxed);
    const std::uint64_t number = new_file_number();
    if (auto s = start_segment(number, last + 1, segment_, offset_); !s.ok()) return fail(std::move(s));
    return rotation{number, last};
  });
}

template <class D>
status wal_core<D>::release_segments_before(std::uint64_t number) {
  std::vector<std::uint64_t> released;
  {
    std::lock_guard g(files_mu_);
    const std::uint64_t current = segments_.empty() ? 0 : segments_.back();
    if (number > current) {
      return status::invalid_argument(
          jadekv::detail::concat({"wal: release_segments_before(", number, ") passes the current segment ", current}));
    }
    auto stop = std::lower_bound(segments_.begin(), segments_.end(), number);
    released.assign(segments_.begin(), stop);
    segments_.erase(segments_.begin(), stop);
    std::erase_if(unsynced_, [&](std::uint64_t n) { return n < number; });
  }
  if (released.empty()) return {};
  // Unlinked without files_mu_: a writer rotating meanwhile (it takes
  // files_mu_ for its new segment) does not wait for the file system
  // (unlinking a full 64 MiB segment: ~8 ms here). Oldest first, stopping
  // at a failure, so what stays on disk is still a gapless run up to the
  // current segment; the next open replays it (nothing past the store's
  // flushed sequence) and releases it.
  for (const std::uint64_t n : released) {
    if (auto s = fs_->remove(path_of(segment_file_name(n))); !s.ok() && !s.is_not_found()) {
      return s.with_context("wal: release segments");
    }
  }
  return sync_dir().with_context("wal: release segments");
}

template <class D>
status wal_core<D>::close() {
  return exclusive([&]() -> status {
    status s;
    {
      std::lock_guard g(mu_);
      if (closed_) return {};
      closed_ = true;
      s = error_;
    }
    if (file_) {
      if (s.ok()) s = seal_tail();
      if (s.ok()) s = sync_older();
      auto c = file_->close();
      if (s.ok()) s = c;
      file_.reset();
    }
    lock_.reset();
    return s.with_context("wal: close");
  });
}

template <class D>
::jadekv::persist::stats wal_core<D>::stats() const {
  ::jadekv::persist::stats out;
  {
    std::lock_guard g(mu_);
    out = stats_;
  }
  std::lock_guard g(files_mu_);
  out.segments = segments_.size();
  return out;
}

template <class D>
status wal_core<D>::set_aside(std::uint64_t number) {
  const std::string name = segment_file_name(number);
  if (auto s = fs_->rename(path_of(name), path_of(discarded_file_name(name))); !s.ok()) return s;
  std::lock_guard g(files_mu_);
  std::erase(segments_, number);
  return {};
}

template <class D>
auto wal_core<D>::read_header(std::uint64_t number) -> result<std::optional<header_fields>> {
  auto f = fs_->open(path_of(segment_file_name(number)), io::open_mode::read_only);
  if (!f) return f.status();
  auto size = (*f)->size();
  if (!size) return size.status();
  log_reader rd(**f, *size, number);
  const auto e = rd.header();
  if (e == log_reader::event::error) return rd.error();
  if (e != log_reader::event::record) return std::optional<header_fields>{};
  return std::optional<header_fields>{header_fields{rd.first_sequence(), rd.prev_segment(), rd.prev_end()}};
}

template <class D>
status wal_core<D>::set_aside_from(const std::vector<std::uint64_t>& todo, std::size_t from,
                                       const std::string& why) {
  for (std::size_t j = from; j < todo.size(); ++j) {
    const std::string name = segment_file_name(todo[j]);
    auto h = read_header(todo[j]);
    if (!h) return h.status();
    if (*h && (*h)->first_sequence <= k_max_sequence + 1) {
      set_aside_before_ = std::max(set_aside_before_, (*h)->first_sequence);
    }
    auto sz = fs_->file_size(path_of(name));
    if (!sz) return sz.status();
    report_.bytes_dropped += *sz;
    if (auto s = set_aside(todo[j]); !s.ok()) return s;
    report_.ignored.push_back(jadekv::detail::concat({name, ": ", why, ", set aside as ", discarded_file_name(name)}));
  }
  return from < todo.size() ? sync_dir() : status{};
}

template <class D>
result<bool> wal_core<D>::lost_tail(std::uint64_t number, std::uint64_t next, std::uint64_t end) {
  auto h = read_header(next);
  if (!h) return h.status();
  return *h && (*h)->prev == number && (*h)->prev_end > end;
}

template <class D>
status wal_core<D>::cut_segment(std::uint64_t number, std::uint64_t keep) {
  if (keep < log_format::k_v1_header_size) {
    if (auto s = set_aside(number); !s.ok()) return s;
    report_.ignored.push_back(jadekv::detail::concat(
        {segment_file_name(number), ": set aside as ", discarded_file_name(segment_file_name(number))}));
    return sync_dir();
  }
  auto f = fs_->open(path_of(segment_file_name(number)), io::open_mode::read_write);
  if (!f) return f.status();
  if (auto s = (*f)->truncate(keep); !s.ok()) return s;
  if (auto s = (*f)->sync(); !s.ok()) return s;
  count_sync(false);
  return (*f)->close();
}

template <class D>
status wal_core<D>::on_damage(const std::vector<std::uint64_t>& todo, std::size_t i, log_reader& rd,
                                  std::uint64_t size, const log_damage& d) {
  const std::uint64_t number = todo[i];
  const std::string where =
      jadekv::detail::concat({"wal: ", segment_file_name(number), " at offset ", d.fragment_offset, ": ", d.reason});
  if (d.code == status_code::not_supported) return status::not_supported(where);
  const std::string dropped =
      jadekv::detail::concat({size - d.record_offset, " bytes from offset ", d.record_offset, " dropped"});
  switch (cfg_.recovery) {
    case recovery_mode::absolute_consistency:
      return status::corruption(jadekv::detail::concat({where, " (recovery mode absolute_consistency)"}));
    case recovery_mode::tolerate_torn_tail: {
      if (!d.may_be_torn) {
        return status::corruption(jadekv::detail::concat({where, " (no crash leaves this: not a torn tail)"}));
      }
      const bool newest = i + 1 == todo.size();
      if (!newest) {
        // An older segment can end early only by a power loss before it was
        // fsynced (never in its header, fsynced when it was made), and the
        // next one's header then says how far it reached.
        auto lost = d.record_offset < log_format::k_v1_header_size
                        ? result<bool>(false)
                        : lost_tail(number, todo[i + 1], d.record_offset);
        if (!lost) return lost.status().with_context("wal recovery");
        if (!*lost) {
          return status::corruption(
              jadekv::detail::concat({where, " (not the tail of the log: newer segments follow)"}));
        }
      }
      auto more = rd.record_start_from(d.fragment_offset + 1);
      if (!more) return more.status().with_context("wal recovery");
      if (*more) {
        return status::corruption(
            jadekv::detail::concat({where, " (not the tail of the log: valid records follow it)"}));
      }
      report_.bytes_dropped += size - d.record_offset;
      if (newest) {
        report_.ignored.push_back(jadekv::detail::concat({where, ": a torn tail, ", dropped}));
      } else {
        report_.stopped_early = true;
        report_.ignored.push_back(jadekv::detail::concat({where, ": the unsynced tail a power loss cut, ", dropped}));
      }
      if (auto s = cut_segment(number, d.record_offset); !s.ok()) return s.with_context("wal recovery: drop torn tail");
      return set_aside_from(todo, i + 1, "written after a power loss cut the segment before it (never synced)")
          .with_context("wal recovery");
    }
    case recovery_mode::point_in_time: {
      report_.stopped_early = true;
      report_.bytes_dropped += size - d.record_offset;
      report_.ignored.push_back(jadekv::detail::concat({where, ": replay stopped, ", dropped}));
      if (auto s = cut_segment(number, d.record_offset); !s.ok()) return s.with_context("wal recovery");
      return set_aside_from(todo, i + 1, "after the stop point").with_context("wal recovery");
    }
  }
  return status::invalid_argument("wal: unknown recovery mode");
}

template <class D>
status wal_core<D>::recover(const replay_base* base, apply_fn apply) {
  {
    std::lock_guard g(mu_);
    if (closed_) return status::closed("wal: closed");
    if (recovered_) return status::invalid_argument("wal: recover() called twice");
  }
  std::vector<std::uint64_t> todo;
  {
    std::lock_guard g(files_mu_);
    for (auto n : segments_) {
      if (!base || n >= base->first_segment) todo.push_back(n);
    }
  }
  std::optional<sequence_number> expected;
  sequence_number last = 0;
  if (base) {
    expected = base->after + 1;
    last = base->after;
  }
  bool stopped = false;
  std::uint64_t prev = 0, prev_end = 0;  // the last segment kept, and where its records end
  for (std::size_t i = 0; i < todo.size() && !stopped; ++i) {
    const auto path = path_of(segment_file_name(todo[i]));
    auto f = fs_->open(path, io::open_mode::read_only);
    if (!f) return f.status().with_context("wal recovery");
    auto size = (*f)->size();
    if (!size) return size.status().with_context("wal recovery");
    ++report_.segments;
    log_reader rd(**f, *size, todo[i]);
    bool header_seen = false;
    for (;;) {
      const auto e = rd.next();
      if (e == log_reader::event::error) return rd.error().with_context("wal recovery");
      log_damage d;
      // An intact header with a damaged first record still says where the
      // segment's sequences start (first_sequence() is 0 until a header
      // checks out): a segment torn in its first record, left after the
      // segments before it were released, must not restart the numbering.
      if (!header_seen && (e != log_reader::event::damage || rd.first_sequence() != 0)) {
        header_seen = true;
        const sequence_number first = rd.first_sequence();
        // A gap after the segment this header names as its predecessor (so
        // none is missing between): a recovery that set segments aside
        // skipped their numbers (set_aside_before_) when that segment ends
        // where the header says; when it ends short, a power loss took its
        // unsynced tail, so this one holds no synced write (invariant 2).
        const bool gap_after_prev = expected && first > *expected && first <= k_max_sequence && prev != 0 &&
                                    rd.prev_segment() == prev;
        if (gap_after_prev && rd.prev_end() == prev_end) expected = first;
        if (gap_after_prev && rd.prev_end() > prev_end) {
          const std::string why =
              jadekv::detail::concat({"wal: ", segment_file_name(prev), " ends at offset ", prev_end, " (sequence ",
                                      *expected - 1, ") but ", segment_file_name(todo[i]), " says it reached offset ",
                                      rd.prev_end(), ": a power loss cut its unsynced tail"});
          if (cfg_.recovery == recovery_mode::absolute_consistency) {
            return status::corruption(jadekv::detail::concat({why, " (recovery mode absolute_consistency)"}));
          }
          report_.stopped_early = true;
          report_.ignored.push_back(why);
          if (auto s = set_aside_from(todo, i, "written after that cut (never synced)"); !s.ok()) {
            return s.with_context("wal recovery");
          }
          stopped = true;
          break;
        }
        if (first == 0 || first > k_max_sequence || (expected && first != *expected)) {
          d.reason =
              first > k_max_sequence ? jadekv::detail::concat({"the segment starts at sequence ", first,
                                                               " (above the largest sequence number)"})
              : expected
                  ? jadekv::detail::concat({"the segment starts at sequence ", first,
                                            ", but the log before it ends at ", *expected - 1,
                                            " (a segment is missing)"})
                  : jadekv::detail::concat({"the segment starts at sequence ", first, " (sequences start at 1)"});
          d.may_be_torn = false;
          if (auto s = on_damage(todo, i, rd, *size, d); !s.ok()) return s;
          stopped = true;
          break;
        }
        expected = first;
        last = std::max(last, first - 1);
      }
      if (e == log_reader::event::end) {
        prev = todo[i];
        prev_end = rd.good_end();
        break;
      }
      if (e == log_reader::event::record) {
        auto b = write_batch::decode(rd.record());
        if (b && b->sequence() == *expected && b->count() <= k_max_sequence - b->sequence() + 1) {
          if (auto s = apply(*b); !s.ok()) return s;
          ++report_.records;
          if (b->count() > 0) last = b->sequence() + b->count() - 1;
          expected = b->sequence() + b->count();
          continue;
        }
        d.record_offset = d.fragment_offset = rd.record_offset();
        d.may_be_torn = false;
        d.reason =
            !b ? jadekv::detail::concat({"the record passed its checksum but does not decode: ", b.status().message()})
            : b->sequence() != *expected
                ? jadekv::detail::concat(
                      {"sequence gap: the record has sequence ", b->sequence(), ", expected ", *expected})
                : jadekv::detail::concat(
                      {"the record's ", b->count(), " sequence numbers from ", b->sequence(), " pass the largest"});
      } else {
        d = rd.damage();
      }
      if (auto s = on_damage(todo, i, rd, *size, d); !s.ok()) return s;
      if (d.record_offset >= log_format::k_v1_header_size) {  // the segment was cut there, not set aside
        prev = todo[i];
        prev_end = d.record_offset;
      }
      stopped = true;
      break;
    }
  }
  {
    // What was replayed may be in the OS only (a kill -9 before it was
    // synced): the first synced write, or close, makes it durable.
    std::lock_guard g(files_mu_);
    for (const std::uint64_t n : segments_) {
      if (std::find(todo.begin(), todo.end(), n) != todo.end()) unsynced_.push_back(n);
    }
  }
  if (set_aside_before_ > 0) last = std::max(last, set_aside_before_ - 1);
  last_sequence_.store(last, std::memory_order_release);
  if (auto s = start_segment(new_file_number(), last + 1, prev, prev_end); !s.ok()) return s;
  std::lock_guard g(mu_);
  stats_.bytes_dropped = report_.bytes_dropped;
  recovered_ = true;
  return {};
}

}  // namespace jadekv::inline v0::persist::detail
