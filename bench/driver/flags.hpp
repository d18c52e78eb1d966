// flags: the driver's command line, db_bench style (--name=value; a bare
// --name sets a boolean). Sizes accept K, M, G suffixes (binary).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace bench {

struct flags {
  std::vector<std::string> benchmarks;     // empty: the default list (workloads.hpp)
  std::vector<std::string> engines;        // empty: registry's default selection
  std::vector<std::string> memtables;      // --memtable filter for jadekv compositions
  std::vector<std::string> concurrencies;  // --concurrency filter for jadekv compositions
  std::uint64_t num = 1'000'000;
  std::int64_t reads = -1;                 // < 0: num
  std::uint64_t value_size = 100;
  int threads = 1;
  std::uint64_t seed = 301;
  bool use_existing_db = false;
  std::filesystem::path db = "/tmp/jadekv_bench";
  std::string json;
  std::uint64_t write_buffer_size = std::uint64_t{64} << 20;
  std::uint64_t cache_size = std::uint64_t{8} << 20;
  int bloom_bits = 10;
  std::uint64_t writer_rate = 0;           // readwhilewriting: the writer's puts per second; 0: no limit
  std::string distribution = "zipfian";    // YCSB request distribution: zipfian | uniform
  std::int64_t ycsb_records = -1;          // < 0: num
  std::int64_t ycsb_ops = -1;              // < 0: num
  double zipfian_constant = 0.99;
  int repeat = 1;                          // runs of every engine, round robin; tables show the median
  int settle_ms = 300;                     // I/O quiet time awaited after each workload; 0: none
  bool fork = true;                        // each engine in its own child process
  bool list_engines = false;
  bool help = false;

  std::uint64_t read_count() const noexcept { return reads < 0 ? num : static_cast<std::uint64_t>(reads); }
  std::uint64_t record_count() const noexcept {
    return ycsb_records < 0 ? num : static_cast<std::uint64_t>(ycsb_records);
  }
  std::uint64_t ycsb_op_count() const noexcept { return ycsb_ops < 0 ? num : static_cast<std::uint64_t>(ycsb_ops); }
};

// Parses argv[1..]; on a bad flag returns false and sets `error`.
bool parse_flags(int argc, const char* const* argv, flags& out, std::string& error);

// The --help text.
std::string usage();

// Splits "a,b,,c" into {"a", "b", "c"}.
std::vector<std::string> split_list(const std::string& s);

}  // namespace bench
