// jadekv_bench: db_bench-style workloads and YCSB mixes over jadekv's engines
// and, when installed, RocksDB, LevelDB and LMDB, with equal settings, each
// engine in its own process; every figure is comparable within one run.
// `jadekv_bench --help` lists the flags, workloads and engines.
#include <cstdio>
#include <string>
#include <vector>

#include "child.hpp"
#include "flags.hpp"
#include "registry.hpp"
#include "report.hpp"
#include "runner.hpp"
#include "workload.hpp"

namespace {

void list_engines(const bench::registry& reg) {
  std::printf("engines in this build (name, family, memtable/concurrency, default of its family):\n");
  for (const auto& e : reg.entries()) {
    std::printf("  %-14s %-10s %s%s%s\n", e.name.c_str(), e.peer ? "peer" : e.family.c_str(),
                e.peer ? "" : (e.memtable + "/" + e.concurrency).c_str(), e.family_default ? "  (default)" : "",
                e.max_threads == 1 ? "  (single thread)" : "");
  }
}

void list_workloads() {
  std::printf("workloads (--benchmarks):\n");
  for (const auto& w : bench::all_workloads())
    std::printf("  %-14s %s\n", std::string(w.name).c_str(), std::string(w.what).c_str());
  std::printf("default: ");
  for (const auto& b : bench::default_benchmarks()) std::printf("%s ", b.c_str());
  std::printf("\n");
}

}  // namespace

int main(int argc, char** argv) {
  bench::flags f;
  std::string error;
  if (!bench::parse_flags(argc, argv, f, error)) {
    std::fprintf(stderr, "jadekv_bench: %s\n", error.c_str());
    return 2;
  }
  bench::registry reg;
  bench::register_jadekv_engines(reg);
  bench::register_peer_engines(reg);
  if (f.help) {
    std::printf("%s\n", bench::usage().c_str());
    list_workloads();
    std::printf("\n");
    list_engines(reg);
    return 0;
  }
  if (f.list_engines) {
    list_engines(reg);
    return 0;
  }
  std::vector<std::string> benchmarks = f.benchmarks.empty() ? bench::default_benchmarks() : f.benchmarks;
  if (!bench::expand_benchmarks(benchmarks, f.use_existing_db, error)) {
    std::fprintf(stderr, "jadekv_bench: %s\n", error.c_str());
    return 2;
  }
  const auto engines = reg.select(f.engines, f.memtables, f.concurrencies, error);
  if (engines.empty()) {
    std::fprintf(stderr, "jadekv_bench: %s\n", error.c_str());
    return 2;
  }
  const bench::run_info info = bench::collect_run_info(f, benchmarks, engines);
  bench::print_settings(f, info);

  // Round robin, so that a change in the machine's load over time falls on
  // every engine alike.
  std::vector<bench::workload_result> results;
  for (int rep = 0; rep < f.repeat; ++rep) {
    for (const auto* e : engines) {
      std::vector<bench::workload_result> rs;
      if (f.fork) rs = bench::run_in_child(*e, f, benchmarks, rep);
      else bench::run_engine(*e, f, benchmarks, rep, [&](const bench::workload_result& r) { rs.push_back(r); });
      results.insert(results.end(), rs.begin(), rs.end());
    }
  }
  bench::print_tables(info, results);
  int code = 0;
  for (const auto& r : results) {
    if (r.status == "error") code = 1;
  }
  if (!f.json.empty()) {
    if (bench::write_json(f.json, f, info, results)) {
      std::printf("\nresults written to %s\n", f.json.c_str());
    } else {
      std::fprintf(stderr, "jadekv_bench: cannot write %s\n", f.json.c_str());
      code = 1;
    }
  }
  return code;
}
