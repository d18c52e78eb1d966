// wal_bench: synced-write throughput of persist::wal<> against the raw loop
// it cannot beat (pwrite + fdatasync of the same number of bytes per write,
// on the same disk, in the same run), and group commit with 2 threads.
//
//   wal_bench [--num N] [--value_size B] [--rounds R] [--dir PATH]
//
// Each round runs, in order: the raw loop, the WAL with 1 thread, the WAL
// with 2 threads, each on fresh files; the medians over the rounds are
// printed last, with the ratio raw / wal (1.00 = as fast as the raw loop).
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <jadekv/core/write_batch.hpp>
#include <jadekv/io/posix_fs.hpp>
#include <jadekv/persist/log_format.hpp>
#include <jadekv/persist/wal.hpp>

namespace {

namespace kv = jadekv;
namespace fs = std::filesystem;
using clock_type = std::chrono::steady_clock;

struct config {
  int num = 2000;
  int value_size = 100;
  int rounds = 3;
  fs::path dir;
};

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "wal_bench: %s\n", what.c_str());
  std::exit(1);
}

kv::write_batch make_batch(const config& c, int i) {
  char key[17];
  std::snprintf(key, sizeof key, "%016d", i);
  kv::write_batch b;
  b.put(std::string_view(key, 16), std::string(static_cast<std::size_t>(c.value_size), static_cast<char>('a' + i % 26)));
  return b;
}

double seconds_since(clock_type::time_point t0) {
  return std::chrono::duration<double>(clock_type::now() - t0).count();
}

// pwrite + fdatasync of `bytes` per write: what a WAL write costs at least.
double raw_loop(const config& c, std::size_t bytes) {
  const fs::path p = c.dir / "raw.dat";
  const int fd = ::open(p.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) die("open " + p.string() + ": " + std::strerror(errno));
  const std::string buf(bytes, 'r');
  off_t off = 0;
  const auto t0 = clock_type::now();
  for (int i = 0; i < c.num; ++i) {
    if (::pwrite(fd, buf.data(), buf.size(), off) != static_cast<ssize_t>(buf.size())) die("pwrite failed");
    off += static_cast<off_t>(buf.size());
    if (::fdatasync(fd) != 0) die("fdatasync failed");
  }
  const double s = seconds_since(t0);
  ::close(fd);
  fs::remove(p);
  return c.num / s;
}

struct wal_result {
  double ops = 0;
  kv::persist::stats st;
};

wal_result wal_run(const config& c, int threads) {
  const fs::path d = c.dir / ("wal" + std::to_string(threads));
  fs::remove_all(d);
  auto w = kv::persist::wal<>::open(kv::io::default_fs(), d);
  if (!w) die(w.status().to_string());
  if (auto s = w->recover([](const kv::write_batch&) {}); !s.ok()) die(s.to_string());
  const auto before = w->stats();
  std::vector<kv::write_batch> batches;
  for (int i = 0; i < c.num; ++i) batches.push_back(make_batch(c, i));
  std::atomic<bool> failed{false};
  const auto t0 = clock_type::now();
  std::vector<std::thread> ts;
  for (int t = 0; t < threads; ++t) {
    ts.emplace_back([&, t] {
      for (int i = t; i < c.num; i += threads) {
        if (!w->append(batches[static_cast<std::size_t>(i)], kv::write_options{true}).ok()) failed = true;
      }
    });
  }
  for (auto& t : ts) t.join();
  wal_result r;
  r.ops = c.num / seconds_since(t0);
  if (failed) die("an append failed");
  r.st = w->stats();
  r.st.syncs -= before.syncs;
  if (auto s = w->close(); !s.ok()) die(s.to_string());
  fs::remove_all(d);
  return r;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  config c;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--num") c.num = std::atoi(argv[i + 1]);
    else if (a == "--value_size") c.value_size = std::atoi(argv[i + 1]);
    else if (a == "--rounds") c.rounds = std::atoi(argv[i + 1]);
    else if (a == "--dir") c.dir = argv[i + 1];
    else die("unknown option " + a + " (--num, --value_size, --rounds, --dir)");
  }
  if (c.num <= 0 || c.value_size < 0 || c.rounds <= 0) die("bad arguments");
  const bool own_dir = c.dir.empty();
  if (own_dir) c.dir = fs::temp_directory_path() / ("jadekv-wal-bench-" + std::to_string(::getpid()));
  fs::create_directories(c.dir);

  // The bytes one WAL record of one batch takes: fragment header + batch.
  const std::size_t record_bytes =
      kv::persist::log_format::k_fragment_header_size + make_batch(c, 0).byte_size();
  std::printf("wal_bench: %d synced writes per run, 16-byte keys, %d-byte values (%zu bytes per log record), "
              "%d rounds, dir %s\n",
              c.num, c.value_size, record_bytes, c.rounds, c.dir.c_str());
  std::vector<double> raw, one, two, per_write;
  for (int r = 0; r < c.rounds; ++r) {
    raw.push_back(raw_loop(c, record_bytes));
    const auto w1 = wal_run(c, 1);
    const auto w2 = wal_run(c, 2);
    one.push_back(w1.ops);
    two.push_back(w2.ops);
    const double fpw = static_cast<double>(w2.st.syncs) / static_cast<double>(w2.st.synced_records);
    per_write.push_back(fpw);
    std::printf("round %d: raw pwrite+fdatasync %8.0f writes/s | wal 1 thread %8.0f writes/s (raw/wal %.3f, "
                "%.3f fsyncs/write) | wal 2 threads %8.0f writes/s, %.3f fsyncs/write, avg group %.2f, max %llu\n",
                r + 1, raw.back(), w1.ops, raw.back() / w1.ops,
                static_cast<double>(w1.st.syncs) / static_cast<double>(w1.st.synced_records), w2.ops, fpw,
                w2.st.avg_group(), static_cast<unsigned long long>(w2.st.max_group));
  }
  std::printf("median: raw %.0f writes/s, wal 1 thread %.0f writes/s, raw/wal = %.3f; wal 2 threads %.0f writes/s, "
              "%.3f fsyncs/write\n",
              median(raw), median(one), median(raw) / median(one), median(two), median(per_write));
  if (own_dir) fs::remove_all(c.dir);
  return 0;
}
