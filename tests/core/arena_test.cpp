#include <jadekv/core/arena.hpp>

#include <doctest/doctest.h>

#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

namespace kv = jadekv;

TEST_CASE("arena allocations are distinct, stable and counted") {
  kv::arena a(4096);
  CHECK(a.memory_usage() == 0);
  std::mt19937 rng(1);
  std::vector<std::pair<char*, std::size_t>> got;
  std::size_t requested = 0;
  for (int i = 0; i < 2000; ++i) {
    const std::size_t n = 1 + rng() % (i % 50 == 0 ? 6000 : 200);
    char* p = (i % 3 == 0) ? a.allocate_aligned(n) : a.allocate(n);
    std::memset(p, i & 0xff, n);
    got.emplace_back(p, n);
    requested += n;
  }
  for (std::size_t i = 0; i < got.size(); ++i) {
    const auto [p, n] = got[i];
    for (std::size_t j = 0; j < n; ++j) REQUIRE(static_cast<unsigned char>(p[j]) == (i & 0xff));
  }
  CHECK(a.memory_usage() >= requested);
  // Waste is bounded: a quarter block per retired block plus the block table.
  CHECK(a.memory_usage() <= requested + requested / 2 + 2 * 4096);
}

TEST_CASE("arena aligned allocation honours alignment") {
  kv::arena a(1024);
  (void)a.allocate(1);
  for (std::size_t align : {std::size_t{1}, std::size_t{2}, std::size_t{4}, std::size_t{8}, std::size_t{16}}) {
    char* p = a.allocate_aligned(3, align);
    CHECK(reinterpret_cast<std::uintptr_t>(p) % align == 0);
    (void)a.allocate(1);
  }
}

TEST_CASE("arena large allocations get their own block and keep the current one") {
  kv::arena a(4096);
  char* small1 = a.allocate(10);
  const std::size_t after_first = a.memory_usage();
  char* big = a.allocate(100000);
  CHECK(a.memory_usage() >= after_first + 100000);
  char* small2 = a.allocate(10);
  CHECK(small2 == small1 + 10);  // still bumping in the first block
  (void)big;
}

TEST_CASE("arena blocks grow with the arena up to huge pages, aligned to them") {
  kv::arena a(4096);
  CHECK(a.next_block_size() == 4096);  // empty: the configured size
  std::size_t requested = 0;
  while (a.memory_usage() < 64 * kv::io::k_huge_page_size) {
    (void)a.allocate(100);
    requested += 100;
  }
  // Grown to the cap, never past it, and a block that size starts on a huge-page boundary.
  CHECK(a.next_block_size() == kv::io::k_huge_page_size);
  char* block = a.new_block(a.next_block_size());
  CHECK(reinterpret_cast<std::uintptr_t>(block) % kv::io::k_huge_page_size == 0);
  // Growth by at most a sixteenth of the arena: the unused tail stays small.
  CHECK(a.memory_usage() - requested <= requested / 16 + 2 * kv::io::k_huge_page_size);
}

TEST_CASE("arena of a small table stays in small blocks") {
  kv::arena a(4096);
  for (int i = 0; i < 200; ++i) (void)a.allocate(100);  // 20 KB: ~5 blocks
  CHECK(a.next_block_size() == 4096);
  CHECK(a.memory_usage() < 32 * 1024);
}

TEST_CASE("arena configured with huge blocks keeps them") {
  kv::arena a(2 * kv::io::k_huge_page_size);
  CHECK(a.next_block_size() == 2 * kv::io::k_huge_page_size);
  char* p = a.allocate(10);
  CHECK(reinterpret_cast<std::uintptr_t>(p) % kv::io::k_huge_page_size == 0);
}

TEST_CASE("arena blocks stop growing at the given maximum") {
  kv::arena capped(4096, {}, 16384);
  kv::arena fixed(4096, {}, 4096);
  kv::arena below(8192, {}, 1024);  // a maximum under the block size: the block size
  std::size_t requested = 0;
  while (capped.memory_usage() < 4 * 1024 * 1024) {
    (void)capped.allocate(64);  // divides every block size: no block ends in a gap
    (void)fixed.allocate(64);
    (void)below.allocate(64);
    requested += 64;
  }
  CHECK(capped.next_block_size() == 16384);
  CHECK(fixed.next_block_size() == 4096);
  CHECK(below.next_block_size() == 8192);
  // Blocks of 16 KB at most: the unused tail is under one, plus the block
  // table (16 bytes a block, capacity at most twice the count).
  const std::size_t table = 2 * (requested / 4096 + 1) * 16;
  CHECK(capped.memory_usage() - requested < 16384 + table);
}
