// result: what one workload on one engine measured, and its text form on the
// pipe from the child that ran it to the parent that prints the comparison.
//
// Wire format: one result per line, fields separated by '\t', each
// "name=value"; in string values '\\', '\t' and '\n' are escaped as "\\\\",
// "\\t", "\\n". Unknown names are ignored, so both sides may grow.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace bench {

struct workload_result {
  std::string engine;
  std::string workload;
  std::string status = "ok";   // ok | skipped | unsupported | error
  std::string error;           // the engine's message when status == error
  std::string note;            // "(863212 of 1000000 found)", YCSB operation counts, ...
  std::uint64_t ops = 0;       // operations completed, all threads
  std::uint64_t bytes = 0;     // key + value bytes read or written by the operations
  std::uint64_t found = 0;     // reads that found their key
  std::uint64_t user_write_bytes = 0;  // key + value bytes of puts, key bytes of erases
  int threads = 0;
  int rep = 0;                 // which repetition of the run (--repeat), from 0
  double seconds = 0;          // wall time, first thread start to last thread end
  double thread_seconds = 0;   // sum of the threads' own times
  std::uint64_t settle_ms = 0;  // untimed wait for background work after the workload
  // CPU time of the whole process (all threads, background ones included):
  // during the timed region, and during the settle that follows it.
  double cpu_seconds = 0, settle_cpu_seconds = 0;
  // /proc/self/io deltas from the workload's start to after the settle and syncfs.
  std::uint64_t wchar = 0, write_bytes = 0, cancelled_write_bytes = 0, read_bytes = 0;
  // The engine's directory after the workload, and the user data live in it.
  std::uint64_t dir_allocated = 0, dir_apparent = 0, dir_files = 0, live_keys = 0, live_bytes = 0;
  // Resident memory (bytes): the workload's peak, and anonymous / file-backed at its end.
  std::uint64_t peak_rss = 0, rss_anon = 0, rss_file = 0;
  bool peak_rss_is_workload = true;  // false: clear_refs refused, peak is since process start
  std::vector<std::pair<std::string, std::uint64_t>> counters;  // per-operation-type counts (YCSB)

  double micros_per_op() const { return ops == 0 ? 0 : thread_seconds * 1e6 / static_cast<double>(ops); }
  double ops_per_sec() const { return seconds <= 0 ? 0 : static_cast<double>(ops) / seconds; }
  // CPU time per operation; far less disturbed than wall time when other
  // processes compete for the cores, but blind to time spent waiting on I/O.
  double cpu_micros_per_op() const { return ops == 0 ? 0 : cpu_seconds * 1e6 / static_cast<double>(ops); }
  double mb_per_sec() const { return seconds <= 0 ? 0 : static_cast<double>(bytes) / 1048576.0 / seconds; }
  // Bytes sent to storage per user byte written; < 0 when nothing was written.
  double write_amp() const {
    if (user_write_bytes == 0) return -1;
    const std::uint64_t disk = write_bytes > cancelled_write_bytes ? write_bytes - cancelled_write_bytes : 0;
    return static_cast<double>(disk) / static_cast<double>(user_write_bytes);
  }
  // Bytes handed to write(2) per user byte written; < 0 when nothing was written.
  double write_amp_syscall() const {
    return user_write_bytes == 0 ? -1 : static_cast<double>(wchar) / static_cast<double>(user_write_bytes);
  }
  // Allocated directory bytes per live user byte; < 0 when nothing is live.
  double space_amp() const {
    return live_bytes == 0 ? -1 : static_cast<double>(dir_allocated) / static_cast<double>(live_bytes);
  }
  // The same with the files' apparent sizes (preallocated space not counted).
  double space_amp_apparent() const {
    return live_bytes == 0 ? -1 : static_cast<double>(dir_apparent) / static_cast<double>(live_bytes);
  }
};

// Calls f(name, member) for every scalar field, in a fixed order (wire and JSON).
template <class R, class F>
void visit_fields(R& r, F&& f) {
  f("engine", r.engine);
  f("workload", r.workload);
  f("status", r.status);
  f("error", r.error);
  f("note", r.note);
  f("ops", r.ops);
  f("bytes", r.bytes);
  f("found", r.found);
  f("user_write_bytes", r.user_write_bytes);
  f("threads", r.threads);
  f("rep", r.rep);
  f("seconds", r.seconds);
  f("thread_seconds", r.thread_seconds);
  f("settle_ms", r.settle_ms);
  f("cpu_seconds", r.cpu_seconds);
  f("settle_cpu_seconds", r.settle_cpu_seconds);
  f("wchar", r.wchar);
  f("write_bytes", r.write_bytes);
  f("cancelled_write_bytes", r.cancelled_write_bytes);
  f("read_bytes", r.read_bytes);
  f("dir_allocated", r.dir_allocated);
  f("dir_apparent", r.dir_apparent);
  f("dir_files", r.dir_files);
  f("live_keys", r.live_keys);
  f("live_bytes", r.live_bytes);
  f("peak_rss", r.peak_rss);
  f("rss_anon", r.rss_anon);
  f("rss_file", r.rss_file);
  f("peak_rss_is_workload", r.peak_rss_is_workload);
}

// One line, without the trailing newline.
std::string serialize(const workload_result& r);
// Parses a line written by serialize; false when it is not one.
bool deserialize(const std::string& line, workload_result& r);

}  // namespace bench
