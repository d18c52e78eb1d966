// What the engine costs over its memtable: put + get through
// engine<skiplist, none, memory, single> against the bare memtable::skiplist
// doing the same work (insert a version, look it up, copy the value out),
// over the same keys in the same run. Keys are 16-byte zero-padded decimals
// in random order, values 100 bytes (db_bench's shape).
//
//   engine_overhead_bench [--num=N] [--rounds=R]
#include <jadekv/jadekv.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <numeric>
#include <random>
#include <string>
#include <vector>

namespace kv = jadekv;

namespace {

using clock_type = std::chrono::steady_clock;

std::vector<std::string> make_keys(std::size_t n) {
  std::vector<std::string> keys(n);
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::shuffle(order.begin(), order.end(), std::mt19937_64(301));
  char buf[32];
  for (std::size_t i = 0; i < n; ++i) {
    std::snprintf(buf, sizeof buf, "%016zu", order[i]);
    keys[i] = buf;
  }
  return keys;
}

double bare_ns(const std::vector<std::string>& keys, const std::string& value) {
  kv::memtable::skiplist<> table;
  std::string out;
  std::size_t found = 0;
  kv::sequence_number seq = 0;
  const auto start = clock_type::now();
  for (const auto& k : keys) {
    table.insert(++seq, kv::value_kind::put, k, value);
    const auto l = table.get(k, seq);
    if (l.is_found()) {
      out.assign(l.value);
      ++found;
    }
  }
  const double ns = std::chrono::duration<double, std::nano>(clock_type::now() - start).count();
  if (found != keys.size()) std::abort();
  return ns / static_cast<double>(keys.size());
}

double engine_ns(const std::vector<std::string>& keys, const std::string& value) {
  using db_t = kv::engine<kv::memtable::skiplist<>, kv::persist::none<>, kv::index::memory<>, kv::concurrency::single<>>;
  auto r = db_t::open(db_t::options{});
  if (!r) std::abort();
  db_t db = std::move(*r);
  std::string out;
  std::size_t found = 0;
  const auto start = clock_type::now();
  for (const auto& k : keys) {
    if (!db.put(k, value).ok()) std::abort();
    if (db.get(k, out).ok()) ++found;
  }
  const double ns = std::chrono::duration<double, std::nano>(clock_type::now() - start).count();
  if (found != keys.size()) std::abort();
  return ns / static_cast<double>(keys.size());
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t num = 1000000;
  int rounds = 5;
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--num=", 6) == 0) num = std::strtoull(argv[i] + 6, nullptr, 10);
    else if (std::strncmp(argv[i], "--rounds=", 9) == 0) rounds = std::atoi(argv[i] + 9);
    else {
      std::fprintf(stderr, "usage: engine_overhead_bench [--num=N] [--rounds=R]\n");
      return 2;
    }
  }
  const auto keys = make_keys(num);
  const std::string value(100, 'v');
  std::vector<double> bare, eng, ratio;
  for (int r = 0; r < rounds; ++r) {  // alternate so drift on a shared machine hits both
    bare.push_back(bare_ns(keys, value));
    eng.push_back(engine_ns(keys, value));
    ratio.push_back(eng.back() / bare.back());
  }
  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  std::printf("put+get, %zu random 16-byte keys, 100-byte values, %d rounds (median)\n", num, rounds);
  std::printf("  bare memtable::skiplist                      %8.1f ns/op\n", median(bare));
  std::printf("  engine<skiplist, none, memory, single>       %8.1f ns/op\n", median(eng));
  std::printf("  engine / bare                                %8.2fx  (goal <= 1.20x)\n", median(ratio));
  return 0;
}
