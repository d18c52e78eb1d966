// persist::wal<BlockSize>: the write-ahead log policy. Every batch is one
// record in a log segment (format: persist/log_format.hpp), written before the
// engine applies it; recovery replays the segments in order.
//
//   auto w = persist::wal<>::open(fs, dir, {});   // creates dir, takes dir/LOCK
//   w->recover([&](const write_batch& b) { memtable.apply(b); });
//   write_batch b; b.put("k", "v");
//   w->append(b, {.sync = true});                   // b.sequence() is now set
//   auto seg = w->switch_segment();                 // when the memtable is switched
//   w->release_segments_before(*seg);               // once that memtable is flushed
//
// Durability: append returns once the bytes are handed to the OS (they
// survive kill -9); with write_options.sync (or options.sync_every_write) they
// are also fdatasynced (they survive power loss). Concurrent appends are
// grouped: the first in the queue writes the whole group with one write and
// at most one fdatasync (stats().groups, max_group, avg_group()); a syncing
// leader briefly waits for writers it saw active last time (max_group_wait,
// and at most half an fdatasync), so two threads share fsyncs. A failed
// write or fsync is sticky: every later append returns it until reopened.
// Recovery modes are described in persist/recovery.hpp.
//
// Thread safety: append, switch_segment, release_segments_before, stats,
// last_sequence and close may be called from any thread at once. open and
// recover come first, from one thread. See detail/wal_core.hpp.
//
// switch_segment does not fsync the segment it leaves: the next synced
// append does first, or close, or nothing if the segment is released before.
//
// Invariants: those of detail/wal_core.hpp; in short, sequence order is log
// order, a synced write is never kept after a write lost before it, and
// corruption is never taken for the end of the log.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <utility>

#include "jadekv/core/internal_key.hpp"
#include "jadekv/core/options.hpp"
#include "jadekv/core/result.hpp"
#include "jadekv/core/status.hpp"
#include "jadekv/core/write_batch.hpp"
#include "jadekv/detail/chrono.hpp"
#include "jadekv/detail/contract.hpp"
#include "jadekv/io/file_system.hpp"
#include "jadekv/persist/detail/apply.hpp"
#include "jadekv/persist/detail/wal_core.hpp"
#include "jadekv/persist/log_format.hpp"
#include "jadekv/persist/recovery.hpp"
#include "jadekv/persist/stats.hpp"

namespace jadekv::inline v0::persist {

template <std::size_t BlockSize = log_format::k_default_block_size>
class wal {
  static_assert(log_format::valid_block_size(BlockSize),
                "persist::wal<BlockSize>: the block size must be a power of two in [64, 65536]");

 public:
  struct options {
    recovery_mode recovery = recovery_mode::tolerate_torn_tail;
    bool sync_every_write = false;                        // as if every write_options had sync = true
    std::size_t max_group_bytes = std::size_t{1} << 20;  // a group commit takes batches up to this many bytes
    // How long a syncing leader may wait for writers it expects (at most
    // half the recent fdatasync time); 0 turns gathering off.
    std::chrono::microseconds max_group_wait{1000};
    bool lock_directory = true;  // false when the caller holds lock_directory(dir)
  };

  // Every acknowledged write survives kill -9.
  static constexpr bool durable = true;
  static constexpr std::size_t block_size = BlockSize;

  // Opens (creating if missing) the log in dir. busy if dir is locked.
  static result<wal> open(std::shared_ptr<io::file_system> fs, const std::filesystem::path& dir, const options& o) {
    return open_log(std::move(fs), dir, o, detail::log_open_args{o.lock_directory, false});
  }
  static result<wal> open(std::shared_ptr<io::file_system> fs, const std::filesystem::path& dir) {
    return open(std::move(fs), dir, options{});
  }

  wal(wal&&) noexcept = default;
  wal& operator=(wal&&) noexcept = default;
  ~wal() = default;  // closes, ignoring errors: call close() to see them

  // Replays every durable batch in order: apply(const write_batch&) returns
  // void or a status (a non-ok one stops recovery and is returned). Then
  // starts a new segment. REQUIRES: called once, before any append.
  template <class F>
  status recover(F&& apply) {
    return recover_from(nullptr, apply);
  }
  // What the recovery replayed and ignored.
  const recovery_report& report() const { return core().report(); }
  // The highest sequence number recovered or assigned.
  sequence_number last_sequence() const { return core().last_sequence(); }

  // Sets b's sequence numbers (b.sequence() = last + 1) and logs b.
  status append(write_batch& b, const write_options& wo) { return core().append(b, wo.sync); }
  status append(write_batch& b) { return core().append(b, false); }

  // Starts a new segment (the current one is left for a later fsync, see
  // above); returns its number.
  result<std::uint64_t> switch_segment() {
    auto r = core().rotate();
    if (!r) return r.status();
    return r->segment;
  }
  // Deletes the segments numbered below `number`, whose contents the caller
  // has made durable elsewhere, and fsyncs the directory.
  status release_segments_before(std::uint64_t number) { return core().release_segments_before(number); }
  std::uint64_t current_segment() const { return core().current_segment(); }

  ::jadekv::persist::stats stats() const { return core().stats(); }

  // Fsyncs anything unsynced, closes the segment and releases the lock.
  status close() { return core().close(); }

  // ---- Used by persist::snapshot<wal<>>; not part of the policy concept.
  static result<wal> open_log(std::shared_ptr<io::file_system> fs, const std::filesystem::path& dir,
                              const options& o, detail::log_open_args args) {
    detail::wal_config c;
    c.recovery = o.recovery;
    c.sync_every_write = o.sync_every_write;
    c.max_group_bytes = o.max_group_bytes;
    c.max_group_wait = o.max_group_wait;
    c.block_size = static_cast<std::uint32_t>(BlockSize);
    c.args = args;
    auto core = detail::wal_core<>::open(std::move(fs), dir, c);
    if (!core) return core.status();
    return wal(std::move(*core));
  }
  template <class F>
  // base: where a snapshot left off; nullptr replays the whole log.
  status recover_from(const detail::replay_base* base, F& apply) {
    auto call = [&apply](const write_batch& b) { return detail::call_apply(apply, b); };
    return core().recover(base, call);
  }
  result<detail::rotation> rotate() { return core().rotate(); }
  std::uint64_t new_file_number() { return core().new_file_number(); }
  void note_file_number(std::uint64_t n) { core().note_file_number(n); }

 private:
  explicit wal(std::unique_ptr<detail::wal_core<>> c) noexcept : core_(std::move(c)) {}

  detail::wal_core<>& core() const {
    if (!core_) ::jadekv::detail::contract_violation("persist::wal used after being moved from");
    return *core_;
  }

  std::unique_ptr<detail::wal_core<>> core_;
};

}  // namespace jadekv::inline v0::persist
