// index::bptree store basics: open/create, flush and read back, reopen,
// options and their validation, the file's page size winning, comparator
// mismatch, oversized keys, seek semantics and bounds, stats.
#include <jadekv/index/bptree.hpp>

#include <doctest/doctest.h>

#include <memory>
#include <string>

#include "bptree_env.hpp"

namespace {

using namespace bptree_test;

TEST_CASE("bptree: a new store is empty and consistent") {
  auto fs = std::make_shared<io::memory_fs>();
  auto s = open_store(fs);
  std::string v;
  CHECK(s->get("a", kv::k_max_sequence, v, {}).is_not_found());
  CHECK(scan_forward(*s).empty());
  CHECK(scan_backward(*s).empty());
  CHECK(s->flushed_sequence() == 0);
  CHECK(s->check().ok());
  CHECK(*fs->exists("/db/data.jkb"));
  CHECK(s->close().ok());
  CHECK(s->close().ok());
}

TEST_CASE("bptree: flushed entries read back, also after a reopen") {
  auto fs = std::make_shared<io::memory_fs>();
  writer w;
  {
    auto s = open_store(fs);
    w.put("b", "2");
    w.put("a", "1");
    w.put("c", "3");
    w.put("a", "1bis");  // the newer version wins
    REQUIRE(w.flush(*s).ok());
    CHECK(s->flushed_sequence() == 4);
    expect_model(*s, w.state, {"0", "aa", "d"});
    w.erase("b");
    w.erase("zz");  // absent: nothing to remove
    REQUIRE(w.flush(*s).ok());
    expect_model(*s, w.state, {"b"});
    CHECK(s->check().ok());
  }
  auto s = open_store(fs);
  CHECK(s->flushed_sequence() == 6);
  expect_model(*s, w.state, {"b", "zz"});
  CHECK(s->check().ok());
}

TEST_CASE("bptree: an empty flush still records the flushed sequence") {
  auto fs = std::make_shared<io::memory_fs>();
  {
    auto s = open_store(fs);
    vector_iterator none({});
    REQUIRE(s->flush(none, 42, 42).ok());
    CHECK(s->flushed_sequence() == 42);
  }
  CHECK(open_store(fs)->flushed_sequence() == 42);
}

TEST_CASE("bptree: a version newer than the read sequence hides the key") {
  auto fs = std::make_shared<io::memory_fs>();
  auto s = open_store(fs);
  vector_iterator it({{"k", 10, kv::value_kind::put, "v"}});
  REQUIRE(s->flush(it, 10, 10).ok());
  std::string v;
  CHECK(s->get("k", 10, v, {}).ok());
  CHECK(v == "v");
  CHECK(s->get("k", 9, v, {}).is_not_found());
}

TEST_CASE("bptree: invalid options are refused at open") {
  auto fs = std::make_shared<io::memory_fs>();
  for (std::size_t p : {0u, 256u, 1000u, 4095u, 131072u}) {
    options_t o;
    o.page_size = p;
    auto r = store_t::open(fs, k_dir, o, {});
    REQUIRE_FALSE(r.has_value());
    CHECK(r.status().is_invalid_argument());
  }
  options_t o;
  o.fill_percent = 0.2;
  CHECK(store_t::open(fs, k_dir, o, {}).status().is_invalid_argument());
  CHECK_FALSE(*fs->exists("/db/data.jkb"));
  for (std::size_t p : {512u, 1024u, 4096u, 65536u}) {
    auto mfs = std::make_shared<io::memory_fs>();
    options_t ok;
    ok.page_size = p;
    auto s = open_store(mfs, ok);
    CHECK(s->page_size() == p);
  }
}

TEST_CASE("bptree: an existing file keeps its page size") {
  auto fs = std::make_shared<io::memory_fs>();
  writer w;
  {
    auto s = open_store(fs, small_pages(1024));
    for (int i = 0; i < 200; ++i) w.put(key_of(i), value_of(i, 0));
    REQUIRE(w.flush(*s).ok());
  }
  auto s = open_store(fs, small_pages(8192));
  CHECK(s->page_size() == 1024);
  expect_model(*s, w.state);
  CHECK(s->check().ok());
}

struct reversed_order {
  static constexpr std::string_view name() { return "test.reversed"; }
  int compare(std::string_view a, std::string_view b) const { return -kv::bytewise_comparator{}.compare(a, b); }
};

TEST_CASE("bptree: a file written with another comparator is refused") {
  auto fs = std::make_shared<io::memory_fs>();
  { auto s = open_store(fs); }
  auto r = policy_t::store<reversed_order>::open(fs, k_dir, small_pages(), {});
  REQUIRE_FALSE(r.has_value());
  CHECK(r.status().is_invalid_argument());
  CHECK(r.status().message().find("jadekv.bytewise") != std::string::npos);
}

TEST_CASE("bptree: a custom comparator orders the tree") {
  auto fs = std::make_shared<io::memory_fs>();
  auto r = policy_t::store<reversed_order>::open(fs, k_dir, small_pages(), {});
  REQUIRE(r.has_value());
  auto& s = **r;
  std::vector<entry> es;
  for (int i = 0; i < 300; ++i) es.push_back({key_of(i), static_cast<kv::sequence_number>(i + 1), kv::value_kind::put, "v"});
  std::sort(es.begin(), es.end(), [](const entry& a, const entry& b) { return a.key > b.key; });
  struct rev_iter final : kv::detail::internal_iterator {
    std::vector<entry>* es;
    std::size_t i = 0;
    bool valid() const override { return i < es->size(); }
    void seek_to_first() override { i = 0; }
    void seek_to_last() override { i = es->size() - 1; }
    void seek(std::string_view, kv::sequence_number) override { i = 0; }
    void next() override { ++i; }
    void prev() override { i = i == 0 ? es->size() : i - 1; }
    std::string_view user_key() const override { return (*es)[i].key; }
    kv::sequence_number seq() const override { return (*es)[i].seq; }
    kv::value_kind kind() const override { return (*es)[i].kind; }
    std::string_view value() const override { return (*es)[i].value; }
  } it;
  it.es = &es;
  REQUIRE(s.flush(it, 300, 300).ok());
  CHECK(s.check().ok());
  std::vector<std::unique_ptr<kv::detail::internal_iterator>> src;
  s.add_sources(src, {});
  std::vector<std::string> seen;
  for (src[0]->seek_to_first(); src[0]->valid(); src[0]->next()) seen.emplace_back(src[0]->user_key());
  REQUIRE(seen.size() == 300);
  CHECK(seen.front() == key_of(299));
  CHECK(seen.back() == key_of(0));
}

TEST_CASE("bptree: a key too long for the page size fails the flush and commits nothing") {
  auto fs = std::make_shared<io::memory_fs>();
  auto s = open_store(fs);
  writer w;
  w.put("fine", "1");
  w.put(std::string(kv::index::detail::bptree::max_key_size(512) + 1, 'x'), "2");
  auto st = w.flush(*s);
  CHECK(st.is_invalid_argument());
  CHECK(s->flushed_sequence() == 0);
  std::string v;
  CHECK(s->get("fine", kv::k_max_sequence, v, {}).is_not_found());
  writer ok;
  ok.put(std::string(kv::index::detail::bptree::max_key_size(512), 'y'), std::string(3000, 'z'));
  REQUIRE(ok.flush(*s).ok());
  expect_model(*s, ok.state);
  CHECK(s->check().ok());
}

TEST_CASE("bptree: seek lands on the first entry at or after (key, seq), within bounds") {
  auto fs = std::make_shared<io::memory_fs>();
  auto s = open_store(fs);
  writer w;
  for (int i = 0; i < 400; i += 2) w.put(key_of(i), value_of(i, 1));
  REQUIRE(w.flush(*s).ok());
  auto it = cursor_of(*s);
  it->seek(key_of(101), kv::k_max_sequence);
  REQUIRE(it->valid());
  CHECK(it->user_key() == key_of(102));
  it->prev();
  REQUIRE(it->valid());
  CHECK(it->user_key() == key_of(100));
  // key_of(100) was written with seq 51: a seek at an older sequence passes it.
  it->seek(key_of(100), 50);
  REQUIRE(it->valid());
  CHECK(it->user_key() == key_of(102));
  it->seek(key_of(100), 51);
  REQUIRE(it->valid());
  CHECK(it->user_key() == key_of(100));
  CHECK(it->seq() == 51);
  CHECK(it->kind() == kv::value_kind::put);
  it->seek("zzz", kv::k_max_sequence);
  CHECK_FALSE(it->valid());
  it->seek("", kv::k_max_sequence);
  REQUIRE(it->valid());
  CHECK(it->user_key() == key_of(0));
  it->prev();
  CHECK_FALSE(it->valid());
  CHECK(it->status().ok());

  for (auto [lo, hi] : {std::pair{50, 77}, std::pair{-1, 10}, std::pair{390, 999}, std::pair{120, 121}, std::pair{7, 7}}) {
    kv::read_options ro;
    if (lo >= 0) ro.lower_bound = key_of(lo);
    if (hi < 999) ro.upper_bound = key_of(hi);
    const pairs want = model_range(w.state, ro.lower_bound, ro.upper_bound);
    CHECK(scan_forward(*s, ro) == want);
    CHECK(scan_backward(*s, ro) == want);
    auto b = cursor_of(*s, ro);
    b->seek("", 0);  // below the lower bound: lands on it
    if (want.empty()) {
      CHECK_FALSE(b->valid());
    } else {
      REQUIRE(b->valid());
      CHECK(b->user_key() == want.front().first);
    }
  }
}

TEST_CASE("bptree: stats count the pool and the file") {
  auto fs = std::make_shared<io::memory_fs>();
  auto s = open_store(fs);
  writer w;
  for (int i = 0; i < 500; ++i) w.put(key_of(i), value_of(i, 2));
  REQUIRE(w.flush(*s).ok());
  std::string v;
  for (int r = 0; r < 2; ++r) {
    for (int i = 0; i < 500; ++i) REQUIRE(s->get(key_of(i), kv::k_max_sequence, v, {}).ok());
  }
  kv::stats st;
  s->add_stats(st);
  CHECK(st.cache_misses > 0);
  CHECK(st.cache_hits > st.cache_misses);
  CHECK(st.index_files == 1);
  CHECK(st.index_bytes == *fs->file_size("/db/data.jkb"));
  CHECK(st.index_bytes == s->page_count() * 512);
  CHECK(st.bytes_written > 0);
}

TEST_CASE("bptree: pages no reader can reach leave the pool") {
  auto fs = std::make_shared<io::memory_fs>();
  options_t o = small_pages();
  o.cache_bytes = 16 << 20;  // room for every page the file ever had
  auto s = open_store(fs, o);
  writer w;
  for (int i = 0; i < 400; ++i) w.put(key_of(i), value_of(i, 1));
  REQUIRE(w.flush(*s).ok());  // every page offered to the pool
  for (int i = 0; i < 360; ++i) w.erase(key_of(i));
  REQUIRE(w.flush(*s).ok());  // the tree shrinks: most pages pending
  for (int round = 0; round < 3; ++round) {
    w.put(key_of(399), value_of(399, round));
    REQUIRE(w.flush(*s).ok());  // nothing pinned: the pending pages become free
  }
  // The pool holds the live tree and what the last commits still keep
  // pending (free_pages() counts both pending and free pages), never a free page.
  const std::uint64_t live = s->page_count() - s->free_pages();
  MESSAGE("pool ", s->pool_bytes() / s->page_size(), " pages, live ", live, ", file ", s->page_count());
  CHECK(s->free_pages() > 20);
  CHECK(s->pool_bytes() / s->page_size() <= live + 4);
  for (int i = 360; i < 400; ++i) {
    std::string v;
    REQUIRE(s->get(key_of(i), kv::k_max_sequence, v, {}).ok());
  }
  CHECK(s->check().ok());
}

TEST_CASE("bptree: after_flush puts a flush's pages in the pool; reads with fill_cache = false leave the pool alone") {
  auto fs = std::make_shared<io::memory_fs>();
  {
    auto s = open_store(fs);
    writer w;
    for (int i = 0; i < 100; ++i) w.put(key_of(i), "v");
    vector_iterator it(w.pending);
    REQUIRE(s->flush(it, w.seq, w.seq).ok());
    CHECK(s->pool_bytes() == 0);  // not while the engine's writers may wait for the flush
    s->after_flush();
    CHECK(s->pool_bytes() >= 2 * s->page_size());  // a root and its leaves
    std::string v;
    REQUIRE(s->get(key_of(5), kv::k_max_sequence, v, {}).ok());
    kv::stats st;
    s->add_stats(st);
    CHECK(st.cache_misses == 0);  // the flush's pages were offered to the pool
    CHECK(st.cache_hits > 0);
    REQUIRE(s->close().ok());
  }
  auto s = open_store(fs);  // an empty pool
  kv::read_options ro;
  ro.fill_cache = false;
  std::string v;
  for (int r = 0; r < 3; ++r) REQUIRE(s->get(key_of(5), kv::k_max_sequence, v, ro).ok());
  kv::stats st;
  s->add_stats(st);
  CHECK(st.cache_hits == 0);
  CHECK(st.cache_misses > 0);
}

}  // namespace

namespace {

// A source that does not tell its size.
class unsized final : public kv::detail::internal_iterator {
 public:
  explicit unsized(std::vector<entry> es) : in_(std::move(es)) {}
  bool valid() const override { return in_.valid(); }
  void seek_to_first() override { in_.seek_to_first(); }
  void seek_to_last() override { in_.seek_to_last(); }
  void seek(std::string_view k, kv::sequence_number s) override { in_.seek(k, s); }
  void next() override { in_.next(); }
  void prev() override { in_.prev(); }
  std::string_view user_key() const override { return in_.user_key(); }
  kv::sequence_number seq() const override { return in_.seq(); }
  kv::value_kind kind() const override { return in_.kind(); }
  std::string_view value() const override { return in_.value(); }

 private:
  vector_iterator in_;
};

}  // namespace

TEST_CASE("bptree: a flush is commits of an eighth of its source's size, at least 4096 keys, one when the size is unknown") {
  auto s = open_store(std::make_shared<io::memory_fs>(), small_pages(4096));
  writer w;
  // 8192 keys, two versions each: 16384 entries, so commits of 4096 keys,
  // the second of them the last (no empty third when the keys run out at a
  // commit's end), with older versions dropped across the boundary.
  for (int round = 0; round < 2; ++round)
    for (int i = 0; i < 8192; ++i) w.put(key_of(i), value_of(i, round));
  const std::uint64_t tx0 = s->last_txid();
  REQUIRE(w.flush(*s).ok());
  CHECK(s->last_txid() == tx0 + 2);
  CHECK(s->entries() == 8192);
  CHECK(s->flushed_sequence() == w.seq);
  for (int i = 0; i < 8192; i += 7) {
    std::string v;
    REQUIRE(s->get(key_of(i), kv::k_max_sequence, v, {}).ok());
    CHECK(v == value_of(i, 1));
  }
  // 9000 keys of 9000 entries: commits of 4096, 4096 and 808.
  for (int i = 0; i < 9000; ++i) w.put(key_of(i), value_of(i, 2));
  const std::uint64_t tx1 = s->last_txid();
  REQUIRE(w.flush(*s).ok());
  CHECK(s->last_txid() == tx1 + 3);
  // The same through a source of unknown size: one commit.
  for (int i = 0; i < 9000; ++i) w.put(key_of(i), value_of(i, 3));
  const std::uint64_t tx2 = s->last_txid();
  unsized in(w.pending);
  REQUIRE(s->flush(in, w.seq, w.seq).ok());
  w.commit();
  CHECK(s->last_txid() == tx2 + 1);
  CHECK(s->entries() == 9000);
  CHECK(s->flushed_sequence() == w.seq);
  CHECK(scan_forward(*s) == model_range(w.state, std::nullopt, std::nullopt));
  CHECK(s->check().ok());
}
