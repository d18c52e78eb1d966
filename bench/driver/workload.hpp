// workload: what a workload is to the runner, and the state its threads share.
//
// A workload is a named body run by --threads threads at once, each on its own
// session and its own deterministic stream (thread_env). The runner times the
// bodies (from a common start to the last one's end) and measures the rest.
// db_bench's workloads live in workloads.cpp, YCSB's in ycsb.cpp.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine.hpp"
#include "flags.hpp"
#include "keys.hpp"
#include "live_set.hpp"
#include "random.hpp"
#include "zipfian.hpp"

namespace bench {

// YCSB's record counters, shared by the threads of a workload and carried
// from one workload to the next (inserts grow them).
struct ycsb_state {
  std::atomic<std::uint64_t> records{0};      // inserts acknowledged: records [0, records) exist
  std::atomic<std::uint64_t> next_insert{0};  // the record number the next insert takes
  void reset(std::uint64_t n) {
    records = n;
    next_insert = n;
  }
};

struct workload_context {
  const flags& f;
  std::string_view name;
  int occurrence;  // how many times this workload ran before in this run
  int threads;
  live_set& live;
  ycsb_state& ycsb;

  std::uint64_t entry_bytes() const noexcept { return k_key_size + f.value_size; }
  std::uint64_t seed_for(int thread) const noexcept { return stream_seed(f.seed, name, occurrence, thread); }
  // Thread `thread`'s share of `total` operations split over the threads.
  std::uint64_t share(std::uint64_t total, int thread) const noexcept {
    const auto n = static_cast<std::uint64_t>(threads), t = static_cast<std::uint64_t>(thread);
    return total / n + (t < total % n ? 1 : 0);
  }
  std::uint64_t share_start(std::uint64_t total, int thread) const noexcept {
    std::uint64_t s = 0;
    for (int t = 0; t < thread; ++t) s += share(total, t);
    return s;
  }
};

// Counters of YCSB's operation kinds (the note of a YCSB workload's line).
enum class op_kind : std::size_t { read, read_found, update, insert, scan, scan_entries, rmw, count };
inline constexpr std::array<std::string_view, static_cast<std::size_t>(op_kind::count)> k_op_names = {
    "read", "read_found", "update", "insert", "scan", "scan_entries", "rmw"};

struct thread_stats {
  std::uint64_t ops = 0, bytes = 0, found = 0, user_write_bytes = 0;
  std::uint64_t cpu_micros = 0;    // CPU time of the threads running the body
  std::uint64_t writer_puts = 0;   // background_writer's puts
  std::array<std::uint64_t, static_cast<std::size_t>(op_kind::count)> counts{};
  void count(op_kind k, std::uint64_t n = 1) noexcept { counts[static_cast<std::size_t>(k)] += n; }
};

// One thread's private state, built before the timed start.
struct thread_env {
  thread_env(const workload_context& c, int t)
      : thread(t), r(c.seed_for(t)), values(c.seed_for(t) ^ 0x5eed, c.f.value_size) {}
  int thread;
  rng r;
  key_buffer keys;
  value_generator values;
  std::string buf;                     // get's output, capacity reused
  std::optional<key_chooser> chooser;  // YCSB request distribution
};

struct workload_def {
  std::string_view name;
  std::string_view what;  // one line for --help
  enum class kind { threads, flush, compact } run = kind::threads;
  bool fresh_db = false;       // starts from an empty database (skipped with --use_existing_db)
  bool sync = false;           // writes sync before returning
  bool reports_found = false;  // the line says how many reads found their key
  void (*prepare)(const workload_context&, thread_env&) = nullptr;  // untimed, per thread
  void (*body)(const workload_context&, session&, thread_env&, thread_stats&) = nullptr;
  // One more thread overwrites random keys until the --threads bodies end
  // (db_bench's readwhilewriting); its puts are not counted as ops.
  bool background_writer = false;
};

// Every workload, db_bench's then YCSB's.
const std::vector<workload_def>& all_workloads();
const workload_def* find_workload(std::string_view name);
// YCSB's definitions (ycsb.cpp).
std::vector<workload_def> ycsb_workloads();

// The list run when --benchmarks is not given.
std::vector<std::string> default_benchmarks();

// Checks the names and puts ycsb_load before a YCSB run that has no loaded
// records (none since the last fresh database, and no --use_existing_db).
bool expand_benchmarks(std::vector<std::string>& names, bool use_existing_db, std::string& error);

}  // namespace bench
