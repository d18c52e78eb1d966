// cache::lru: the byte budget, eviction order, hit and miss counts, values
// outliving eviction, and two threads looking up and inserting at once (TSan).
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <list>
#include <random>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "jadekv/cache/lru.hpp"

namespace {
using cache_t = jadekv::cache::lru<int, std::string>;
std::shared_ptr<const std::string> val(std::string s) { return std::make_shared<const std::string>(std::move(s)); }
}  // namespace

TEST_CASE("lru: lookup finds what insert put; misses are null") {
  cache_t c(100, 0);
  CHECK(c.lookup(1) == nullptr);
  auto v = c.insert(1, val("one"), 10);
  REQUIRE(v);
  auto got = c.lookup(1);
  REQUIRE(got);
  CHECK(*got == "one");
  CHECK(c.hits() == 1);
  CHECK(c.misses() == 1);
  CHECK(c.usage() == 10);
  CHECK(c.size() == 1);
  c.insert(1, val("uno"), 30);  // replaces, charge updated
  CHECK(*c.lookup(1) == "uno");
  CHECK(c.usage() == 30);
  CHECK(c.size() == 1);
  c.erase(1);
  CHECK(c.lookup(1) == nullptr);
  CHECK(c.usage() == 0);
  c.erase(42);  // absent: nothing happens
  CHECK(c.hits() == 2);
  CHECK(c.misses() == 2);
}

TEST_CASE("lru: the byte budget is respected and the least recently used go first") {
  cache_t c(100, 0);
  for (int i = 0; i < 4; ++i) c.insert(i, val(std::to_string(i)), 25);
  CHECK(c.usage() == 100);
  REQUIRE(c.lookup(0));  // 0 becomes the most recently used; 1 is now the oldest
  c.insert(4, val("4"), 25);
  CHECK(c.usage() == 100);
  CHECK(c.lookup(1) == nullptr);
  CHECK(c.lookup(0) != nullptr);
  c.insert(5, val("5"), 50);  // evicts 2 and 3 (the two oldest)
  CHECK(c.usage() <= 100);
  CHECK(c.lookup(2) == nullptr);
  CHECK(c.lookup(3) == nullptr);
  CHECK(c.lookup(0) != nullptr);
  CHECK(c.lookup(4) != nullptr);
  CHECK(c.lookup(5) != nullptr);
  CHECK(c.evictions() == 3);
  // Larger than the whole budget: not cached, but handed back.
  auto huge = c.insert(6, val("huge"), 101);
  REQUIRE(huge);
  CHECK(*huge == "huge");
  CHECK(c.lookup(6) == nullptr);
  CHECK(c.usage() <= 100);
  c.clear();
  CHECK(c.usage() == 0);
  CHECK(c.size() == 0);
}

TEST_CASE("lru: an evicted value lives on for its holders") {
  cache_t c(10, 0);
  auto held = c.insert(1, val("kept"), 10);
  c.insert(2, val("new"), 10);
  CHECK(c.lookup(1) == nullptr);
  CHECK(*held == "kept");
}

TEST_CASE("lru: shards split the budget and never exceed it together") {
  cache_t c(1000, 3);
  for (int i = 0; i < 10000; ++i) {
    c.insert(i, val("x"), static_cast<std::size_t>(1 + i % 17));
    if (i % 97 == 0) REQUIRE(c.usage() <= 1000);
  }
  CHECK(c.usage() <= 1000);
  CHECK(c.usage() > 500);  // most of the budget in use
  CHECK(c.capacity() == 1000);
}

TEST_CASE("lru: two threads looking up and inserting concurrently") {
  cache_t c(5000, 2);
  std::atomic<int> bad{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 20000; ++i) {
        const int k = (i * 31 + t * 7) % 700;
        if (auto v = c.lookup(k)) {
          if (*v != std::to_string(k)) ++bad;
        } else {
          c.insert(k, val(std::to_string(k)), 10);
        }
        if (i % 1000 == 0) c.erase(k);
        if (c.usage() > 5000) ++bad;
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(bad == 0);
  CHECK(c.hits() + c.misses() == 40000);
  CHECK(c.usage() <= 5000);
}

// One shard against a plain model: a recency list with charges. Checks the
// exact eviction order, the usage and every lookup's answer.
TEST_CASE("lru: random operations agree with a model LRU") {
  struct model_entry {
    int key;
    std::size_t charge;
  };
  std::mt19937 rng(1);
  cache_t c(300, 0);
  std::list<model_entry> model;  // front: most recent
  std::size_t usage = 0;
  auto find = [&](int k) { return std::find_if(model.begin(), model.end(), [k](const model_entry& e) { return e.key == k; }); };
  for (int i = 0; i < 50000; ++i) {
    const int k = static_cast<int>(rng() % 64);
    switch (rng() % 3) {
      case 0: {  // lookup
        auto v = c.lookup(k);
        auto it = find(k);
        REQUIRE((v != nullptr) == (it != model.end()));
        if (v) {
          CHECK(*v == std::to_string(k));
          model.splice(model.begin(), model, it);
        }
        break;
      }
      case 1: {  // insert
        const std::size_t charge = 1 + rng() % 40;
        c.insert(k, val(std::to_string(k)), charge);
        if (auto it = find(k); it != model.end()) {
          usage -= it->charge;
          model.erase(it);
        }
        model.push_front({k, charge});
        usage += charge;
        while (usage > 300) {
          usage -= model.back().charge;
          model.pop_back();
        }
        break;
      }
      default: {  // erase
        c.erase(k);
        if (auto it = find(k); it != model.end()) {
          usage -= it->charge;
          model.erase(it);
        }
      }
    }
    REQUIRE(c.usage() == usage);
    REQUIRE(c.size() == model.size());
  }
}

TEST_CASE("lru: many entries in one shard (the table grows) and values freed on destruction") {
  auto probe = val("probe");
  {
    cache_t c(1 << 20, 0);
    for (int i = 0; i < 5000; ++i) c.insert(i, i == 4321 ? probe : val(std::to_string(i)), 1);
    CHECK(c.size() == 5000);
    for (int i = 0; i < 5000; ++i) REQUIRE(c.lookup(i));
    CHECK(probe.use_count() == 2);
  }
  CHECK(probe.use_count() == 1);
}
