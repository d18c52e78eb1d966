// report: everything the driver prints or writes.
//
//   settings header   the common settings and each engine's own line, first
//   workload lines    one per workload as it finishes, db_bench style:
//                       [engine] name : micros/op, ops/sec, MB/s, then write
//                       amplification, space amplification, peak RSS, a note
//   tables            at the end, rows = workloads, columns = engines:
//                       ops/sec with the best peer, ratios to the best peer,
//                       CPU time per operation and its ratios to the best
//                       peer's (steadier than wall time on a shared machine,
//                       blind to I/O waits), write amplification, space
//                       amplification, resident memory; with --repeat=N each
//                       cell is the median repetition (by ops/sec; the slower
//                       of two), and a table gives the spread of ops/sec over
//                       the repetitions, (max - min) / median
//   JSON              --json=FILE: the settings and every result
#pragma once

#include <string>
#include <vector>

#include "engine.hpp"
#include "flags.hpp"
#include "result.hpp"

namespace bench {

struct run_info {
  std::string date;    // UTC, ISO 8601
  std::string cpu;     // "2 x AMD EPYC"
  std::string kernel;  // uname -sr
  std::string fs;      // filesystem type of --db
  std::vector<std::string> benchmarks;
  std::vector<const engine_entry*> engines;
  std::vector<std::string> engine_settings;  // engines[i]'s describe()
  int repeat = 1;
};

run_info collect_run_info(const flags& f, const std::vector<std::string>& benchmarks,
                          const std::vector<const engine_entry*>& engines);

void print_settings(const flags& f, const run_info& info);
void print_engine_header(const engine_entry& e, int threads, int rep, int repeat);
// `tagged`: the engine name carries the repetition ("rocksdb#2").
void print_line(const workload_result& r, bool tagged);
void print_tables(const run_info& info, const std::vector<workload_result>& results);
// False when the file cannot be written.
bool write_json(const std::string& path, const flags& f, const run_info& info,
                const std::vector<workload_result>& results);

}  // namespace bench
