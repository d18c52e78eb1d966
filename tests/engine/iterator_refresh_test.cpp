// db_iterator::refresh(): an iterator brought up to date reads what a new
// iterator with its bounds would, whether the engine kept its sources (no
// rotation, flush or compaction since: only the read sequence moves) or had
// to build it anew; and a rebuilt one lets go of what the old one held.
#include <jadekv/index/lsm/manifest_file_names.hpp>
#include <jadekv/io/memory_fs.hpp>
#include <jadekv/jadekv.hpp>

#include <doctest/doctest.h>

#include <atomic>
#include <cstddef>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>

namespace {

namespace kv = jadekv;

// A memtable whose cursor sorts a copy when made: refresh() cannot keep it.
using hash_kv = kv::engine<kv::memtable::hash<>, kv::persist::none<>, kv::index::memory<>, kv::concurrency::single<>>;

template <class E>
E open_engine(std::size_t memtable_bytes = std::size_t{4} << 20) {
  typename E::options o;
  o.fs = std::make_shared<kv::io::memory_fs>();
  o.dir = "/db";
  o.memtable_bytes = memtable_bytes;
  // Small arena blocks, so that a small memtable fills by its budget, not
  // by its first block.
  if constexpr (requires { o.memtable.arena_block_size; }) o.memtable.arena_block_size = 4096;
  o.idle_flush_ms = 0;
  auto db = E::open(o);
  REQUIRE(db);
  return std::move(*db);
}

template <class It>
std::map<std::string, std::string> scan(It& it) {
  std::map<std::string, std::string> out;
  for (it.seek_to_first(); it.valid(); it.next()) out.emplace(std::string(it.key()), std::string(it.value()));
  REQUIRE(it.status().ok());
  return out;
}

std::string key_of(int i) { return "key" + std::to_string(100000 + i); }

}  // namespace

TEST_CASE_TEMPLATE("refresh: writes made after an iterator show only once it is refreshed", E, kv::bptree_db,
                   kv::lsm_db, kv::mvcc_db, kv::single_kv, kv::striped_kv, hash_kv) {
  E db = open_engine<E>();
  REQUIRE(db.put("a", "1").ok());
  auto it = db.iterator();
  REQUIRE(db.put("b", "2").ok());
  REQUIRE(db.erase("a").ok());
  CHECK(scan(it) == std::map<std::string, std::string>{{"a", "1"}});
  it.seek("a");
  REQUIRE(it.valid());
  CHECK(it.refresh().ok());
  CHECK_FALSE(it.valid());  // unpositioned
  CHECK(scan(it) == std::map<std::string, std::string>{{"b", "2"}});
  REQUIRE(db.put("a", "3").ok());
  REQUIRE(db.put("b", "4").ok());
  CHECK(it.refresh().ok());
  CHECK(scan(it) == std::map<std::string, std::string>{{"a", "3"}, {"b", "4"}});
}

// The active memtable adds no source while it is empty; a refreshed
// iterator must still find what arrives in it later.
TEST_CASE_TEMPLATE("refresh: an iterator made over an empty memtable sees the writes that fill it", E, kv::bptree_db,
                   kv::lsm_db, kv::single_kv, hash_kv) {
  E db = open_engine<E>();
  auto empty = db.iterator();
  REQUIRE(db.put("a", "1").ok());
  CHECK(empty.refresh().ok());
  CHECK(scan(empty) == std::map<std::string, std::string>{{"a", "1"}});

  if constexpr (requires { db.flush(); }) {
    REQUIRE(db.flush().ok());  // an on-disk index: "a" leaves the memtable
    auto it = db.iterator();
    REQUIRE(db.put("b", "2").ok());
    CHECK(it.refresh().ok());
    CHECK(scan(it) == std::map<std::string, std::string>{{"a", "1"}, {"b", "2"}});
  }
}

TEST_CASE_TEMPLATE("refresh: across rotations and flushes the iterator reads what a new one reads", E, kv::bptree_db,
                   kv::lsm_db, kv::mvcc_db) {
  E db = open_engine<E>(std::size_t{32} << 10);  // rotates every few hundred writes
  std::map<std::string, std::string> model;
  auto it = db.iterator();
  for (int round = 0; round < 6; ++round) {
    const auto flushes = db.stats().flushes;
    for (int i = 0; i < 1500; ++i) {
      const int k = (i * 7 + round * 131) % 2000;
      if ((i + round) % 5 == 0) {
        REQUIRE(db.erase(key_of(k)).ok());
        model.erase(key_of(k));
      } else {
        const std::string v = std::to_string(round) + std::string(80, 'v');
        REQUIRE(db.put(key_of(k), v).ok());
        model[key_of(k)] = v;
      }
    }
    if (round % 2 == 1) REQUIRE(db.flush().ok());
    CHECK(db.stats().flushes >= flushes + 2);  // the memtables it read are gone
    CHECK(it.refresh().ok());
    CHECK(scan(it) == model);
    CHECK(it.refresh().ok());  // nothing changed in between: kept as it is
    it.seek(key_of(1000));
    auto fresh = db.iterator();
    fresh.seek(key_of(1000));
    REQUIRE(it.valid() == fresh.valid());
    if (it.valid()) CHECK(it.key() == fresh.key());
  }
}

// Every write acknowledged before refresh() is visible after it, while a
// writer rotates and flushes memtables underneath.
TEST_CASE_TEMPLATE("refresh: beside a writer, each refresh sees every acknowledged write", E, kv::bptree_db,
                   kv::lsm_db) {
  E db = open_engine<E>(std::size_t{32} << 10);
  constexpr int k_writes = 6000;
  std::atomic<int> acked{-1};
  std::thread writer([&] {
    for (int i = 0; i < k_writes; ++i) {
      if (!db.put(key_of(i), std::string(100, 'w')).ok()) return;
      acked.store(i, std::memory_order_release);
    }
  });
  auto it = db.iterator();
  int checks = 0, misses = 0;
  for (int seen = -1; seen < k_writes - 1; ++checks) {
    seen = acked.load(std::memory_order_acquire);
    if (seen < 0) continue;
    if (!it.refresh().ok()) break;
    it.seek(key_of(seen));
    misses += it.valid() && it.key() == key_of(seen) ? 0 : 1;
  }
  writer.join();
  CHECK(misses == 0);
  CHECK(checks > 0);
  CHECK(acked.load() == k_writes - 1);
  CHECK(db.stats().flushes > 2);
}

// index::memory under mvcc replaces its memtable when it collects old
// versions: a refreshed iterator must leave the replaced one.
TEST_CASE("refresh: after the memtable is collected the iterator reads the new one") {
  using mvcc_memory = kv::engine<kv::memtable::skiplist<>, kv::persist::none<>, kv::index::memory<>,
                                 kv::concurrency::mvcc<>>;
  mvcc_memory db = open_engine<mvcc_memory>(std::size_t{32} << 10);
  std::map<std::string, std::string> model{{"a", "1"}};
  REQUIRE(db.put("a", "1").ok());
  auto it = db.iterator();  // reads the memtable that the collection replaces
  std::size_t last = db.stats().memtable_bytes;
  bool collected = false;
  for (int i = 0; i < 20000 && !collected; ++i) {
    const std::string v = std::to_string(i) + std::string(60, 'v');
    REQUIRE(db.put(key_of(i % 50), v).ok());
    model[key_of(i % 50)] = v;
    const std::size_t now = db.stats().memtable_bytes;
    collected = now < last;  // overwritten versions dropped with the old memtable
    last = now;
  }
  REQUIRE(collected);
  for (int i = 0; i < 20; ++i) {
    REQUIRE(db.put(key_of(1000 + i), "after").ok());
    model[key_of(1000 + i)] = "after";
  }
  CHECK(it.refresh().ok());
  CHECK(scan(it) == model);
}

TEST_CASE("refresh: the bounds stay") {
  auto db = open_engine<kv::bptree_db>();
  for (char c = 'a'; c <= 'f'; ++c) REQUIRE(db.put(std::string(1, c), "x").ok());
  kv::read_options ro;
  ro.lower_bound = "b";
  ro.upper_bound = "e";
  auto it = db.iterator(ro);
  REQUIRE(db.put("c2", "y").ok());
  REQUIRE(db.flush().ok());  // forces the rebuild, which must keep them too
  for (int pass = 0; pass < 2; ++pass) {
    CHECK(it.refresh().ok());
    std::string keys;
    for (it.seek_to_first(); it.valid(); it.next()) keys += std::string(it.key()) + ",";
    CHECK(keys == "b,c,c2,d,");
    it.seek("a");
    REQUIRE(it.valid());
    CHECK(it.key() == "b");
    it.seek_to_last();
    REQUIRE(it.valid());
    CHECK(it.key() == "d");
  }
}

TEST_CASE("refresh: an iterator over a snapshot moves to the newest data") {
  auto db = open_engine<kv::mvcc_db>();
  REQUIRE(db.put("a", "1").ok());
  const kv::snapshot snap = db.snapshot();
  REQUIRE(db.put("a", "2").ok());
  kv::read_options ro;
  ro.snapshot = &snap;
  auto it = db.iterator(ro);
  CHECK(scan(it) == std::map<std::string, std::string>{{"a", "1"}});
  CHECK(it.refresh().ok());
  CHECK(scan(it) == std::map<std::string, std::string>{{"a", "2"}});
}

// The store's generation: after a compaction a refreshed iterator reads the
// new version, so the tables the compaction replaced can go.
TEST_CASE("refresh: after a compaction the replaced tables are removed once the iterator is refreshed") {
  auto fs = std::make_shared<kv::io::memory_fs>();
  kv::lsm_db::options o;
  o.fs = fs;
  o.dir = "/db";
  o.idle_flush_ms = 0;
  o.index.disable_auto_compactions = true;
  auto db = kv::lsm_db::open(o);
  REQUIRE(db);
  const auto tables = [&] {
    auto names = fs->list("/db");
    REQUIRE(names);
    std::set<std::string> out;
    for (const auto& n : *names) {
      if (kv::index::lsm_detail::parse_table_file_name(n)) out.insert(n);
    }
    return out;
  };
  for (int f = 0; f < 3; ++f) {
    for (int i = 0; i < 100; ++i) REQUIRE(db->put(key_of(f * 100 + i), "v").ok());
    REQUIRE(db->flush().ok());
  }
  const std::set<std::string> before = tables();
  REQUIRE(before.size() == 3);
  auto it = db->iterator();
  REQUIRE(db->compact().ok());  // nothing in the memtable: no flush, no new memtable
  const std::set<std::string> held = tables();
  for (const auto& t : before) CHECK(held.count(t) == 1);  // the iterator still reads them
  CHECK(it.refresh().ok());
  CHECK(scan(it).size() == 300);
  REQUIRE(db->put("z", "v").ok());
  REQUIRE(db->flush().ok());  // purges what nothing holds
  const std::set<std::string> after = tables();
  for (const auto& t : before) CHECK(after.count(t) == 0);
}
