// The whole-key filter in front of memtable lookups: no false negatives
// (alone, under concurrent adds, and inside an engine whose memtable holds
// puts and erases over keys the on-disk index also holds), and the
// false-positive rate its sizing promises; an empty one_table adds no source
// to a read, and an iterator made then still reads as of its creation.
#include <jadekv/io/memory_fs.hpp>
#include <jadekv/jadekv.hpp>

#include <doctest/doctest.h>

#include <atomic>
#include <cstddef>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "jadekv/concurrency/detail/one_table.hpp"
#include "jadekv/detail/memtable_filter.hpp"

namespace {

namespace kv = jadekv;

std::string key_of(int i) { return "user" + std::to_string(1000000 + i); }

kv::bptree_db::options bptree_in(std::shared_ptr<kv::io::memory_fs> fs) {
  kv::bptree_db::options o;
  o.fs = std::move(fs);
  o.dir = "/db";
  return o;
}

}  // namespace

TEST_CASE("memtable_filter: every added key matches; about 2% of others do at 8 bits per key") {
  constexpr int n = 100000;
  kv::detail::memtable_filter f(std::size_t{n} * 128);  // 8 bits per key
  for (int i = 0; i < n; ++i) f.add(key_of(i));
  for (int i = 0; i < n; ++i) REQUIRE(f.may_contain(key_of(i)));
  int false_positives = 0;
  for (int i = n; i < 2 * n; ++i) false_positives += f.may_contain(key_of(i)) ? 1 : 0;
  CHECK(false_positives < n / 20);
  CHECK(false_positives > 0);  // a filter that matched nothing absent would be suspect too
  CHECK(f.memory_usage() == std::size_t{n} * 128 / 16 / 512 * 64);  // whole 64-byte lines

  // Budgets too small or too large still make a usable filter.
  kv::detail::memtable_filter tiny(0);
  tiny.add("a");
  CHECK(tiny.may_contain("a"));
  CHECK(tiny.memory_usage() == 64);
  CHECK(kv::detail::memtable_filter(std::size_t{1} << 40).memory_usage() == std::size_t{16} << 20);
}

TEST_CASE("memtable_filter: keys added by other threads match once they are joined, and while running") {
  kv::detail::memtable_filter f(std::size_t{1} << 20);
  std::atomic<int> published{-1};  // the highest key of thread 0 a reader may look for
  std::thread writer0([&] {
    for (int i = 0; i < 20000; ++i) {
      f.add(key_of(i));
      published.store(i, std::memory_order_release);
    }
  });
  std::thread writer1([&] {
    for (int i = 20000; i < 40000; ++i) f.add(key_of(i));
  });
  for (int round = 0; round < 200; ++round) {
    const int top = published.load(std::memory_order_acquire);
    for (int i = 0; i <= top; i += 97) REQUIRE(f.may_contain(key_of(i)));
  }
  writer0.join();
  writer1.join();
  for (int i = 0; i < 40000; ++i) REQUIRE(f.may_contain(key_of(i)));
}

TEST_CASE("one_table with a budget: lookups of absent keys are answered by the filter, present ones by the table") {
  using table = kv::concurrency::detail::one_table<kv::memtable::skiplist<>>;
  table with_filter({}, {}, std::size_t{1} << 20);
  table without({}, {});
  CHECK(with_filter.memory_usage() == without.memory_usage() + (std::size_t{1} << 20) / 16 / 8);
  for (int i = 0; i < 1000; ++i) {
    with_filter.insert(static_cast<kv::sequence_number>(i + 1), kv::value_kind::put, key_of(i), "v");
  }
  with_filter.insert(2000, kv::value_kind::erase, key_of(5), "");
  for (int i = 0; i < 1000; ++i) {
    const auto l = with_filter.get(key_of(i), kv::k_max_sequence);
    REQUIRE(!l.is_absent());
    CHECK(l.is_erased() == (i == 5));
  }
  for (int i = 1000; i < 2000; ++i) CHECK(with_filter.get(key_of(i), kv::k_max_sequence).is_absent());
}

TEST_CASE("engine over an on-disk index: reads through the memtable filter see memtable and index alike") {
  for (const bool bptree : {false, true}) {
    CAPTURE(bptree);
    auto fs = std::make_shared<kv::io::memory_fs>();
    auto run = [&](auto db) {
      REQUIRE(db);
      for (int i = 0; i < 3000; ++i) REQUIRE(db->put(key_of(i), "old" + std::to_string(i)).ok());
      REQUIRE(db->flush().ok());
      // The memtable now holds a third of the keys, newer, and some erases.
      for (int i = 0; i < 3000; i += 3) REQUIRE(db->put(key_of(i), "new" + std::to_string(i)).ok());
      for (int i = 1; i < 3000; i += 30) REQUIRE(db->erase(key_of(i)).ok());
      CHECK(db->stats().memtable_entries > 0);
      for (int i = 0; i < 3000; ++i) {
        auto v = db->get(key_of(i));
        if (i % 30 == 1) {
          CHECK(v.status().is_not_found());
        } else {
          REQUIRE(v);
          CHECK(*v == (i % 3 == 0 ? "new" : "old") + std::to_string(i));
        }
      }
      CHECK(db->get(key_of(5000)).status().is_not_found());
    };
    if (bptree) {
      run(kv::bptree_db::open(bptree_in(fs)));
    } else {
      kv::lsm_db::options o;
      o.fs = fs;
      o.dir = "/db";
      run(kv::lsm_db::open(o));
    }
  }
}

TEST_CASE("one_table: an empty table adds no source to a read; one with an entry does") {
  using table = kv::concurrency::detail::one_table<kv::memtable::skiplist<>>;
  table t({}, {}, std::size_t{1} << 20);
  std::vector<std::unique_ptr<kv::detail::internal_iterator>> sources;
  t.add_sources(sources);
  CHECK(sources.empty());
  CHECK(t.get("a", kv::k_max_sequence).is_absent());
  t.insert(1, kv::value_kind::put, "a", "1");
  t.add_sources(sources);
  REQUIRE(sources.size() == 1);
  sources.front()->seek_to_first();
  REQUIRE(sources.front()->valid());
  CHECK(sources.front()->user_key() == "a");
  CHECK(!t.get("a", kv::k_max_sequence).is_absent());
}

TEST_CASE("engine over an on-disk index: an iterator made while the memtable is empty reads the index as of then") {
  auto db = kv::bptree_db::open(bptree_in(std::make_shared<kv::io::memory_fs>()));
  REQUIRE(db);
  for (int i = 0; i < 100; ++i) REQUIRE(db->put(key_of(i), "v").ok());
  REQUIRE(db->flush().ok());
  REQUIRE(db->stats().memtable_entries == 0);
  auto it = db->iterator();
  // Written after the iterator: a new key, an overwrite and an erase, none
  // of which it may see.
  REQUIRE(db->put(key_of(500), "new").ok());
  REQUIRE(db->put(key_of(0), "changed").ok());
  REQUIRE(db->erase(key_of(1)).ok());
  // The memtable those went to is flushed and dropped; the iterator, which
  // read no memtable, holds the tree commit it was made on.
  REQUIRE(db->flush().ok());
  int n = 0;
  for (it.seek_to_first(); it.valid(); it.next(), ++n) CHECK(it.value() == "v");
  CHECK(it.status().ok());
  CHECK(n == 100);
  auto fresh = db->iterator();
  n = 0;
  for (fresh.seek_to_first(); fresh.valid(); fresh.next()) ++n;
  CHECK(n == 100);  // one added, one erased
  fresh.seek(key_of(0));
  REQUIRE(fresh.valid());
  CHECK(fresh.value() == "changed");
}

TEST_CASE("engine over an on-disk index: an iterator that reads a memtable keeps it past its flush") {
  auto db = kv::bptree_db::open(bptree_in(std::make_shared<kv::io::memory_fs>()));
  REQUIRE(db);
  for (int i = 0; i < 50; ++i) REQUIRE(db->put(key_of(i), "mem").ok());
  auto it = db->iterator();  // reads the memtable and the (empty) tree
  REQUIRE(db->flush().ok());  // that memtable goes to the tree and is dropped by the engine
  for (int i = 0; i < 50; ++i) REQUIRE(db->put(key_of(i), "newer").ok());
  REQUIRE(db->flush().ok());
  int n = 0;
  for (it.seek_to_first(); it.valid(); it.next(), ++n) CHECK(it.value() == "mem");
  CHECK(it.status().ok());
  CHECK(n == 50);
}
