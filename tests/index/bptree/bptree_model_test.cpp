// index::bptree against a std::map model: many flushes over small pages so
// splits, merges and overflow pages happen all the time, reopens between
// flushes, bounded scans both ways and check() after every commit; deletes
// that empty the tree give the pages back; churn reuses free pages instead
// of growing the file; compact() shrinks the file and keeps the content.
#include <jadekv/index/bptree.hpp>

#include <doctest/doctest.h>

#include <memory>
#include <random>
#include <string>
#include <vector>

#include "bptree_env.hpp"

namespace {

using namespace bptree_test;

std::vector<std::string> probe_keys(int n) {
  std::vector<std::string> out;
  for (int i = -1; i <= n; ++i) out.push_back(key_of(i));
  out.emplace_back("");
  out.emplace_back("zzz");
  return out;
}

void check_bounds(const store_t& s, const model& m, std::mt19937& rng, int key_space) {
  for (int q = 0; q < 4; ++q) {
    kv::read_options ro;
    const int a = static_cast<int>(rng() % static_cast<unsigned>(key_space + 2)) - 1;
    const int b = a + static_cast<int>(rng() % 60);
    if (rng() % 4 != 0) ro.lower_bound = key_of(a);
    if (rng() % 4 != 0) ro.upper_bound = key_of(b);
    const pairs want = model_range(m, ro.lower_bound, ro.upper_bound);
    REQUIRE(scan_forward(s, ro) == want);
    REQUIRE(scan_backward(s, ro) == want);
  }
}

void model_run(std::size_t page_size, unsigned seed) {
  auto fs = std::make_shared<io::memory_fs>();
  std::mt19937 rng(seed);
  const int key_space = 1500;
  writer w;
  auto s = open_store(fs, small_pages(page_size));
  for (int round = 0; round < 60; ++round) {
    // Mostly small batches (a few leaves touched), sometimes a big one;
    // phases that lean to erasing so the tree shrinks and grows again.
    const int n = round % 10 == 3 ? 1200 : static_cast<int>(rng() % 120) + 1;
    const unsigned erase_pct = (round / 10) % 2 == 1 ? 70 : 25;
    for (int i = 0; i < n; ++i) {
      const int k = static_cast<int>(rng() % key_space);
      if (rng() % 100 < erase_pct) w.erase(key_of(k));
      else w.put(key_of(k), value_of(k, round));
    }
    REQUIRE(w.flush(*s).ok());
    REQUIRE_MESSAGE(s->check().ok(), s->check().to_string());
    CHECK(s->flushed_sequence() == w.seq);
    if (round % 7 == 0) {
      s.reset();
      s = open_store(fs, small_pages(page_size));
      REQUIRE(s->check().ok());
    }
    if (round % 5 == 0) expect_model(*s, w.state, probe_keys(key_space));
    check_bounds(*s, w.state, rng, key_space);
  }
  expect_model(*s, w.state, probe_keys(key_space));
}

TEST_CASE("bptree model: 512-byte pages") { model_run(512, 1); }
TEST_CASE("bptree model: 1024-byte pages") { model_run(1024, 2); }
TEST_CASE("bptree model: 4096-byte pages") { model_run(4096, 3); }

TEST_CASE("bptree model: deleting every key empties the tree and gives the pages back") {
  auto fs = std::make_shared<io::memory_fs>();
  auto s = open_store(fs);
  writer w;
  for (int i = 0; i < 3000; ++i) w.put(key_of(i), value_of(i, 4));
  REQUIRE(w.flush(*s).ok());
  const auto full = s->page_count();
  CHECK(full > 100);
  CHECK(s->check().ok());
  // Erase in a few batches, from both ends and the middle.
  for (int part = 0; part < 3; ++part) {
    for (int i = part; i < 3000; i += 3) w.erase(key_of(i));
    REQUIRE(w.flush(*s).ok());
    REQUIRE(s->check().ok());
    expect_model(*s, w.state);
  }
  CHECK(s->entries() == 0);
  // The pages a commit frees are reusable from the next commit on, and
  // free pages at the end of the file are cut off; each commit's free list
  // run moves to the front.
  vector_iterator none({});
  for (int i = 0; i < 4; ++i) {
    REQUIRE(s->flush(none, w.seq, w.seq).ok());
    REQUIRE(s->check().ok());
  }
  CHECK(s->page_count() <= 6);
  CHECK(*fs->file_size("/db/data.jkb") == s->page_count() * 512);
  s.reset();
  s = open_store(fs);
  CHECK(s->entries() == 0);
  CHECK(scan_forward(*s).empty());
  CHECK(s->check().ok());
}

TEST_CASE("bptree model: deletes shrink the live tree; refilling reuses the freed pages") {
  auto fs = std::make_shared<io::memory_fs>();
  auto s = open_store(fs);
  writer w;
  for (int i = 0; i < 4000; ++i) w.put(key_of(i), "v");
  REQUIRE(w.flush(*s).ok());
  const auto full = s->page_count();
  for (int i = 0; i < 4000; ++i) {
    if (i % 50 != 0) w.erase(key_of(i));
  }
  REQUIRE(w.flush(*s).ok());
  vector_iterator none({});
  REQUIRE(s->flush(none, w.seq, w.seq).ok());
  REQUIRE(s->check().ok());
  expect_model(*s, w.state);
  // 80 small keys fit in a handful of 512-byte pages once merged (plus the
  // metas and the free list run).
  CHECK(s->page_count() - s->free_pages() < 16);
  const auto after_deletes = s->page_count();
  for (int i = 0; i < 4000; ++i) w.put(key_of(i), "w");
  REQUIRE(w.flush(*s).ok());
  REQUIRE(s->check().ok());
  expect_model(*s, w.state);
  CHECK(s->page_count() < after_deletes + full / 4);
}

TEST_CASE("bptree model: churn reuses free pages instead of growing the file") {
  auto fs = std::make_shared<io::memory_fs>();
  auto s = open_store(fs);
  writer w;
  std::mt19937 rng(7);
  std::uint64_t peak_after_warmup = 0;
  for (int round = 0; round < 120; ++round) {
    for (int i = 0; i < 80; ++i) {
      const int k = static_cast<int>(rng() % 800);
      if (rng() % 2 == 0) w.put(key_of(k), value_of(k, round));
      else w.erase(key_of(k));
    }
    REQUIRE(w.flush(*s).ok());
    if (round == 40) peak_after_warmup = s->page_count();
    if (round > 40) CHECK(s->page_count() <= peak_after_warmup * 3 / 2);
  }
  REQUIRE(s->check().ok());
  expect_model(*s, w.state);
}

TEST_CASE("bptree model: appending in order leaves full pages") {
  auto fs = std::make_shared<io::memory_fs>();
  options_t o;
  o.page_size = 4096;
  auto s = open_store(fs, o);
  writer w;
  for (int batch = 0; batch < 10; ++batch) {
    for (int i = 0; i < 1000; ++i) w.put(key_of(batch * 1000 + i), std::string(100, 'v'));
    REQUIRE(w.flush(*s).ok());
  }
  REQUIRE(s->check().ok());
  // 10000 cells of ~116 bytes: about 35 per 4 KiB leaf when pages are full.
  const double raw = 10000.0 * (2 + 1 + 7 + 1 + 1 + 2 + 100);
  CHECK(static_cast<double>(s->page_count() - s->free_pages()) * 4096 < raw * 1.2);
}

TEST_CASE("bptree model: compact() rewrites the live tree into a smaller file") {
  auto fs = std::make_shared<io::memory_fs>();
  auto s = open_store(fs);
  writer w;
  for (int i = 0; i < 3000; ++i) w.put(key_of(i), value_of(i, 5));
  REQUIRE(w.flush(*s).ok());
  for (int i = 0; i < 3000; ++i) {
    if (i % 10 != 0) w.erase(key_of(i));
  }
  REQUIRE(w.flush(*s).ok());
  auto reader = cursor_of(*s);  // a reader of the old file survives the swap
  reader->seek_to_first();
  const auto before = *fs->file_size("/db/data.jkb");
  REQUIRE(s->compact().ok());
  const auto after = *fs->file_size("/db/data.jkb");
  CHECK(after < before / 3);
  REQUIRE(s->check().ok());
  expect_model(*s, w.state);
  int n = 0;
  for (; reader->valid(); reader->next()) ++n;
  CHECK(reader->status().ok());
  CHECK(n == static_cast<int>(w.state.size()));
  reader.reset();
  kv::stats st;
  s->add_stats(st);
  CHECK(st.compactions == 1);
  // Later commits go to the new file, and it reopens.
  for (int i = 0; i < 500; ++i) w.put(key_of(i * 7), value_of(i, 6));
  REQUIRE(w.flush(*s).ok());
  REQUIRE(s->check().ok());
  s.reset();
  s = open_store(fs);
  REQUIRE(s->check().ok());
  expect_model(*s, w.state);
  CHECK_FALSE(*fs->exists("/db/data.jkb.tmp"));
}

TEST_CASE("bptree model: compacting an empty store") {
  auto fs = std::make_shared<io::memory_fs>();
  auto s = open_store(fs);
  REQUIRE(s->compact().ok());
  CHECK(s->check().ok());
  writer w;
  w.put("a", "1");
  REQUIRE(w.flush(*s).ok());
  expect_model(*s, w.state);
}

}  // namespace
