// The idle flush (engine_options::idle_flush_ms): a memtable worth flushing
// goes into the on-disk index once writes pause, under the B+tree and the
// LSM tree, and its log with it; not when it is small, not when the option
// is 0, not under concurrency::single<>; and writers racing it lose nothing.
#include <jadekv/io/memory_fs.hpp>
#include <jadekv/jadekv.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <thread>

namespace {

namespace kv = jadekv;
using namespace std::chrono_literals;

std::string key_of(int i) { return "key" + std::to_string(100000 + i); }
std::string value_of(int i, int round = 0) { return std::string(100, static_cast<char>('a' + (i + round) % 26)); }

// An idle flush needs a sixteenth of memtable_bytes: 256 KiB by default
// here, about 1700 puts (the first put alone takes a 64 KiB value block).
template <class E>
typename E::options options_in(std::shared_ptr<kv::io::memory_fs> fs, std::uint32_t idle_ms,
                               std::size_t memtable_bytes = std::size_t{4} << 20) {
  typename E::options o;
  o.fs = std::move(fs);
  o.dir = "/db";
  o.memtable_bytes = memtable_bytes;
  o.idle_flush_ms = idle_ms;
  return o;
}

// Waits (up to 20 s) for an idle flush to empty the memtable.
template <class E>
bool memtable_emptied(const E& db) {
  for (int i = 0; i < 2000; ++i) {
    const kv::stats st = db.stats();
    if (st.flushes > 0 && st.memtable_entries == 0) return true;
    std::this_thread::sleep_for(10ms);
  }
  return false;
}

template <class E>
void put_range(E& db, int from, int to, int round = 0) {
  for (int i = from; i < to; ++i) REQUIRE(db.put(key_of(i), value_of(i, round)).ok());
}

}  // namespace

TEST_CASE_TEMPLATE("idle flush: a paused memtable goes into the index, and its log with it", E, kv::bptree_db,
                   kv::lsm_db) {
  auto fs = std::make_shared<kv::io::memory_fs>();
  {
    auto db = E::open(options_in<E>(fs, 10));
    REQUIRE(db);
    put_range(*db, 0, 3000);  // ~450 KiB of memtable
    REQUIRE(db->erase(key_of(1234)).ok());
    REQUIRE(memtable_emptied(*db));
    CHECK(db->stats().flushes >= 1);  // more if this thread stalled in the puts
    for (int i = 0; i < 3000; ++i) {
      auto v = db->get(key_of(i));
      if (i == 1234) {
        CHECK(v.status().is_not_found());
      } else {
        REQUIRE(v);
        CHECK(*v == value_of(i));
      }
    }
    int seen = 0;
    auto it = db->iterator();
    for (it.seek_to_first(); it.valid(); it.next()) ++seen;
    CHECK(it.status().ok());
    CHECK(seen == 2999);
    // Writes after it land in a fresh memtable and are read over the index.
    put_range(*db, 0, 10, 1);
    CHECK(db->stats().memtable_entries == 10);
    CHECK(*db->get(key_of(3)) == value_of(3, 1));
    REQUIRE(db->close().ok());
  }
  // The log up to the idle flush was released: a reopen replays only the
  // ten later puts (one flush at open), not the 3001 writes before.
  auto again = E::open(options_in<E>(fs, 0));
  REQUIRE(again);
  CHECK(again->stats().recovered_records == 10);
  CHECK(*again->get(key_of(3)) == value_of(3, 1));
  CHECK(*again->get(key_of(2999)) == value_of(2999));
  CHECK(again->get(key_of(1234)).status().is_not_found());
}

TEST_CASE("idle flush: not for a small memtable, not when off, not under single<>") {
  using single_bptree =
      kv::engine<kv::memtable::skiplist<>, kv::persist::wal<>, kv::index::bptree<>, kv::concurrency::single<>>;
  SUBCASE("under a sixteenth of memtable_bytes") {
    auto db = kv::bptree_db::open(options_in<kv::bptree_db>(std::make_shared<kv::io::memory_fs>(), 5));
    REQUIRE(db);
    put_range(*db, 0, 100);  // ~90 KiB of memtable
    std::this_thread::sleep_for(200ms);
    CHECK(db->stats().flushes == 0);
    CHECK(db->stats().memtable_entries == 100);
  }
  SUBCASE("idle_flush_ms = 0") {
    auto db = kv::bptree_db::open(options_in<kv::bptree_db>(std::make_shared<kv::io::memory_fs>(), 0));
    REQUIRE(db);
    put_range(*db, 0, 3000);
    std::this_thread::sleep_for(200ms);
    CHECK(db->stats().flushes == 0);
    CHECK(db->stats().memtable_entries == 3000);
  }
  SUBCASE("concurrency::single<>") {
    auto db = single_bptree::open(options_in<single_bptree>(std::make_shared<kv::io::memory_fs>(), 5));
    REQUIRE(db);
    put_range(*db, 0, 3000);
    std::this_thread::sleep_for(200ms);
    CHECK(db->stats().flushes == 0);
    CHECK(db->stats().memtable_entries == 3000);
  }
}

TEST_CASE_TEMPLATE("idle flush: writers pausing around it lose nothing", E, kv::bptree_db, kv::lsm_db) {
  // Bursts with pauses near the idle time, from two threads: idle flushes
  // start while a burst begins (run under TSan by CI).
  auto fs = std::make_shared<kv::io::memory_fs>();
  auto db = E::open(options_in<E>(fs, 2, std::size_t{1} << 20));  // any put makes it worth a flush
  REQUIRE(db);
  constexpr int bursts = 12, per_burst = 700;
  auto writer = [&](int first) {
    for (int b = 0; b < bursts; ++b) {
      for (int i = 0; i < per_burst; ++i) {
        const int k = first + i;
        if (!db->put(key_of(k), value_of(k, b)).ok()) return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2 + b % 4));
    }
  };
  std::thread a(writer, 0), b(writer, per_burst);
  a.join();
  b.join();
  REQUIRE(memtable_emptied(*db));  // the last bursts' memtable, once both stop
  for (int k = 0; k < 2 * per_burst; ++k) {
    auto v = db->get(key_of(k));
    REQUIRE(v);
    CHECK(*v == value_of(k, bursts - 1));
  }
  REQUIRE(db->close().ok());
  auto again = E::open(options_in<E>(fs, 0, std::size_t{1} << 20));
  REQUIRE(again);
  for (int k = 0; k < 2 * per_burst; k += 13) CHECK(*again->get(key_of(k)) == value_of(k, bursts - 1));
}
