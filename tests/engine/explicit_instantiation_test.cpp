// Engines used from a translation unit that declares their instantiation
// extern (instantiation.hpp): the program links against the one unit that
// defines them (explicit_instantiation_defs.cpp), and they behave as engines
// compiled in place. That every composition's explicit instantiation
// compiles at all, with g++ and with clang++, is half of what this checks.
#include "extern_engines.hpp"

#include <jadekv/io/memory_fs.hpp>

#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace {

namespace kv = jadekv;

template <class E>
typename E::options options_on(const std::shared_ptr<kv::io::memory_fs>& fs) {
  typename E::options o;
  o.fs = fs;
  o.dir = "/db";
  return o;
}

template <class E>
std::vector<std::pair<std::string, std::string>> scan(const E& db) {
  std::vector<std::pair<std::string, std::string>> out;
  auto it = db.iterator();
  for (it.seek_to_first(); it.valid(); it.next()) out.emplace_back(std::string(it.key()), std::string(it.value()));
  REQUIRE(it.status().ok());
  return out;
}

using contents = std::vector<std::pair<std::string, std::string>>;

// put, erase, a batch, get, a scan, flush, compact, stats and close; then a
// reopen where the composition keeps data.
template <class E>
void exercise() {
  auto fs = std::make_shared<kv::io::memory_fs>();
  {
    auto opened = E::open(options_on<E>(fs));
    REQUIRE(opened);
    E db = std::move(*opened);
    REQUIRE(db.put("b", "2").ok());
    REQUIRE(db.put("gone", "x").ok());
    REQUIRE(db.erase("gone").ok());
    kv::write_batch batch;
    batch.put("a", "1");
    batch.put("c", "3");
    REQUIRE(db.write(batch).ok());
    auto v = db.get("c");
    REQUIRE(v);
    CHECK(*v == "3");
    CHECK(db.get("gone").status().is_not_found());
    const contents want{{"a", "1"}, {"b", "2"}, {"c", "3"}};
    if constexpr (kv::memtable::ordered<typename E::memtable_type>) CHECK(scan(db) == want);
    REQUIRE(db.flush().ok());
    REQUIRE(db.compact().ok());
    CHECK(db.stats().puts == 4);
    REQUIRE(db.close().ok());
    CHECK_FALSE(db.is_open());
  }
  if constexpr (!std::is_same_v<typename E::persist_type, kv::persist::none<>> || E::index_type::on_disk) {
    auto reopened = E::open(options_on<E>(fs));
    REQUIRE(reopened);
    std::string out;
    REQUIRE(reopened->get("a", out).ok());
    CHECK(out == "1");
    CHECK(reopened->get("gone", out).is_not_found());
  }
}

TEST_CASE_TEMPLATE("an engine instantiated in another translation unit works as one compiled in place", E,
                   kv::lsm_db, kv::mvcc_db, kv::bptree_db, kv::memkv, kv::cache_kv, kv::single_kv, kv::striped_kv,
                   extern_engines::snapshot_striped, extern_engines::hash_lsm) {
  exercise<E>();
}

TEST_CASE("an extern mvcc engine's transactions and snapshots") {
  auto fs = std::make_shared<kv::io::memory_fs>();
  auto db = kv::mvcc_db::open(options_on<kv::mvcc_db>(fs));
  REQUIRE(db);
  REQUIRE(db->put("x", "old").ok());
  auto snap = db->snapshot();
  auto tx = db->begin({.isolation = kv::isolation::serializable});
  REQUIRE(tx.put("x", "tx").ok());
  REQUIRE(db->put("x", "new").ok());
  CHECK(tx.commit().is_conflict());  // x changed after the transaction's snapshot
  kv::read_options ro;
  ro.snapshot = &snap;
  auto old = db->get("x", ro);
  REQUIRE(old);
  CHECK(*old == "old");
  auto retry = db->begin();
  REQUIRE(retry.put("x", "tx").ok());
  REQUIRE(retry.commit().ok());
  CHECK(*db->get("x") == "tx");
}

TEST_CASE("an extern snapshot engine's checkpoint survives a reopen") {
  using E = extern_engines::snapshot_striped;
  auto fs = std::make_shared<kv::io::memory_fs>();
  {
    auto db = E::open(options_on<E>(fs));
    REQUIRE(db);
    REQUIRE(db->put("k", "v").ok());
    REQUIRE(db->checkpoint().ok());
  }
  auto db = E::open(options_on<E>(fs));
  REQUIRE(db);
  CHECK(*db->get("k") == "v");
}

}  // namespace
