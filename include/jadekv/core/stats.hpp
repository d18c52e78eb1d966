// stats: counters an engine exposes, and their Prometheus text form.
//
// Every engine fills the common fields; a field a composition has no use for
// stays 0 (a memory index never flushes). Counters only grow for the life of
// an open engine; gauges (memtable_bytes, entries) are current values.
//
// Thread safety: a plain value, a copy taken by engine::stats().
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace jadekv::inline v0 {

struct stats {
  // operations
  std::uint64_t puts = 0;
  std::uint64_t erases = 0;
  std::uint64_t batches = 0;  // write() calls, each counted once whatever its size
  std::uint64_t gets = 0;
  std::uint64_t get_hits = 0;
  std::uint64_t iterators = 0;
  // bytes
  std::uint64_t user_bytes_written = 0;  // key + value bytes handed to put/write
  std::uint64_t bytes_written = 0;       // bytes the engine wrote to files (WAL, snapshots, tables)
  // memtable
  std::uint64_t memtable_bytes = 0;    // gauge: exact heap bytes of the live memtables
  std::uint64_t memtable_entries = 0;  // gauge: versioned entries held in memory
  std::uint64_t flushes = 0;
  // persistence
  std::uint64_t wal_records = 0;
  std::uint64_t wal_syncs = 0;       // fsync/fdatasync calls made by the log
  std::uint64_t wal_groups = 0;      // group commits (one write, at most one sync each)
  std::uint64_t wal_max_group = 0;   // largest group, in batches
  std::uint64_t checkpoints = 0;     // snapshots written
  std::uint64_t recovered_records = 0;
  std::uint64_t recovery_dropped_bytes = 0;
  // index (on-disk indexes; 0 elsewhere)
  std::uint64_t cache_hits = 0;               // block or page cache
  std::uint64_t cache_misses = 0;
  std::uint64_t compactions = 0;
  std::uint64_t compaction_bytes_read = 0;
  std::uint64_t compaction_bytes_written = 0;
  std::uint64_t stall_micros = 0;             // time writers spent slowed down or stopped
  std::uint64_t stalls = 0;                   // writes that were slowed down or stopped
  std::uint64_t index_files = 0;              // gauge: files the index holds (tables, pages files)
  std::uint64_t index_bytes = 0;              // gauge: bytes of those files
  // versions
  std::uint64_t last_sequence = 0;  // gauge: newest sequence number visible to readers
};

namespace detail {

inline void prometheus_metric(std::string& out, std::string_view name, std::string_view type, std::string_view help,
                              std::uint64_t value) {
  out += "# HELP jadekv_";
  out += name;
  out += ' ';
  out += help;
  out += "\n# TYPE jadekv_";
  out += name;
  out += ' ';
  out += type;
  out += "\njadekv_";
  out += name;
  out += ' ';
  char buf[24];
  const int n = std::snprintf(buf, sizeof buf, "%llu", static_cast<unsigned long long>(value));
  out.append(buf, static_cast<std::size_t>(n));
  out += '\n';
}

}  // namespace detail

// The Prometheus text exposition format (version 0.0.4): HELP, TYPE and one
// sample per metric, names prefixed "jadekv_", counters suffixed "_total".
inline std::string to_prometheus(const stats& s) {
  std::string out;
  out.reserve(2048);
  auto counter = [&](std::string_view name, std::string_view help, std::uint64_t v) {
    detail::prometheus_metric(out, name, "counter", help, v);
  };
  auto gauge = [&](std::string_view name, std::string_view help, std::uint64_t v) {
    detail::prometheus_metric(out, name, "gauge", help, v);
  };
  counter("puts_total", "Put operations, including puts inside batches.", s.puts);
  counter("erases_total", "Erase operations, including erases inside batches.", s.erases);
  counter("batches_total", "Write batches applied.", s.batches);
  counter("gets_total", "Point lookups.", s.gets);
  counter("get_hits_total", "Point lookups that found a value.", s.get_hits);
  counter("iterators_total", "Iterators created.", s.iterators);
  counter("user_bytes_written_total", "Key and value bytes written by users.", s.user_bytes_written);
  counter("bytes_written_total", "Bytes the engine wrote to files.", s.bytes_written);
  gauge("memtable_bytes", "Heap bytes held by the memtables.", s.memtable_bytes);
  gauge("memtable_entries", "Versioned entries held by the memtables.", s.memtable_entries);
  counter("flushes_total", "Memtable flushes.", s.flushes);
  counter("wal_records_total", "Records appended to the write-ahead log.", s.wal_records);
  counter("wal_syncs_total", "fsync or fdatasync calls made by the write-ahead log.", s.wal_syncs);
  counter("wal_groups_total", "Group commits of the write-ahead log.", s.wal_groups);
  gauge("wal_max_group", "Largest group commit seen, in batches.", s.wal_max_group);
  counter("checkpoints_total", "Snapshots written.", s.checkpoints);
  counter("recovered_records_total", "Records replayed at open.", s.recovered_records);
  counter("recovery_dropped_bytes_total", "Bytes of torn log tail dropped at open.", s.recovery_dropped_bytes);
  counter("cache_hits_total", "Block or page cache hits.", s.cache_hits);
  counter("cache_misses_total", "Block or page cache misses.", s.cache_misses);
  counter("compactions_total", "Compactions run by the index.", s.compactions);
  counter("compaction_bytes_read_total", "Bytes read by compactions.", s.compaction_bytes_read);
  counter("compaction_bytes_written_total", "Bytes written by compactions.", s.compaction_bytes_written);
  counter("stall_micros_total", "Microseconds writers spent slowed down or stopped by background work.", s.stall_micros);
  counter("stalls_total", "Writes slowed down or stopped by background work.", s.stalls);
  gauge("index_files", "Files held by the index.", s.index_files);
  gauge("index_bytes", "Bytes of the files held by the index.", s.index_bytes);
  gauge("last_sequence", "Newest sequence number visible to readers.", s.last_sequence);
  return out;
}

}  // namespace jadekv::inline v0
