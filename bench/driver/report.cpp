// report: see report.hpp.
#include "report.hpp"

#include <sys/utsname.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <functional>
#include <map>
#include <thread>
#include <type_traits>

#include "format.hpp"
#include "keys.hpp"
#include "metrics.hpp"
#include "runner.hpp"

namespace bench {
namespace {

std::string cpu_model() {
  std::FILE* f = std::fopen("/proc/cpuinfo", "r");
  if (f == nullptr) return "unknown";
  char line[512];
  std::string model = "unknown";
  while (std::fgets(line, sizeof line, f) != nullptr) {
    std::string_view l(line);
    if (l.rfind("model name", 0) != 0) continue;
    const std::size_t colon = l.find(':');
    if (colon == std::string_view::npos) continue;
    l.remove_prefix(colon + 1);
    while (!l.empty() && (l.front() == ' ' || l.front() == '\t')) l.remove_prefix(1);
    while (!l.empty() && (l.back() == '\n' || l.back() == ' ')) l.remove_suffix(1);
    model = std::string(l);
    break;
  }
  std::fclose(f);
  return model;
}

std::string fixed(double v, int decimals) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

// 1234567 -> "1.23M", 45678 -> "45.7K".
std::string short_rate(double v) {
  if (v >= 1e6) return fixed(v / 1e6, 2) + "M";
  if (v >= 1e3) return fixed(v / 1e3, 1) + "K";
  return fixed(v, 0);
}

// An amplification: "-" when undefined, fewer decimals as it grows.
std::string amp(double v) {
  if (v < 0) return "-";
  return fixed(v, v < 10 ? 2 : v < 1000 ? 1 : 0);
}

// The `occurrence`-th result of `workload` on `engine` in every repetition.
std::vector<const workload_result*> repetitions(const std::vector<workload_result>& rs, const std::string& engine,
                                                const std::string& workload, int occurrence) {
  std::map<int, int> seen;
  std::vector<const workload_result*> out;
  for (const auto& r : rs) {
    if (r.engine == engine && r.workload == workload && seen[r.rep]++ == occurrence) out.push_back(&r);
  }
  return out;
}

// The measured repetitions sorted by ops/sec.
std::vector<const workload_result*> ranked(std::vector<const workload_result*> reps) {
  std::erase_if(reps, [](const workload_result* r) { return r->status != "ok"; });
  std::sort(reps.begin(), reps.end(),
            [](const workload_result* a, const workload_result* b) { return a->ops_per_sec() < b->ops_per_sec(); });
  return reps;
}

// The median repetition by ops/sec (the slower of the middle two), or an
// unmeasured one to show its status, or null.
const workload_result* find(const std::vector<workload_result>& rs, const std::string& engine,
                            const std::string& workload, int occurrence) {
  const auto reps = repetitions(rs, engine, workload, occurrence);
  const auto ok = ranked(reps);
  if (!ok.empty()) return ok[(ok.size() - 1) / 2];
  return reps.empty() ? nullptr : reps.front();
}

// Which occurrence of its workload, within its engine and repetition, r is.
int occurrence_of(const std::vector<workload_result>& rs, const workload_result& r) {
  int n = 0;
  for (const auto& x : rs) {
    if (&x == &r) return n;
    if (x.engine == r.engine && x.workload == r.workload && x.rep == r.rep) ++n;
  }
  return n;
}

bool measured(const workload_result* r) { return r != nullptr && r->status == "ok"; }

std::string cell_text(const workload_result* r, const std::function<std::string(const workload_result&)>& value) {
  if (r == nullptr) return "";
  if (r->status == "ok") return value(*r);
  return r->status == "unsupported" ? "n/a" : r->status == "skipped" ? "skip" : "ERR";
}

// Higher is better: what "the best peer" means in a table.
using score_fn = std::function<double(const workload_result&)>;

double ops_score(const workload_result& r) { return r.ops_per_sec(); }
double cpu_score(const workload_result& r) { return r.cpu_seconds > 0 ? 1 / r.cpu_micros_per_op() : 0; }

// One table; `value` gets each cell's result and the best peer's score in its row.
void print_table(const run_info& info, const std::vector<workload_result>& rs, const std::string& title,
                 const std::function<std::string(const workload_result&, double best_peer)>& value,
                 bool best_peer_column, const score_fn& score = ops_score) {
  std::size_t width = 12, first = 12;
  for (const auto* e : info.engines) width = std::max(width, e->name.size() + 2);
  for (const auto& b : info.benchmarks) first = std::max(first, b.size() + 1);
  std::printf("\n%s\n%-*s", title.c_str(), static_cast<int>(first), "workload");
  for (const auto* e : info.engines) std::printf("%*s", static_cast<int>(width), e->name.c_str());
  if (best_peer_column) std::printf("  best peer");
  std::printf("\n");
  std::map<std::string, int> seen;
  for (const auto& b : info.benchmarks) {
    const int occurrence = seen[b]++;
    double best = 0;
    std::string best_name;
    for (const auto* e : info.engines) {
      const workload_result* r = find(rs, e->name, b, occurrence);
      if (e->peer && measured(r) && score(*r) > best) {
        best = score(*r);
        best_name = e->name;
      }
    }
    std::printf("%-*s", static_cast<int>(first), b.c_str());
    for (const auto* e : info.engines) {
      const workload_result* r = find(rs, e->name, b, occurrence);
      const std::string t = cell_text(r, [&](const workload_result& x) { return value(x, best); });
      std::printf("%*s", static_cast<int>(width), t.c_str());
    }
    if (best_peer_column) std::printf("  %s", best_name.empty() ? "-" : best_name.c_str());
    std::printf("\n");
  }
}

void json_string(std::string& out, std::string_view s) {
  out += '"';
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(static_cast<unsigned char>(c)));
          out += buf;
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

template <class T>
void json_value(std::string& out, const T& v) {
  if constexpr (std::is_same_v<T, std::string>) {
    json_string(out, v);
  } else if constexpr (std::is_same_v<T, bool>) {
    out += v ? "true" : "false";
  } else if constexpr (std::is_same_v<T, double>) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.6g", v);
    out += buf;
  } else {
    out += std::to_string(v);
  }
}

template <class T>
void json_member(std::string& out, std::string_view name, const T& v, bool& first) {
  out += first ? "\n    " : ",\n    ";
  first = false;
  json_string(out, name);
  out += ": ";
  json_value(out, v);
}

}  // namespace

run_info collect_run_info(const flags& f, const std::vector<std::string>& benchmarks,
                          const std::vector<const engine_entry*>& engines) {
  run_info info;
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char date[32];
  std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", &tm);
  info.date = date;
  info.cpu = std::to_string(std::thread::hardware_concurrency()) + " x " + cpu_model();
  utsname u{};
  info.kernel = ::uname(&u) == 0 ? std::string(u.sysname) + " " + u.release : "unknown";
  info.fs = filesystem_type(f.db);
  info.benchmarks = benchmarks;
  info.engines = engines;
  info.repeat = f.repeat;
  for (const auto* e : engines) info.engine_settings.push_back(e->describe(make_config(f, e->name)));
  return info;
}

void print_settings(const flags& f, const run_info& info) {
  const double raw = static_cast<double>(f.num) * static_cast<double>(k_key_size + f.value_size);
  std::printf("jadekv_bench    %s\n", info.date.c_str());
  std::printf("CPU:            %s; %s\n", info.cpu.c_str(), info.kernel.c_str());
  std::printf("Keys:           %zu bytes each (zero-padded decimal)\n", k_key_size);
  std::printf("Values:         %llu bytes each (%llu bytes after compression)\n",
              static_cast<unsigned long long>(f.value_size), static_cast<unsigned long long>(f.value_size / 2));
  std::printf("Entries:        %llu   reads: %llu   threads: %d   seed: %llu\n",
              static_cast<unsigned long long>(f.num), static_cast<unsigned long long>(f.read_count()), f.threads,
              static_cast<unsigned long long>(f.seed));
  std::printf("RawSize:        %.1f MB (estimated)\n", raw / 1048576.0);
  std::printf("YCSB:           %llu records, %llu operations per run, %s (theta %.2f%s)\n",
              static_cast<unsigned long long>(f.record_count()), static_cast<unsigned long long>(f.ycsb_op_count()),
              f.distribution.c_str(), f.zipfian_constant, f.distribution == "zipfian" ? "; D: latest" : "");
  std::printf("Memtable:       %s write buffer, every engine that has one\n", format_bytes(f.write_buffer_size).c_str());
  std::printf("Cache:          %s block cache / buffer pool, every engine that has one\n",
              format_bytes(f.cache_size).c_str());
  std::printf("Bloom filter:   %s\n", f.bloom_bits > 0 ? (std::to_string(f.bloom_bits) + " bits/key where the engine has filters").c_str() : "off");
  if (f.writer_rate > 0)
    std::printf("Writer rate:    %llu puts/s (readwhilewriting's background writer)\n",
                static_cast<unsigned long long>(f.writer_rate));
  std::printf("Compression:    off, every engine\n");
  std::printf("WAL:            on; sync off except fillsync\n");
  std::printf("Measurement:    each engine in its own process%s; after each workload, untimed: background work\n"
              "                settled (%d ms without I/O), syncfs; write amp = (write_bytes - cancelled) of\n"
              "                /proc/self/io / user bytes; space amp = allocated dir bytes / live user bytes;\n"
              "                rss = VmHWM, reset at each workload's start\n",
              f.fork ? "" : " (disabled by --fork=false)", f.settle_ms);
  std::printf("DB:             %s (%s), one directory per engine%s\n", f.db.c_str(), info.fs.c_str(),
              info.fs == "tmpfs" ? "; WARNING: tmpfs pages are never counted as written" : "");
  std::printf("Engines:\n");
  for (std::size_t i = 0; i < info.engines.size(); ++i)
    std::printf("  %-12s %s\n", info.engines[i]->name.c_str(), info.engine_settings[i].c_str());
  std::printf("------------------------------------------------\n");
  std::fflush(stdout);
}

void print_engine_header(const engine_entry& e, int threads, int rep, int repeat) {
  if (repeat > 1) std::printf("--- %s (%d thread%s), run %d of %d\n", e.name.c_str(), threads, threads == 1 ? "" : "s", rep + 1, repeat);
  else std::printf("--- %s (%d thread%s)\n", e.name.c_str(), threads, threads == 1 ? "" : "s");
  std::fflush(stdout);
}

void print_line(const workload_result& r, bool tagged) {
  std::string head = "[" + r.engine;
  if (tagged) head += concat({"#", std::to_string(r.rep + 1)});
  head += "] ";
  if (r.status != "ok") {
    std::printf("%s%-12s : %s %s%s\n", head.c_str(), r.workload.c_str(),
                r.status == "error" ? "ERROR" : r.status.c_str(), r.error.c_str(), r.note.c_str());
    std::fflush(stdout);
    return;
  }
  const std::uint64_t disk = r.write_bytes > r.cancelled_write_bytes ? r.write_bytes - r.cancelled_write_bytes : 0;
  std::printf("%s%-12s : %10.3f micros/op %10.0f ops/sec %8.1f MB/s  w-amp %5s (%s to disk)  s-amp %5s  rss %s %s\n",
              head.c_str(), r.workload.c_str(), r.micros_per_op(), r.ops_per_sec(), r.mb_per_sec(),
              amp(r.write_amp()).c_str(), format_bytes(disk).c_str(), amp(r.space_amp()).c_str(),
              format_bytes(r.peak_rss).c_str(), r.note.c_str());
  std::fflush(stdout);
}

void print_tables(const run_info& info, const std::vector<workload_result>& rs) {
  const std::string median = info.repeat > 1 ? concat({", median of ", std::to_string(info.repeat), " runs"}) : "";
  print_table(info, rs, concat({"ops/sec (all threads", median, ")"}),
              [](const workload_result& r, double) { return short_rate(r.ops_per_sec()); }, true);
  if (info.repeat > 1) {
    print_table(info, rs, "spread of ops/sec over the runs ((max - min) / median)",
                [&](const workload_result& r, double) {
                  const auto ok = ranked(repetitions(rs, r.engine, r.workload, occurrence_of(rs, r)));
                  const double mid = r.ops_per_sec();
                  if (ok.size() < 2 || mid <= 0) return std::string("-");
                  return fixed(100 * (ok.back()->ops_per_sec() - ok.front()->ops_per_sec()) / mid, 0) + "%";
                },
                false);
  }
  print_table(info, rs, "ratio of ops/sec to the best peer's (> 1: faster)",
              [](const workload_result& r, double best) { return best > 0 ? fixed(r.ops_per_sec() / best, 2) : "-"; },
              false);
  print_table(info, rs, "CPU time per operation (microseconds, all threads of the process, background included)",
              [](const workload_result& r, double) { return fixed(r.cpu_micros_per_op(), r.cpu_micros_per_op() < 100 ? 2 : 0); },
              true, cpu_score);
  print_table(info, rs, "ratio of CPU time per operation, the best peer's to this engine's (> 1: cheaper)",
              [](const workload_result& r, double best) { return best > 0 ? fixed(cpu_score(r) / best, 2) : "-"; },
              false, cpu_score);
  print_table(info, rs, "write amplification (per user byte written: bytes sent to storage/bytes passed to write(2))",
              [](const workload_result& r, double) {
                return r.user_write_bytes == 0 ? std::string("-") : amp(r.write_amp()) + "/" + amp(r.write_amp_syscall());
              },
              false);
  print_table(info, rs, "space amplification (directory bytes / live user bytes: allocated/apparent)",
              [](const workload_result& r, double) { return amp(r.space_amp()) + "/" + amp(r.space_amp_apparent()); },
              false);
  print_table(info, rs, "resident memory (MiB: peak during the workload/anonymous at its end)",
              [](const workload_result& r, double) {
                return fixed(static_cast<double>(r.peak_rss) / 1048576.0, 0) + "/" +
                       fixed(static_cast<double>(r.rss_anon) / 1048576.0, 0);
              },
              false);
  std::fflush(stdout);
}

bool write_json(const std::string& path, const flags& f, const run_info& info,
                const std::vector<workload_result>& results) {
  std::string out = "{\n  \"settings\": {";
  bool first = true;
  json_member(out, "date", info.date, first);
  json_member(out, "cpu", info.cpu, first);
  json_member(out, "kernel", info.kernel, first);
  json_member(out, "filesystem", info.fs, first);
  json_member(out, "db", f.db.string(), first);
  json_member(out, "num", f.num, first);
  json_member(out, "reads", f.read_count(), first);
  json_member(out, "value_size", f.value_size, first);
  json_member(out, "key_size", std::uint64_t{k_key_size}, first);
  json_member(out, "threads", f.threads, first);
  json_member(out, "seed", f.seed, first);
  json_member(out, "write_buffer_size", f.write_buffer_size, first);
  json_member(out, "cache_size", f.cache_size, first);
  json_member(out, "bloom_bits", f.bloom_bits, first);
  json_member(out, "distribution", f.distribution, first);
  json_member(out, "zipfian_constant", f.zipfian_constant, first);
  json_member(out, "ycsb_records", f.record_count(), first);
  json_member(out, "ycsb_ops", f.ycsb_op_count(), first);
  json_member(out, "settle_ms", f.settle_ms, first);
  json_member(out, "repeat", f.repeat, first);
  json_member(out, "use_existing_db", f.use_existing_db, first);
  json_member(out, "fork", f.fork, first);
  out += "\n  },\n  \"engines\": [";
  for (std::size_t i = 0; i < info.engines.size(); ++i) {
    out += i == 0 ? "\n    {" : ",\n    {";
    out += "\"name\": ";
    json_string(out, info.engines[i]->name);
    out += ", \"peer\": ";
    out += info.engines[i]->peer ? "true" : "false";
    out += ", \"settings\": ";
    json_string(out, info.engine_settings[i]);
    out += "}";
  }
  out += "\n  ],\n  \"results\": [";
  for (std::size_t i = 0; i < results.size(); ++i) {
    const auto& r = results[i];
    out += i == 0 ? "\n   {" : ",\n   {";
    bool f1 = true;
    visit_fields(r, [&](std::string_view name, const auto& v) { json_member(out, name, v, f1); });
    json_member(out, "micros_per_op", r.micros_per_op(), f1);
    json_member(out, "cpu_micros_per_op", r.cpu_micros_per_op(), f1);
    json_member(out, "ops_per_sec", r.ops_per_sec(), f1);
    json_member(out, "mb_per_sec", r.mb_per_sec(), f1);
    json_member(out, "write_amp", r.write_amp(), f1);
    json_member(out, "write_amp_syscall", r.write_amp_syscall(), f1);
    json_member(out, "space_amp", r.space_amp(), f1);
    json_member(out, "space_amp_apparent", r.space_amp_apparent(), f1);
    out += ",\n    \"counters\": {";
    for (std::size_t k = 0; k < r.counters.size(); ++k) {
      if (k != 0) out += ", ";
      json_string(out, r.counters[k].first);
      out += ": ";
      out += std::to_string(r.counters[k].second);
    }
    out += "}\n   }";
  }
  out += "\n  ]\n}\n";
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file << out;
  return static_cast<bool>(file.flush());
}

}  // namespace bench
