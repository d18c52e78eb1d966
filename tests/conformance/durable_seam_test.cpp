// The engine's side of the on-disk index seam, tested with map_index (a user
// index written against index::store): memtable rotation, the flush thread,
// log segments released after a flush, replay that skips what the index
// holds, sticky flush errors, the conformance and model suites, and mvcc
// snapshots and transactions through a user store's pinned views.
#include <doctest/doctest.h>

#include <atomic>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include <jadekv/concurrency/lock_free.hpp>
#include <jadekv/concurrency/mvcc.hpp>
#include <jadekv/concurrency/single.hpp>
#include <jadekv/concurrency/striped.hpp>
#include <jadekv/engine.hpp>
#include <jadekv/memtable/hash.hpp>
#include <jadekv/memtable/rbtree.hpp>
#include <jadekv/memtable/skiplist.hpp>
#include <jadekv/persist/none.hpp>
#include <jadekv/persist/wal.hpp>

#include "conformance_suite.hpp"
#include "harness.hpp"
#include "map_store.hpp"
#include "model_suite.hpp"
#include "mvcc_model_suite.hpp"

namespace {

namespace kv = jadekv;
using conformance::map_index;

using seam_types =
    std::tuple<kv::engine<kv::memtable::skiplist<>, kv::persist::wal<>, map_index, kv::concurrency::single<>>,
               kv::engine<kv::memtable::skiplist<>, kv::persist::none<>, map_index, kv::concurrency::lock_free<>>,
               kv::engine<kv::memtable::rbtree<>, kv::persist::wal<>, map_index, kv::concurrency::striped<4>>,
               kv::engine<kv::memtable::hash<>, kv::persist::none<>, map_index, kv::concurrency::striped<4>>>;

static_assert(kv::index::store<map_index::store<kv::bytewise_comparator>, map_index::options, kv::bytewise_comparator>);

using wal_db = kv::engine<kv::memtable::skiplist<>, kv::persist::wal<>, map_index, kv::concurrency::striped<4>>;
using none_db = kv::engine<kv::memtable::skiplist<>, kv::persist::none<>, map_index, kv::concurrency::single<>>;

std::string key_of(int i) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "key%06d", i);
  return buf;
}

}  // namespace

JADEKV_CONFORMANCE_APPLY(seam_types);
TEST_CASE_TEMPLATE_APPLY(conformance_model, seam_types);

// Snapshots and transactions over a user index: map_index pins the map a
// snapshot was taken at (index::snapshot_store).
static_assert(kv::index::snapshot_store<map_index::store<kv::bytewise_comparator>>);
using mvcc_seam_types =
    std::tuple<kv::engine<kv::memtable::skiplist<>, kv::persist::wal<>, map_index, kv::concurrency::mvcc<>>>;
TEST_CASE_TEMPLATE_APPLY(conformance_mvcc_model, mvcc_seam_types);

TEST_CASE("a full memtable is flushed, its log released, and replay skips what the index holds") {
  conformance::harness<wal_db> h;
  const std::string value(100, 'v');
  {
    wal_db db = h.open();
    for (int i = 0; i < 3000; ++i) REQUIRE(db.put(key_of(i), value + std::to_string(i)).ok());
    REQUIRE(db.flush().ok());
    const kv::stats st = db.stats();
    CHECK(st.flushes >= 3);
    CHECK(st.memtable_entries == 0);
    for (int i = 0; i < 50; ++i) REQUIRE(db.put(key_of(i), "new").ok());  // only these stay in the log
    REQUIRE(db.close().ok());
  }
  wal_db db = h.open();
  const kv::stats st = db.stats();
  // The flushed 3000 were released from the log; of the last 50, those a
  // rotation flushed were too (arena blocks make the exact split vary).
  CHECK(st.recovered_records <= 50);
  CHECK(st.last_sequence == 3050);
  for (int i = 0; i < 3000; i += 7) CHECK(db.get(key_of(i)).value() == (i < 50 ? "new" : value + std::to_string(i)));
  REQUIRE(db.put("after", "x").ok());
  CHECK(db.stats().last_sequence == 3051);  // sequence numbers continue past the index's
}

TEST_CASE("without a log, close flushes the memtable into the index") {
  conformance::harness<none_db> h;
  {
    none_db db = h.open();
    for (int i = 0; i < 500; ++i) REQUIRE(db.put(key_of(i), "v" + std::to_string(i)).ok());
    REQUIRE(db.erase(key_of(3)).ok());
    REQUIRE(db.close().ok());
  }
  none_db db = h.open();
  CHECK(db.get(key_of(499)).value() == "v499");
  CHECK(db.get(key_of(3)).status().is_not_found());
  CHECK(db.stats().last_sequence == 501);
}

TEST_CASE("a failed flush is sticky: later rotations fail, acknowledged data stays readable") {
  conformance::harness<wal_db> h;
  auto o = h.options();
  o.index.fail_flushes = true;
  wal_db db = h.open(o);
  const std::string value(100, 'v');
  int acknowledged = 0;
  kv::status s;
  for (int i = 0; i < 5000 && s.ok(); ++i) {
    s = db.put(key_of(i), value);
    if (s.ok()) ++acknowledged;
  }
  CHECK(s.is_io_error());
  CHECK(db.flush().is_io_error());
  for (int i = 0; i < acknowledged; i += 13) CHECK(db.get(key_of(i)).value() == value);
  CHECK(db.close().is_io_error());
  // Nothing was lost: the log still holds every acknowledged write.
  wal_db again = h.open();
  for (int i = 0; i < acknowledged; i += 13) CHECK(again.get(key_of(i)).value() == value);
}

TEST_CASE("writers and readers run across rotations and flushes") {
  conformance::harness<wal_db> h;
  wal_db db = h.open();
  constexpr int k_per_writer = 3000;
  std::atomic<bool> done{false};
  std::atomic<int> bad{0};
  std::vector<std::thread> writers;
  for (int w = 0; w < 2; ++w)
    writers.emplace_back([&, w] {
      for (int i = 0; i < k_per_writer; ++i)
        if (!db.put("w" + std::to_string(w) + key_of(i), std::string(64, static_cast<char>('a' + w))).ok()) ++bad;
    });
  std::thread reader([&] {
    while (!done.load()) {
      // Writer 0's keys appear in order: if key i is there, every key before it is.
      int seen = 0;
      auto it = db.iterator();
      for (it.seek("w0"); it.valid() && it.key().substr(0, 2) == "w0"; it.next()) {
        if (it.key() != "w0" + key_of(seen)) ++bad;
        ++seen;
      }
      if (!it.status().ok()) ++bad;
      if (seen > 0 && !db.get("w0" + key_of(seen - 1)).has_value()) ++bad;
    }
  });
  for (auto& t : writers) t.join();
  done = true;
  reader.join();
  CHECK(bad.load() == 0);
  CHECK(db.stats().flushes > 0);
  for (int w = 0; w < 2; ++w)
    for (int i = 0; i < k_per_writer; i += 101) CHECK(db.get("w" + std::to_string(w) + key_of(i)).has_value());
}
