// stats: the counters every persist policy reports through stats().
//
// Thread safety: a plain value; a policy's stats() returns a consistent copy.
#pragma once

#include <cstdint>

namespace jadekv::inline v0::persist {

struct stats {
  std::uint64_t records = 0;        // batches appended since open
  std::uint64_t bytes_written = 0;  // bytes handed to the OS: log records and snapshots
  std::uint64_t syncs = 0;          // fsync/fdatasync calls on log segments (group commits, older segments before a synced group, new segment headers, close)
  std::uint64_t dir_syncs = 0;      // fsyncs of the directory
  std::uint64_t groups = 0;         // group commits: one write each, and one fsync if any member asked
  std::uint64_t max_group = 0;      // most batches in one group
  std::uint64_t synced_records = 0;  // batches whose append asked for (or was given) an fsync
  std::uint64_t checkpoints = 0;    // snapshots completed since open
  std::uint64_t segments = 0;       // log segments on disk now
  std::uint64_t bytes_dropped = 0;  // log bytes discarded by the last recovery

  // Batches per group commit.
  double avg_group() const noexcept { return groups == 0 ? 0.0 : static_cast<double>(records) / static_cast<double>(groups); }
  // Log fsyncs per synced batch: below 1 when group commit shared fsyncs.
  double syncs_per_synced_record() const noexcept {
    return synced_records == 0 ? 0.0 : static_cast<double>(syncs) / static_cast<double>(synced_records);
  }
};

}  // namespace jadekv::inline v0::persist
