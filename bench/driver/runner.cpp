// runner: see runner.hpp.
#include "runner.hpp"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <latch>
#include <map>
#include <thread>

#include "format.hpp"
#include "keys.hpp"
#include "live_set.hpp"
#include "metrics.hpp"
#include "report.hpp"
#include "workload.hpp"

namespace bench {
namespace {

using clock_type = std::chrono::steady_clock;
constexpr int k_settle_max_ms = 120'000;

struct timed_run {
  thread_stats total;
  double seconds = 0, thread_seconds = 0, cpu_seconds = 0;
  std::string error;
};

timed_run run_threads(engine& eng, const workload_def& w, const workload_context& ctx) {
  const int n = ctx.threads;
  std::vector<thread_stats> stats(static_cast<std::size_t>(n));
  std::vector<double> seconds(static_cast<std::size_t>(n), 0);
  std::vector<clock_type::time_point> ends(static_cast<std::size_t>(n));
  std::vector<std::string> errors(static_cast<std::size_t>(n));
  std::latch ready(n), go(1);
  std::atomic<int> readers_left{n};
  std::vector<std::thread> threads;
  for (int i = 0; i < n; ++i) {
    threads.emplace_back([&, i] {
      const auto u = static_cast<std::size_t>(i);
      std::unique_ptr<session> s;
      std::optional<thread_env> env;
      try {
        env.emplace(ctx, i);
        if (w.prepare != nullptr) w.prepare(ctx, *env);
        s = eng.new_session();
      } catch (const std::exception& e) {
        errors[u] = e.what();
      }
      ready.count_down();
      go.wait();
      const auto t0 = clock_type::now();
      const std::uint64_t cpu0 = thread_cpu_micros();
      if (s) {
        try {
          w.body(ctx, *s, *env, stats[u]);
          s->finish();
        } catch (const std::exception& e) {
          errors[u] = e.what();
        }
      }
      stats[u].cpu_micros = thread_cpu_micros() - cpu0;
      readers_left.fetch_sub(1);
      ends[u] = clock_type::now();
      seconds[u] = std::chrono::duration<double>(ends[u] - t0).count();
      s.reset();
    });
  }
  std::uint64_t writer_puts = 0;
  std::string writer_error;
  std::thread writer;
  if (w.background_writer) {
    writer = std::thread([&] {
      try {
        thread_env env(ctx, n);
        const auto s = eng.new_session();
        go.wait();
        const auto begin = clock_type::now();
        while (readers_left.load() > 0) {
          if (ctx.f.writer_rate > 0) {
            // Paced: the n-th put is due at n / rate seconds.
            const auto due = begin + std::chrono::duration_cast<clock_type::duration>(std::chrono::duration<double>(
                                         static_cast<double>(writer_puts) / static_cast<double>(ctx.f.writer_rate)));
            if (clock_type::now() < due) {
              std::this_thread::sleep_for(std::chrono::microseconds(200));
              continue;
            }
          }
          const std::uint64_t k = env.r.uniform(ctx.f.num);
          s->put(env.keys.key(k), env.values.next());
          ctx.live.insert(k);
          ++writer_puts;
        }
        s->finish();
      } catch (const std::exception& e) {
        writer_error = e.what();
      }
    });
  }
  ready.wait();
  const std::uint64_t cpu0 = process_cpu_micros();
  const auto start = clock_type::now();
  go.count_down();
  for (auto& t : threads) t.join();
  if (writer.joinable()) writer.join();
  timed_run r;
  r.cpu_seconds = static_cast<double>(process_cpu_micros() - cpu0) / 1e6;
  clock_type::time_point end = start;
  for (std::size_t i = 0; i < stats.size(); ++i) {
    auto& t = r.total;
    t.ops += stats[i].ops;
    t.bytes += stats[i].bytes;
    t.found += stats[i].found;
    t.user_write_bytes += stats[i].user_write_bytes;
    for (std::size_t k = 0; k < t.counts.size(); ++k) t.counts[k] += stats[i].counts[k];
    t.cpu_micros += stats[i].cpu_micros;
    r.thread_seconds += seconds[i];
    end = std::max(end, ends[i]);
    if (r.error.empty() && !errors[i].empty()) r.error = concat({"thread ", std::to_string(i), ": ", errors[i]});
  }
  r.seconds = std::chrono::duration<double>(end - start).count();
  r.total.writer_puts = writer_puts;
  if (r.error.empty() && !writer_error.empty()) r.error = "writer: " + writer_error;
  return r;
}

timed_run run_single(const std::function<bool()>& action, std::string& status) {
  timed_run r;
  const std::uint64_t cpu0 = process_cpu_micros();
  const auto t0 = clock_type::now();
  try {
    if (!action()) status = "unsupported";
  } catch (const std::exception& e) {
    r.error = e.what();
  }
  r.seconds = r.thread_seconds = std::chrono::duration<double>(clock_type::now() - t0).count();
  r.cpu_seconds = static_cast<double>(process_cpu_micros() - cpu0) / 1e6;
  r.total.ops = 1;
  return r;
}

// Counts what an existing database holds (--use_existing_db), untimed.
void census(engine& eng, live_set& live) {
  const auto s = eng.new_session();
  const auto it = s->new_cursor();
  for (it->seek_to_first(); it->valid(); it->next()) {
    std::uint64_t n = 0;
    if (parse_key(it->key(), n) && live.tracks(n)) live.insert(n);
    else live.add_other(1, it->key().size() + it->value().size());
  }
  it->check();
}

std::string make_note(const workload_def& w, const thread_stats& t, std::vector<std::pair<std::string, std::uint64_t>>& counters) {
  std::string note;
  for (std::size_t k = 0; k < t.counts.size(); ++k) {
    if (t.counts[k] == 0) continue;
    counters.emplace_back(std::string(k_op_names[k]), t.counts[k]);
  }
  if (!counters.empty() && w.name != "ycsb_load") {
    for (const auto& [name, v] : counters) {
      note += note.empty() ? '(' : ' ';
      note += name;
      note += ' ';
      note += std::to_string(v);
    }
    note += ')';
    return note;
  }
  if (w.reports_found) {
    char buf[160];
    if (w.background_writer)
      std::snprintf(buf, sizeof buf, "(%llu of %llu found; writer %llu puts; readers' CPU %.3f micros/op)",
                    static_cast<unsigned long long>(t.found), static_cast<unsigned long long>(t.ops),
                    static_cast<unsigned long long>(t.writer_puts),
                    t.ops ? static_cast<double>(t.cpu_micros) / static_cast<double>(t.ops) : 0.0);
    else
      std::snprintf(buf, sizeof buf, "(%llu of %llu found; readers' CPU %.3f micros/op)",
                    static_cast<unsigned long long>(t.found), static_cast<unsigned long long>(t.ops),
                    t.ops ? static_cast<double>(t.cpu_micros) / static_cast<double>(t.ops) : 0.0);
    note = buf;
  }
  return note;
}

}  // namespace

engine_config make_config(const flags& f, const std::string& name) {
  return engine_config{f.db / name, f.write_buffer_size, f.cache_size, f.bloom_bits, f.threads};
}

void run_engine(const engine_entry& e, const flags& f, const std::vector<std::string>& benchmarks, int rep,
                const std::function<void(const workload_result&)>& sink) {
  const engine_config cfg = make_config(f, e.name);
  const int threads = e.max_threads > 0 ? std::min(f.threads, e.max_threads) : f.threads;
  live_set live;
  ycsb_state ycsb;
  std::unique_ptr<engine> eng;
  std::string open_error;
  const auto open = [&](bool fresh) {
    eng.reset();
    live.reset(f.num);
    ycsb.reset(fresh ? 0 : f.record_count());
    try {
      if (fresh) std::filesystem::remove_all(cfg.dir);
      eng = e.open(cfg);
      if (!fresh) census(*eng, live);
      sync_filesystem(cfg.dir);
    } catch (const std::exception& ex) {
      eng.reset();
      open_error = std::string("open: ") + ex.what();
    }
  };
  print_engine_header(e, threads, rep, f.repeat);
  open(!f.use_existing_db);
  std::map<std::string, int> occurrences;
  for (const auto& name : benchmarks) {
    const workload_def& w = *find_workload(name);
    workload_result r;
    r.engine = e.name;
    r.workload = name;
    r.rep = rep;
    r.threads = w.run == workload_def::kind::threads ? threads : 1;
    if (w.fresh_db && f.use_existing_db) {
      r.status = "skipped";
      r.note = "(--use_existing_db)";
      print_line(r, f.repeat > 1);
      sink(r);
      continue;
    }
    if (w.fresh_db) {
      open_error.clear();
      if (eng) {
        try {
          eng->close();
        } catch (const std::exception& ex) {
          open_error = std::string("close: ") + ex.what();
        }
      }
      if (open_error.empty()) open(true);
    }
    if (!eng) {
      r.status = "error";
      r.error = open_error;
      print_line(r, f.repeat > 1);
      sink(r);
      continue;
    }
    const workload_context ctx{f, w.name, occurrences[name]++, r.threads, live, ycsb};
    const io_counters io0 = read_io();
    r.peak_rss_is_workload = reset_peak_rss();
    timed_run t;
    try {
      eng->set_sync(w.sync);
      if (w.run == workload_def::kind::threads) t = run_threads(*eng, w, ctx);
      else t = run_single([&] { return w.run == workload_def::kind::flush ? eng->flush() : eng->compact(); }, r.status);
    } catch (const std::exception& ex) {
      t.error = ex.what();
    }
    const std::uint64_t settle_cpu0 = process_cpu_micros();
    try {
      r.settle_ms = settle(*eng, f.settle_ms, k_settle_max_ms);
    } catch (const std::exception& ex) {
      if (t.error.empty()) t.error = std::string("settle: ") + ex.what();
    }
    const std::uint64_t settle_cpu1 = process_cpu_micros();
    sync_filesystem(cfg.dir);
    const io_counters io1 = read_io();
    const rss_info rss = read_rss();
    const dir_usage du = measure_dir(cfg.dir);
    if (!t.error.empty()) {
      r.status = "error";
      r.error = t.error;
    }
    r.ops = t.total.ops;
    r.bytes = t.total.bytes;
    r.found = t.total.found;
    r.user_write_bytes = t.total.user_write_bytes;
    r.seconds = t.seconds;
    r.thread_seconds = t.thread_seconds;
    r.cpu_seconds = t.cpu_seconds;
    r.settle_cpu_seconds = static_cast<double>(settle_cpu1 - settle_cpu0) / 1e6;
    r.wchar = io1.wchar - io0.wchar;
    r.write_bytes = io1.write_bytes - io0.write_bytes;
    r.cancelled_write_bytes = io1.cancelled_write_bytes - io0.cancelled_write_bytes;
    r.read_bytes = io1.read_bytes - io0.read_bytes;
    r.dir_allocated = du.allocated;
    r.dir_apparent = du.apparent;
    r.dir_files = du.files;
    r.live_keys = live.keys();
    r.live_bytes = live.bytes(k_key_size + f.value_size);
    r.peak_rss = rss.peak;
    r.rss_anon = rss.anon;
    r.rss_file = rss.file;
    r.note = make_note(w, t.total, r.counters);
    print_line(r, f.repeat > 1);
    sink(r);
  }
  if (eng) {
    try {
      eng->close();
    } catch (const std::exception& ex) {
      std::fprintf(stderr, "%s: close: %s\n", e.name.c_str(), ex.what());
    }
  }
}

}  // namespace bench
