// metrics: what the driver measures besides time, from the kernel's view of
// the process (Linux /proc) and of the database directory.
//
//   io_counters    /proc/self/io. write_bytes counts, in pages, the page-cache
//                  pages this process dirtied (counted when a clean page is
//                  first dirtied, so rewriting a still-dirty page counts once
//                  and an fsync'd page rewritten counts again), plus direct
//                  I/O; cancelled_write_bytes the dirty pages later truncated
//                  or deleted before writeback. write_bytes - cancelled is what
//                  the process sends to storage. wchar counts bytes passed to
//                  write(2)-family calls (any file, pipe or terminal). All are
//                  totals over every thread of the process, background ones
//                  included. Files on tmpfs are never counted in write_bytes.
//   rss            /proc/self/status: VmHWM (peak resident set) — reset at the
//                  start of each workload through /proc/self/clear_refs ("5"),
//                  so it is the workload's own peak — and RssAnon/RssFile now.
//   dir_usage      recursive sum over the regular files: allocated bytes
//                  (st_blocks * 512) and apparent bytes (st_size).
//
// Thread safety: free functions over process-wide state; call from one thread.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

namespace bench {

class engine;

struct io_counters {
  std::uint64_t rchar = 0, wchar = 0, read_bytes = 0, write_bytes = 0, cancelled_write_bytes = 0;
};
io_counters read_io();

struct rss_info {
  std::uint64_t peak = 0, anon = 0, file = 0;  // bytes
};
// Resets the peak resident set to the current one; false if the kernel refused.
bool reset_peak_rss();
rss_info read_rss();

struct dir_usage {
  std::uint64_t allocated = 0, apparent = 0, files = 0;
};
dir_usage measure_dir(const std::filesystem::path& dir);

// User + system CPU time of the whole process (every thread), in microseconds.
std::uint64_t process_cpu_micros();
// CPU time of the calling thread, microseconds.
std::uint64_t thread_cpu_micros();

// syncfs(2) on the filesystem holding `dir`: writes back every dirty page, so
// the next workload starts without the last one's writeback.
void sync_filesystem(const std::filesystem::path& dir);

// Waits until the engine reports no background work and then until the
// process has done no storage I/O and used almost no CPU for `quiet_ms`
// (sampled every 50 ms), at most `max_ms`. Returns the milliseconds waited.
std::uint64_t settle(engine& e, int quiet_ms, int max_ms);

// "ext4", "tmpfs", ... of the filesystem holding `path` (or its parent).
std::string filesystem_type(const std::filesystem::path& path);

}  // namespace bench
