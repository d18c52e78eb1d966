// index::bptree with readers beside the flush thread (run under TSan): two
// threads get and scan (both ways, with bounds) while commits rewrite,
// split, merge and free pages, and one compaction swaps the file. Every
// answer must be one some commit could give: stable keys are always there
// with a value that names its key, scans are ordered, nothing is torn.
#include <jadekv/index/bptree.hpp>

#include <doctest/doctest.h>

#include <atomic>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "bptree_env.hpp"

namespace {

using namespace bptree_test;

// A value that names its key and the round that wrote it; long ones spill
// to overflow pages.
std::string tagged(const std::string& key, int round) {
  std::string v = key + "@" + std::to_string(round) + "|";
  v.append(static_cast<std::size_t>(round % 5 == 0 ? 700 : round % 30), 'x');
  return v;
}

bool names(std::string_view value, std::string_view key) {
  return value.size() > key.size() && value.substr(0, key.size()) == key && value[key.size()] == '@';
}

TEST_CASE("bptree concurrency: readers get and scan while commits run") {
  auto fs = std::make_shared<io::memory_fs>();
  options_t o = small_pages();
  o.cache_bytes = 16 << 10;  // small: pages come and go from the pool
  auto s = open_store(fs, o);
  writer w;
  for (int i = 0; i < 200; i += 2) w.put(key_of(i), tagged(key_of(i), 0));  // even keys: stable
  REQUIRE(w.flush(*s).ok());

  std::atomic<bool> done{false};
  std::atomic<int> failures{0};
  std::atomic<int> reads{0};
  auto reader = [&](unsigned seed) {
    std::mt19937 rng(seed);
    std::string v;
    kv::sequence_number last_seen = 0;
    while (!done.load(std::memory_order_acquire)) {
      const kv::sequence_number f = s->flushed_sequence();
      if (f < last_seen) ++failures;
      last_seen = f;
      const int k = static_cast<int>(rng() % 200);
      const auto st = s->get(key_of(k), kv::k_max_sequence, v, {});
      if (k % 2 == 0 && !(st.ok() && names(v, key_of(k)))) ++failures;
      if (k % 2 == 1 && !(st.is_not_found() || (st.ok() && names(v, key_of(k))))) ++failures;
      kv::read_options ro;
      ro.lower_bound = key_of(k);
      ro.upper_bound = key_of(k + 40);
      auto c = cursor_of(*s, ro);
      int evens = 0;
      std::string prev;
      const bool forward = rng() % 2 == 0;
      for (forward ? c->seek_to_first() : c->seek_to_last(); c->valid(); forward ? c->next() : c->prev()) {
        const std::string key(c->user_key());
        if (!names(c->value(), key)) ++failures;
        if (!prev.empty() && (forward ? prev >= key : prev <= key)) ++failures;
        if ((key.back() - '0') % 2 == 0) ++evens;
        prev = key;
      }
      int want = 0;
      for (int i = k; i < std::min(k + 40, 200); ++i) want += i % 2 == 0 ? 1 : 0;
      if (!c->status().ok() || evens != want) ++failures;
      ++reads;
    }
  };
  std::thread r1(reader, 1), r2(reader, 2);
  std::mt19937 rng(3);
  for (int round = 1; round <= 150; ++round) {
    for (int j = 0; j < 40; ++j) {
      const int k = static_cast<int>(rng() % 200);
      if (k % 2 == 0) w.put(key_of(k), tagged(key_of(k), round));
      else if (rng() % 2 == 0) w.put(key_of(k), tagged(key_of(k), round));
      else w.erase(key_of(k));
    }
    // Let the readers in between commits, whatever the scheduler does.
    for (const int seen = reads.load(); reads.load() < seen + 4;) std::this_thread::yield();
    REQUIRE(w.flush(*s).ok());
    if (round == 75) REQUIRE(s->compact().ok());
    if (round % 10 == 0) REQUIRE(s->check().ok());
    kv::stats st;
    s->add_stats(st);
  }
  done.store(true, std::memory_order_release);
  r1.join();
  r2.join();
  CHECK(failures.load() == 0);
  REQUIRE(s->check().ok());
  expect_model(*s, w.state);
}

TEST_CASE("bptree concurrency: a pinned reader keeps its commit's pages from reuse") {
  auto fs = std::make_shared<io::memory_fs>();
  auto s = open_store(fs);
  writer w;
  for (int i = 0; i < 300; ++i) w.put(key_of(i), tagged(key_of(i), 0));
  REQUIRE(w.flush(*s).ok());
  const model old = w.state;
  auto pinned = cursor_of(*s);
  pinned->seek_to_first();
  // Rewrite everything many times: without the pin the old pages would be
  // overwritten by now.
  for (int round = 1; round < 20; ++round) {
    for (int i = 0; i < 300; ++i) w.put(key_of(i), tagged(key_of(i), round));
    REQUIRE(w.flush(*s).ok());
  }
  pairs got;
  for (; pinned->valid(); pinned->next()) got.emplace_back(pinned->user_key(), pinned->value());
  REQUIRE(pinned->status().ok());
  CHECK(got == model_range(old, std::nullopt, std::nullopt));
  const auto with_pin = s->page_count();
  pinned.reset();
  for (int round = 20; round < 40; ++round) {
    for (int i = 0; i < 300; ++i) w.put(key_of(i), tagged(key_of(i), round));
    REQUIRE(w.flush(*s).ok());
  }
  CHECK(s->page_count() <= with_pin);  // the released pages were reused
  REQUIRE(s->check().ok());
  expect_model(*s, w.state);
}

}  // namespace
