#include <jadekv/core/arena.hpp>
#include <jadekv/core/block_recycler.hpp>
#include <jadekv/core/concurrent_arena.hpp>
#include <jadekv/io/huge_pages.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <set>
#include <thread>
#include <vector>

namespace kv = jadekv;

namespace {

// The start of every block an arena took: the first allocation of each
// block-sized step, as the arena hands out a fresh block's first byte first.
std::set<char*> fill(kv::arena& a, std::size_t bytes, std::size_t step) {
  std::set<char*> firsts;
  char* last = nullptr;
  for (std::size_t used = 0; used < bytes; used += step) {
    char* p = a.allocate(step);
    std::memset(p, 0x5a, step);
    if (last == nullptr || p != last + step) firsts.insert(p);
    last = p;
  }
  return firsts;
}

}  // namespace

TEST_CASE("block_recycler: take gives back a kept block of exactly that size, once") {
  auto r = std::make_shared<kv::block_recycler>(1 << 20);
  CHECK(r->take(4096) == nullptr);
  char* a = kv::block_recycler::new_block(4096);
  char* b = kv::block_recycler::new_block(8192);
  r->give(a, 4096);
  r->give(b, 8192);
  CHECK(r->kept_bytes() == 4096 + 8192);
  CHECK(r->take(16384) == nullptr);
  CHECK(r->take(8192) == b);
  CHECK(r->take(8192) == nullptr);
  CHECK(r->take(4096) == a);
  CHECK(r->kept_bytes() == 0);
  CHECK(r->reused_bytes() == 4096 + 8192);
  kv::block_recycler::delete_block(a, 4096);
  kv::block_recycler::delete_block(b, 8192);
}

TEST_CASE("block_recycler: keeps no more than max_bytes; the rest is freed") {
  kv::block_recycler r(3 * 4096);
  for (int i = 0; i < 5; ++i) r.give(kv::block_recycler::new_block(4096), 4096);
  CHECK(r.kept_bytes() == 3 * 4096);
  int taken = 0;
  std::vector<char*> got;
  while (char* p = r.take(4096)) {
    got.push_back(p);
    ++taken;
  }
  CHECK(taken == 3);
  for (char* p : got) kv::block_recycler::delete_block(p, 4096);
  // ASan (CI) reports the two blocks give() freed if it had not.
}

TEST_CASE("arena with a recycler: the next arena reuses the blocks of the one that died") {
  auto r = std::make_shared<kv::block_recycler>(std::size_t{64} << 20);
  std::set<char*> first_blocks;
  std::size_t first_usage = 0;
  {
    kv::arena a(4096, r);
    first_blocks = fill(a, std::size_t{40} << 20, 100);  // grows to 2 MiB blocks
    first_usage = a.memory_usage();
  }
  CHECK(r->reused_bytes() == 0);
  CHECK(r->kept_bytes() > (std::size_t{40} << 20));
  kv::arena b(4096, r);
  const std::set<char*> second_blocks = fill(b, std::size_t{40} << 20, 100);
  CHECK(b.memory_usage() == first_usage);  // accounting as without recycling
  CHECK(second_blocks == first_blocks);    // the same growth takes the same blocks
  CHECK(r->reused_bytes() > (std::size_t{40} << 20));
  CHECK(r->kept_bytes() < (std::size_t{1} << 20));
  const std::size_t huge = static_cast<std::size_t>(std::count_if(second_blocks.begin(), second_blocks.end(), [](char* p) {
    return reinterpret_cast<std::uintptr_t>(p) % kv::io::k_huge_page_size == 0;
  }));
  CHECK(huge >= 4);  // the 2 MiB blocks kept their alignment (arena invariant 4)
}

TEST_CASE("arena with a full recycler frees what it cannot keep") {
  auto r = std::make_shared<kv::block_recycler>(8192);
  {
    kv::arena a(4096, r);
    (void)fill(a, 64 * 1024, 64);
  }
  CHECK(r->kept_bytes() <= 8192);
}

TEST_CASE("concurrent_arena: threads recycling through one recycler never share a block") {
  auto r = std::make_shared<kv::block_recycler>(std::size_t{8} << 20);
  std::vector<std::thread> ts;
  for (int t = 0; t < 4; ++t) {
    ts.emplace_back([r, t] {
      for (int round = 0; round < 20; ++round) {
        kv::concurrent_arena a(4096, 2, r);
        std::vector<char*> got;
        for (int i = 0; i < 2000; ++i) {
          char* p = a.allocate(64);
          std::memset(p, t * 20 + round, 64);
          got.push_back(p);
        }
        for (char* p : got) REQUIRE(static_cast<unsigned char>(p[63]) == t * 20 + round);
      }
    });
  }
  for (std::thread& t : ts) t.join();
  CHECK(r->reused_bytes() > 0);
  CHECK(r->kept_bytes() <= r->max_bytes());
}
