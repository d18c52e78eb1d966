// Memtable micro-benchmarks: skiplist, rbtree and hash against std::map and
// std::unordered_map, all measured in the same run over the same keys.
//
//   memtable_bench [--num=N] [--repeat=R]
//   memtable_bench --phases=STRUCTURE [--num=N] [--repeat=R]
//
// N entries (default 1000000) of 16-byte keys (db_bench's "%016d" of a
// random number in [0, N)) and 100-byte values. Each
// repetition (default 3) runs every measurement once, structures interleaved,
// so machine noise hits them alike; the table shows the median over the
// repetitions, and each ratio is the median of the ratios taken within one
// repetition.
//
//   fill_random   insert the N keys in random order into an empty table
//   fill_seq      insert the N keys in ascending order into an empty table
//   read_random   look every key up, in another random order
//   scan          walk all entries (hash: includes sorting its snapshot;
//                 std::unordered_map: its own, unordered, walk)
//   overhead      (memory_usage() - N * (16 + 100)) / N after fill_random
//   skiplist concurrent fill_random at 1 and 2 threads (keys split in halves)
//
// --phases=S (S: skiplist, rbtree, hash, std::map, std::unordered_map) runs
// only S's fill_random then read_random, each in a function of its own
// (phase_fill_random, phase_read_random), R times (default 3) on a fresh
// table, and prints the least CPU time per operation of each. For counts that do not depend on the machine's load, divide a
// phase's inclusive count by N:
//
//   valgrind --tool=callgrind --cache-sim=yes memtable_bench --phases=skiplist --num=200000 --repeat=1
//   callgrind_annotate --inclusive=yes callgrind.out.PID | grep phase_
#include <jadekv/memtable/hash.hpp>
#include <jadekv/memtable/rbtree.hpp>
#include <jadekv/memtable/skiplist.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

namespace {

namespace kv = jadekv;
namespace mt = jadekv::memtable;
using clock_type = std::chrono::steady_clock;

constexpr std::size_t k_key_size = 16;
constexpr std::size_t k_value_size = 100;

// Keys are made on the fly from numbers, as db_bench does, so that fetching a
// key costs no cache miss of its own and the table's misses are what shows.
struct workload {
  std::size_t n = 0;
  std::vector<std::uint32_t> fill;   // a random permutation of [0, n): insertion order
  std::vector<std::uint32_t> probe;  // another one: lookup order
  std::string value;
};

// The 16-byte key of number v: its decimal digits, zero-padded ("%016u").
inline std::string_view make_key(char (&buf)[k_key_size], std::uint64_t v) {
  for (std::size_t i = k_key_size; i-- > 0; v /= 10) buf[i] = static_cast<char>('0' + v % 10);
  return {buf, k_key_size};
}

workload make_workload(std::size_t n) {
  workload w;
  w.n = n;
  std::mt19937_64 rng(42);
  w.fill.resize(n);
  for (std::size_t i = 0; i < n; ++i) w.fill[i] = static_cast<std::uint32_t>(i);
  w.probe = w.fill;
  std::shuffle(w.fill.begin(), w.fill.end(), rng);
  std::shuffle(w.probe.begin(), w.probe.end(), rng);
  w.value.resize(k_value_size);
  for (std::size_t i = 0; i < k_value_size; ++i) w.value[i] = static_cast<char>('a' + i % 26);
  return w;
}

std::size_t g_sink = 0;  // keeps results observable

template <class F>
double ops_per_s(std::size_t ops, F&& f) {
  const auto start = clock_type::now();
  f();
  const double s = std::chrono::duration<double>(clock_type::now() - start).count();
  return static_cast<double>(ops) / s;
}

struct result_row {
  double fill_random = 0, fill_seq = 0, read_random = 0, scan = 0, overhead = -1;
};

// ---- adapters: one shape for memtables and std containers -----------------

template <class M>
struct memtable_adapter {
  static constexpr bool k_has_memory = true;
  std::unique_ptr<M> m = std::make_unique<M>();
  void put(std::size_t seq, std::string_view k, const std::string& v) { m->insert(seq, kv::value_kind::put, k, v); }
  bool get(std::string_view k) const {
    const mt::lookup r = m->get(k, kv::k_max_sequence);
    g_sink += r.value.size();
    return r.is_found();
  }
  std::size_t scan() const {
    std::size_t n = 0;
    auto c = m->iterator();
    for (c.seek_to_first(); c.valid(); c.next(), ++n) g_sink += c.value().size() + c.user_key().size();
    return n;
  }
  std::size_t memory_usage() const { return m->memory_usage(); }
};

template <class Map>
struct std_adapter {
  static constexpr bool k_has_memory = false;
  std::unique_ptr<Map> m = std::make_unique<Map>();
  std::string probe = std::string(k_key_size, ' ');  // reused: a lookup allocates nothing
  void put(std::size_t, std::string_view k, const std::string& v) { m->emplace(std::string(k), v); }
  bool get(std::string_view k) {
    probe.assign(k);
    const auto it = m->find(probe);
    if (it == m->end()) return false;
    g_sink += it->second.size();
    return true;
  }
  std::size_t scan() const {
    std::size_t n = 0;
    for (const auto& [k, v] : *m) g_sink += k.size() + v.size(), ++n;
    return n;
  }
  std::size_t memory_usage() const { return 0; }
};

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "memtable_bench: %s\n", what);
  std::exit(1);
}

template <class Adapter>
[[gnu::noinline]] void phase_fill_random(Adapter& a, const workload& w) {
  char key[k_key_size];
  for (std::size_t i = 0; i < w.n; ++i) a.put(i + 1, make_key(key, w.fill[i]), w.value);
}

template <class Adapter>
[[gnu::noinline]] std::size_t phase_read_random(Adapter& a, const workload& w) {
  char key[k_key_size];
  std::size_t found = 0;
  for (std::size_t i = 0; i < w.n; ++i) found += a.get(make_key(key, w.probe[i])) ? 1 : 0;
  return found;
}

// Prints each phase's process CPU time per operation, the least over
// `repeat` fresh tables: on a busy machine interference only ever adds, so
// the least is the steadiest figure, though caches are still shared.
template <class Adapter>
void run_phases(const workload& w, std::size_t repeat) {
  const auto ns_per_op = [&](std::clock_t d) {
    return static_cast<double>(d) * 1e9 / CLOCKS_PER_SEC / static_cast<double>(w.n);
  };
  double fill = 0;
  double read = 0;
  for (std::size_t r = 0; r < repeat; ++r) {
    Adapter a;
    const std::clock_t t0 = std::clock();
    phase_fill_random(a, w);
    const std::clock_t t1 = std::clock();
    if (phase_read_random(a, w) != w.n) fail("a lookup missed an inserted key");
    const std::clock_t t2 = std::clock();
    fill = r == 0 ? ns_per_op(t1 - t0) : std::min(fill, ns_per_op(t1 - t0));
    read = r == 0 ? ns_per_op(t2 - t1) : std::min(read, ns_per_op(t2 - t1));
  }
  std::printf("fill_random %.0f ns/op, read_random %.0f ns/op (CPU time, least of %zu)\n", fill, read, repeat);
}

template <class Adapter>
result_row measure(const workload& w) {
  const std::size_t n = w.n;
  char key[k_key_size];
  result_row r;
  {
    Adapter a;
    r.fill_random = ops_per_s(n, [&] {
      for (std::size_t i = 0; i < n; ++i) a.put(i + 1, make_key(key, w.fill[i]), w.value);
    });
    if constexpr (Adapter::k_has_memory)
      r.overhead = (static_cast<double>(a.memory_usage()) - static_cast<double>(n * (k_key_size + k_value_size))) /
                   static_cast<double>(n);
    std::size_t found = 0;
    r.read_random = ops_per_s(n, [&] {
      for (std::size_t i = 0; i < n; ++i) found += a.get(make_key(key, w.probe[i])) ? 1 : 0;
    });
    if (found != n) fail("a lookup missed an inserted key");
    std::size_t walked = 0;
    r.scan = ops_per_s(n, [&] { walked = a.scan(); });
    if (walked != n) fail("a scan missed entries");
  }
  {
    Adapter a;
    r.fill_seq = ops_per_s(n, [&] {
      for (std::size_t i = 0; i < n; ++i) a.put(i + 1, make_key(key, i), w.value);
    });
  }
  return r;
}

struct concurrent_result {
  double ops_per_s;
  double cpus;  // process CPU time / wall time: how many CPUs the run really had
};

// Inserts all keys into one skiplist from `threads` threads, each a contiguous
// slice of the random order; timed from a common start to the last join.
concurrent_result skiplist_concurrent_fill(const workload& w, unsigned threads) {
  mt::skiplist<> list;
  const std::size_t n = w.n;
  std::atomic<bool> go{false};
  std::vector<std::thread> ts;
  for (unsigned t = 0; t < threads; ++t) {
    ts.emplace_back([&, t] {
      const std::size_t lo = n * t / threads;
      const std::size_t hi = n * (t + 1) / threads;
      char key[k_key_size];
      while (!go.load(std::memory_order_acquire)) std::this_thread::yield();
      for (std::size_t i = lo; i < hi; ++i) list.insert(i + 1, kv::value_kind::put, make_key(key, w.fill[i]), w.value);
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(20));  // let the threads reach the start line
  const std::clock_t cpu_start = std::clock();
  const auto start = clock_type::now();
  go.store(true, std::memory_order_release);
  for (auto& t : ts) t.join();
  const double wall = std::chrono::duration<double>(clock_type::now() - start).count();
  const double cpu = static_cast<double>(std::clock() - cpu_start) / CLOCKS_PER_SEC;
  if (list.entry_count() != n) fail("concurrent fill lost entries");
  return {static_cast<double>(n) / wall, cpu / wall};
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t m = v.size() / 2;
  return v.size() % 2 == 1 ? v[m] : (v[m - 1] + v[m]) / 2;
}

bool parse_flag(const char* arg, const char* name, std::size_t& out) {
  const std::size_t len = std::strlen(name);
  if (std::strncmp(arg, name, len) != 0) return false;
  char* end = nullptr;
  const unsigned long long v = std::strtoull(arg + len, &end, 10);
  if (end == arg + len || *end != '\0' || v == 0) fail("bad flag value");
  out = static_cast<std::size_t>(v);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  constexpr int k_structures = 5;
  const char* names[k_structures] = {"skiplist", "rbtree", "hash", "std::map", "std::unordered_map"};
  using skiplist_a = memtable_adapter<mt::skiplist<>>;
  using rbtree_a = memtable_adapter<mt::rbtree<>>;
  using hash_a = memtable_adapter<mt::hash<>>;
  using map_a = std_adapter<std::map<std::string, std::string>>;
  using unordered_map_a = std_adapter<std::unordered_map<std::string, std::string>>;
  using measure_fn = result_row (*)(const workload&);
  const measure_fn runs[k_structures] = {measure<skiplist_a>, measure<rbtree_a>, measure<hash_a>, measure<map_a>,
                                         measure<unordered_map_a>};
  using phases_fn = void (*)(const workload&, std::size_t);
  const phases_fn phase_runs[k_structures] = {run_phases<skiplist_a>, run_phases<rbtree_a>, run_phases<hash_a>,
                                              run_phases<map_a>, run_phases<unordered_map_a>};

  std::size_t num = 1000000;
  std::size_t repeat = 3;
  int phases = -1;
  for (int i = 1; i < argc; ++i) {
    if (parse_flag(argv[i], "--num=", num) || parse_flag(argv[i], "--repeat=", repeat)) continue;
    if (std::strncmp(argv[i], "--phases=", 9) == 0) {
      for (int s = 0; s < k_structures; ++s)
        if (std::strcmp(argv[i] + 9, names[s]) == 0) phases = s;
      if (phases >= 0) continue;
    }
    std::fprintf(stderr, "usage: %s [--num=N] [--repeat=R] | --phases=STRUCTURE [--num=N] [--repeat=R]\n", argv[0]);
    return 2;
  }
  const workload w = make_workload(num);
  if (phases >= 0) {
    phase_runs[phases](w, repeat);
    return g_sink == 42 ? 1 : 0;
  }

  std::vector<result_row> rows[k_structures];
  std::vector<concurrent_result> conc1, conc2;
  for (std::size_t rep = 0; rep < repeat; ++rep) {
    for (int s = 0; s < k_structures; ++s) rows[s].push_back(runs[s](w));
    conc1.push_back(skiplist_concurrent_fill(w, 1));
    conc2.push_back(skiplist_concurrent_fill(w, 2));
    std::fprintf(stderr, "repetition %zu of %zu done\n", rep + 1, repeat);
  }

  auto med = [&](int s, double result_row::*field) {
    std::vector<double> v;
    for (const auto& r : rows[s]) v.push_back(r.*field);
    return median(v);
  };
  auto ratio = [&](int a, int b, double result_row::*field) {
    std::vector<double> v;
    for (std::size_t i = 0; i < repeat; ++i) v.push_back(rows[a][i].*field / rows[b][i].*field);
    return median(v);
  };

  std::printf("memtable_bench: %zu entries, %zu-byte keys, %zu-byte values, median of %zu repetitions\n", num,
              k_key_size, k_value_size, repeat);
  std::printf("%-20s %12s %12s %12s %12s %12s\n", "Mops/s", "fill_random", "fill_seq", "read_random", "scan",
              "overhead B");
  for (int s = 0; s < k_structures; ++s) {
    std::printf("%-20s %12.3f %12.3f %12.3f %12.3f", names[s], med(s, &result_row::fill_random) / 1e6,
                med(s, &result_row::fill_seq) / 1e6, med(s, &result_row::read_random) / 1e6,
                med(s, &result_row::scan) / 1e6);
    if (rows[s][0].overhead >= 0) {
      std::printf(" %12.1f\n", med(s, &result_row::overhead));
    } else {
      std::printf(" %12s\n", "-");
    }
  }
  std::printf("\nratios (median of per-repetition ratios)   fill_random   fill_seq  read_random       scan\n");
  const int pairs[][2] = {{0, 3}, {1, 3}, {2, 3}, {0, 4}, {2, 4}};
  for (const auto& p : pairs) {
    char label[64];
    std::snprintf(label, sizeof label, "%s / %s", names[p[0]], names[p[1]]);
    std::printf("%-42s %11.2fx %9.2fx %11.2fx %9.2fx\n", label, ratio(p[0], p[1], &result_row::fill_random),
                ratio(p[0], p[1], &result_row::fill_seq), ratio(p[0], p[1], &result_row::read_random),
                ratio(p[0], p[1], &result_row::scan));
  }
  std::vector<double> rate1, rate2, cpus1, cpus2, speedups;
  for (std::size_t i = 0; i < repeat; ++i) {
    rate1.push_back(conc1[i].ops_per_s);
    rate2.push_back(conc2[i].ops_per_s);
    cpus1.push_back(conc1[i].cpus);
    cpus2.push_back(conc2[i].cpus);
    speedups.push_back(conc2[i].ops_per_s / conc1[i].ops_per_s);
  }
  std::printf("\nskiplist concurrent fill_random: 1 thread %.3f Mops/s, 2 threads %.3f Mops/s, speedup %.2fx\n",
              median(rate1) / 1e6, median(rate2) / 1e6, median(speedups));
  std::vector<double> per_cpu1, per_cpu2;
  for (std::size_t i = 0; i < repeat; ++i) {
    per_cpu1.push_back(rate1[i] / cpus1[i]);
    per_cpu2.push_back(rate2[i] / cpus2[i]);
  }
  // A speedup below the thread count with fewer CPUs than threads is the
  // machine's doing; equal inserts per CPU-second mean no contention cost.
  std::printf("  CPUs the process had (CPU time / wall time): %.2f with 1 thread, %.2f with 2 threads\n", median(cpus1),
              median(cpus2));
  std::printf("  inserts per CPU-second: %.3f M with 1 thread, %.3f M with 2 threads\n", median(per_cpu1) / 1e6,
              median(per_cpu2) / 1e6);
  std::printf("skiplist overhead beyond key and value bytes: %.1f bytes/entry\n", med(0, &result_row::overhead));
  return g_sink == 42 ? 1 : 0;
}
