// flags: see flags.hpp.
#include "flags.hpp"

#include <algorithm>
#include <charconv>
#include <functional>
#include <string_view>

namespace bench {
namespace {

bool parse_size(std::string_view s, std::uint64_t& out) {
  std::uint64_t shift = 0;
  if (!s.empty()) {
    switch (s.back()) {
      case 'k': case 'K': shift = 10; break;
      case 'm': case 'M': shift = 20; break;
      case 'g': case 'G': shift = 30; break;
      default: break;
    }
    if (shift != 0) s.remove_suffix(1);
  }
  std::uint64_t v = 0;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || s.empty()) return false;
  if (shift != 0 && v > (~std::uint64_t{0} >> shift)) return false;
  out = v << shift;
  return true;
}

template <class Int>
bool parse_int(std::string_view s, Int& out) {
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size() && !s.empty();
}

bool parse_bool(std::string_view s, bool& out) {
  if (s == "1" || s == "true" || s == "yes") out = true;
  else if (s == "0" || s == "false" || s == "no") out = false;
  else return false;
  return true;
}

struct flag_def {
  std::string_view name;
  std::string_view help;
  bool boolean;
  std::function<bool(flags&, std::string_view)> set;
};

const std::vector<flag_def>& definitions() {
  static const std::vector<flag_def> defs = {
      {"benchmarks", "comma list of workloads to run in order (default: all of db_bench's and YCSB A-F)", false,
       [](flags& f, std::string_view v) { f.benchmarks = split_list(std::string(v)); return true; }},
      {"engine", "comma list of engines, families, 'peers', 'all' (default: peers + each family's default)", false,
       [](flags& f, std::string_view v) { f.engines = split_list(std::string(v)); return true; }},
      {"engines", "same as --engine", false,
       [](flags& f, std::string_view v) { f.engines = split_list(std::string(v)); return true; }},
      {"memtable", "jadekv compositions with these memtables (comma list, or 'all')", false,
       [](flags& f, std::string_view v) { f.memtables = split_list(std::string(v)); return true; }},
      {"concurrency", "jadekv compositions with these concurrency policies (comma list, or 'all')", false,
       [](flags& f, std::string_view v) { f.concurrencies = split_list(std::string(v)); return true; }},
      {"num", "number of keys (default 1000000)", false,
       [](flags& f, std::string_view v) { return parse_size(v, f.num) && f.num > 0 && f.num <= 9'999'999'999'999'999ull; }},
      {"reads", "reads per thread for read workloads (default: num)", false,
       [](flags& f, std::string_view v) { return parse_int(v, f.reads); }},
      {"value_size", "value size in bytes (default 100)", false,
       [](flags& f, std::string_view v) { return parse_size(v, f.value_size) && f.value_size > 0; }},
      {"threads", "threads running each workload (default 1)", false,
       [](flags& f, std::string_view v) { return parse_int(v, f.threads) && f.threads > 0 && f.threads <= 1024; }},
      {"seed", "seed of every key and value stream (default 301)", false,
       [](flags& f, std::string_view v) { return parse_int(v, f.seed); }},
      {"use_existing_db", "open the existing databases; fill workloads are skipped", true,
       [](flags& f, std::string_view v) { return parse_bool(v, f.use_existing_db); }},
      {"db", "directory holding one sub-directory per engine (default /tmp/jadekv_bench)", false,
       [](flags& f, std::string_view v) { f.db = std::string(v); return !v.empty(); }},
      {"json", "also write every result to this JSON file", false,
       [](flags& f, std::string_view v) { f.json = std::string(v); return !v.empty(); }},
      {"write_buffer_size", "memtable / write buffer bytes, all engines (default 64M)", false,
       [](flags& f, std::string_view v) { return parse_size(v, f.write_buffer_size) && f.write_buffer_size > 0; }},
      {"cache_size", "block cache / buffer pool bytes, all engines (default 8M)", false,
       [](flags& f, std::string_view v) { return parse_size(v, f.cache_size) && f.cache_size > 0; }},
      {"bloom_bits", "bloom filter bits per key where engines have filters; 0: none (default 10)", false,
       [](flags& f, std::string_view v) { return parse_int(v, f.bloom_bits) && f.bloom_bits >= 0; }},
      {"writer_rate", "readwhilewriting: puts per second of the background writer; 0: as fast as it can (default 0)",
       false, [](flags& f, std::string_view v) { return parse_size(v, f.writer_rate); }},
      {"distribution", "YCSB request distribution: zipfian (D: latest) or uniform (default zipfian)", false,
       [](flags& f, std::string_view v) { f.distribution = std::string(v); return v == "zipfian" || v == "uniform"; }},
      {"ycsb_records", "records ycsb_load inserts (default: num)", false,
       [](flags& f, std::string_view v) { return parse_int(v, f.ycsb_records) && f.ycsb_records > 0; }},
      {"ycsb_ops", "operations of each YCSB run, shared by the threads (default: num)", false,
       [](flags& f, std::string_view v) { return parse_int(v, f.ycsb_ops) && f.ycsb_ops > 0; }},
      {"zipfian_constant", "theta of the zipfian distributions (default 0.99)", false,
       [](flags& f, std::string_view v) {
         const auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), f.zipfian_constant);
         return ec == std::errc() && p == v.data() + v.size() && f.zipfian_constant > 0 && f.zipfian_constant < 1;
       }},
      {"repeat", "run every engine this many times, round robin; tables show the median run and the spread", false,
       [](flags& f, std::string_view v) { return parse_int(v, f.repeat) && f.repeat > 0 && f.repeat <= 100; }},
      {"settle_ms", "after each workload, wait until the process has done no I/O for this long (default 300)", false,
       [](flags& f, std::string_view v) { return parse_int(v, f.settle_ms) && f.settle_ms >= 0; }},
      {"fork", "run each engine in its own child process (default true; false: peak RSS is not per engine)", true,
       [](flags& f, std::string_view v) { return parse_bool(v, f.fork); }},
      {"list_engines", "list the engines this build can run and exit", true,
       [](flags& f, std::string_view v) { return parse_bool(v, f.list_engines); }},
      {"help", "this text", true, [](flags& f, std::string_view v) { return parse_bool(v, f.help); }},
  };
  return defs;
}

}  // namespace

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= s.size()) {
    const std::size_t end = std::min(s.find(',', start), s.size());
    if (end > start) out.push_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

bool parse_flags(int argc, const char* const* argv, flags& out, std::string& error) {
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg.substr(0, 2) != "--") {
      error = "unexpected argument '" + std::string(arg) + "' (flags are --name=value)";
      return false;
    }
    arg.remove_prefix(2);
    const std::size_t eq = arg.find('=');
    const std::string_view name = arg.substr(0, eq);
    const flag_def* def = nullptr;
    for (const auto& d : definitions())
      if (d.name == name) def = &d;
    if (def == nullptr) {
      error = "unknown flag --" + std::string(name) + " (--help lists them)";
      return false;
    }
    if (eq == std::string_view::npos && !def->boolean) {
      error = "--" + std::string(name) + " needs a value: --" + std::string(name) + "=...";
      return false;
    }
    const std::string_view value = eq == std::string_view::npos ? std::string_view("true") : arg.substr(eq + 1);
    if (!def->set(out, value)) {
      error = "bad value '" + std::string(value) + "' for --" + std::string(name);
      return false;
    }
  }
  return true;
}

std::string usage() {
  std::string u =
      "usage: jadekv_bench [--flag=value ...]\n"
      "db_bench-style workloads and YCSB mixes over jadekv engines and peers, each engine in\n"
      "its own process, with equal settings; prints one line per workload and a comparison.\n\n";
  for (const auto& d : definitions()) {
    std::string name = "  --" + std::string(d.name) + (d.boolean ? "" : "=...");
    if (name.size() < 24) name.resize(24, ' ');
    else name += "\n" + std::string(24, ' ');
    u += name + std::string(d.help) + "\n";
  }
  return u;
}

}  // namespace bench
