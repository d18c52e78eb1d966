#include <jadekv/core/concurrent_arena.hpp>

#include <doctest/doctest.h>

#include <cstdint>
#include <cstring>
#include <random>
#include <thread>
#include <utility>
#include <vector>

namespace kv = jadekv;

TEST_CASE("concurrent_arena: shard count is a power of two, usage counts the shard table") {
  kv::concurrent_arena a(4096, 3);
  CHECK(a.shard_count() == 4);
  const std::size_t empty = a.memory_usage();
  CHECK(empty > 0);  // the shard table
  CHECK(empty < 4096);
  (void)a.allocate(10);
  CHECK(a.memory_usage() == empty + 4096 + 2 * sizeof(void*));  // one block plus one block-table slot (address, size)
  kv::concurrent_arena d;
  CHECK(d.shard_count() >= 4);
  CHECK((d.shard_count() & (d.shard_count() - 1)) == 0);
}

TEST_CASE("concurrent_arena: allocations are distinct, aligned and bounded in waste") {
  kv::concurrent_arena a(4096, 4);
  std::mt19937 rng(3);
  std::vector<std::pair<char*, std::size_t>> got;
  std::size_t requested = 0;
  for (int i = 0; i < 3000; ++i) {
    const std::size_t n = 1 + rng() % (i % 100 == 0 ? 5000 : 150);
    const std::size_t align = std::size_t{1} << (rng() % 5);
    char* p = a.allocate_aligned(n, align);
    CHECK(reinterpret_cast<std::uintptr_t>(p) % align == 0);
    std::memset(p, i & 0xff, n);
    got.emplace_back(p, n);
    requested += n;
  }
  for (std::size_t i = 0; i < got.size(); ++i)
    for (std::size_t j = 0; j < got[i].second; ++j) REQUIRE(static_cast<unsigned char>(got[i].first[j]) == (i & 0xff));
  CHECK(a.memory_usage() >= requested);
  CHECK(a.memory_usage() <= requested + requested / 2 + 4 * 4096 + 8192);
}

TEST_CASE("concurrent_arena: a large request gets its own block and keeps the shard's block") {
  kv::concurrent_arena a(4096, 1);
  char* small1 = a.allocate(8);
  const std::size_t before = a.memory_usage();
  (void)a.allocate(100000);
  CHECK(a.memory_usage() >= before + 100000);
  CHECK(a.allocate(8) == small1 + 8);
}

TEST_CASE("concurrent_arena: threads allocating at once never get overlapping memory") {
  constexpr int k_threads = 4;
  constexpr int k_per_thread = 5000;
  kv::concurrent_arena a(8192);
  std::vector<std::vector<std::pair<char*, std::size_t>>> got(k_threads);
  std::vector<std::thread> ts;
  for (int t = 0; t < k_threads; ++t) {
    ts.emplace_back([&, t] {
      std::mt19937 rng(static_cast<unsigned>(t));
      for (int i = 0; i < k_per_thread; ++i) {
        const std::size_t n = 1 + rng() % (i % 500 == 0 ? 4000 : 120);
        char* p = a.allocate_aligned(n, 8);
        std::memset(p, t + 1, n);
        got[t].emplace_back(p, n);
      }
    });
  }
  for (auto& t : ts) t.join();
  std::size_t requested = 0;
  for (int t = 0; t < k_threads; ++t) {
    for (const auto& [p, n] : got[t]) {
      requested += n;
      for (std::size_t j = 0; j < n; ++j) REQUIRE(p[j] == t + 1);
    }
  }
  CHECK(a.memory_usage() >= requested);
}
