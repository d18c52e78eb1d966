// engine open over an on-disk index: what the log replays is flushed to the
// store before open returns, and the replayed log segments are released
// (also when they held nothing new, so that segments do not pile up).
#include <jadekv/io/memory_fs.hpp>
#include <jadekv/jadekv.hpp>

#include <doctest/doctest.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace {

namespace kv = jadekv;
using db_t = kv::lsm_db;

db_t::options options_on(const std::shared_ptr<kv::io::memory_fs>& fs, std::size_t memtable_bytes) {
  db_t::options o;
  o.fs = fs;
  o.dir = "/db";
  o.memtable_bytes = memtable_bytes;
  return o;
}

std::size_t log_segments(kv::io::memory_fs& fs) {
  auto names = fs.list("/db");
  REQUIRE(names);
  std::size_t n = 0;
  for (const auto& name : *names) {
    const auto info = kv::persist::parse_file_name(name);
    n += info && info->kind == kv::persist::file_kind::segment && !info->temporary && !info->discarded ? 1 : 0;
  }
  return n;
}

std::string key_of(int i) { return "key" + std::to_string(100000 + i); }
std::string value_of(int i) { return std::string(40, static_cast<char>('a' + i % 26)) + std::to_string(i); }

// Writes keys [0, n), erases key 7, closes without a flush: the log holds it all.
void fill(const std::shared_ptr<kv::io::memory_fs>& fs, std::size_t memtable_bytes, int n) {
  auto db = db_t::open(options_on(fs, memtable_bytes));
  REQUIRE(db);
  for (int i = 0; i < n; ++i) REQUIRE(db->put(key_of(i), value_of(i)).ok());
  REQUIRE(db->erase(key_of(7)).ok());
  CHECK(db->stats().memtable_entries > 0);
  REQUIRE(db->close().ok());
}

void check_contents(db_t& db, int n) {
  for (int i = 0; i < n; ++i) {
    auto v = db.get(key_of(i));
    if (i == 7) {
      CHECK(v.status().is_not_found());
      continue;
    }
    REQUIRE(v);
    CHECK(*v == value_of(i));
  }
  int seen = 0;
  auto it = db.iterator();
  for (it.seek_to_first(); it.valid(); it.next()) ++seen;
  CHECK(it.status().ok());
  CHECK(seen == n - 1);
}

}  // namespace

TEST_CASE("engine open: replayed entries are in the store, not the memtable") {
  // The log holds one 64 MiB memtable's worth; reopened with 256 KiB
  // memtables, replay also flushes on its way.
  for (std::size_t reopen_bytes : {std::size_t{64} << 20, std::size_t{256} << 10}) {
    CAPTURE(reopen_bytes);
    auto fs = std::make_shared<kv::io::memory_fs>();
    const int n = 6000;
    fill(fs, std::size_t{64} << 20, n);
    CHECK(log_segments(*fs) == 1);
    auto db = db_t::open(options_on(fs, reopen_bytes));
    REQUIRE(db);
    const auto st = db->stats();
    CHECK(st.recovered_records == static_cast<std::uint64_t>(n) + 1);
    CHECK(st.memtable_entries == 0);
    CHECK(st.flushes >= (reopen_bytes < (std::size_t{1} << 20) ? 2u : 1u));
    CHECK(log_segments(*fs) == 1);  // a new, empty one
    check_contents(*db, n);
    REQUIRE(db->close().ok());

    // Nothing left to replay: the next open reads the same from the store alone.
    auto again = db_t::open(options_on(fs, reopen_bytes));
    REQUIRE(again);
    CHECK(again->stats().recovered_records == 0);
    CHECK(again->stats().flushes == 0);
    check_contents(*again, n);
  }
}

TEST_CASE("engine open: a log with nothing newer than the store flushes nothing") {
  auto fs = std::make_shared<kv::io::memory_fs>();
  {
    auto db = db_t::open(options_on(fs, std::size_t{64} << 20));
    REQUIRE(db);
    REQUIRE(db->put("a", "1").ok());
    REQUIRE(db->flush().ok());
    REQUIRE(db->close().ok());
  }
  auto db = db_t::open(options_on(fs, std::size_t{64} << 20));
  REQUIRE(db);
  CHECK(db->stats().flushes == 0);
  CHECK(db->stats().index_files == 1);
  auto v = db->get("a");
  REQUIRE(v);
  CHECK(*v == "1");
}

TEST_CASE("engine open: reopening without writes leaves one log segment, not one per open") {
  auto fs = std::make_shared<kv::io::memory_fs>();
  fill(fs, std::size_t{64} << 20, 100);
  for (int round = 0; round < 5; ++round) {
    auto db = db_t::open(options_on(fs, std::size_t{64} << 20));
    REQUIRE(db);
    CHECK(log_segments(*fs) == 1);
    check_contents(*db, 100);
    REQUIRE(db->close().ok());
  }
  // And the sequence numbers go on from the store's after all those opens.
  auto db = db_t::open(options_on(fs, std::size_t{64} << 20));
  REQUIRE(db);
  REQUIRE(db->put(key_of(7), "back").ok());
  REQUIRE(db->close().ok());
  auto again = db_t::open(options_on(fs, std::size_t{64} << 20));
  REQUIRE(again);
  auto v = again->get(key_of(7));
  REQUIRE(v);
  CHECK(*v == "back");
}
