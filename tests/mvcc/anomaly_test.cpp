// The classic anomalies over every index under concurrency::mvcc: lost
// update prevented at both isolation levels, write skew allowed under
// snapshot isolation and prevented under serializable, read-only
// transactions never conflicting, conflicts leaving nothing behind, and a
// long snapshot staying stable across flushes, compactions and commits.
#include <doctest/doctest.h>

#include <string>

#include "mvcc_engines.hpp"

using namespace mvcc_test;

namespace {

kv::tx_options level(kv::isolation i) { return kv::tx_options{.read_only = false, .isolation = i}; }

int as_int(const kv::result<std::string>& r) { return r ? std::stoi(*r) : 0; }

}  // namespace

TEST_CASE_TEMPLATE("lost update is prevented at both isolation levels", E, memory_db, lsm_db, bptree_db) {
  for (auto iso : {kv::isolation::snapshot, kv::isolation::serializable}) {
    conformance::harness<E> h;
    E db = h.open();
    REQUIRE(db.put("counter", "10").ok());
    auto t1 = db.begin(level(iso));
    auto t2 = db.begin(level(iso));
    const int a = as_int(t1.get("counter")), b = as_int(t2.get("counter"));
    REQUIRE(t1.put("counter", std::to_string(a + 1)).ok());
    REQUIRE(t2.put("counter", std::to_string(b + 1)).ok());
    REQUIRE(t1.commit().ok());
    const kv::status s = t2.commit();
    CHECK(s.is_conflict());
    CHECK(db.get("counter").value() == "11");
  }
}

TEST_CASE_TEMPLATE("a plain write after the snapshot conflicts with a transaction writing the key", E, memory_db,
                   lsm_db, bptree_db) {
  conformance::harness<E> h;
  E db = h.open();
  auto tx = db.begin();
  REQUIRE(tx.put("x", "tx").ok());
  REQUIRE(db.put("x", "plain").ok());
  CHECK(tx.commit().is_conflict());
  CHECK(db.get("x").value() == "plain");
  // An erase after the snapshot counts as a write too, even once flushed.
  REQUIRE(db.put("y", "1").ok());
  auto tx2 = db.begin();
  REQUIRE(db.erase("y").ok());
  REQUIRE(db.flush().ok());
  REQUIRE(tx2.put("y", "2").ok());
  CHECK(tx2.commit().is_conflict());
  CHECK(db.get("y").status().is_not_found());
}

TEST_CASE_TEMPLATE("write skew: allowed under snapshot isolation, prevented under serializable", E, memory_db, lsm_db,
                   bptree_db) {
  // Two doctors on call; each goes off call if the other is still on.
  auto run = [](kv::isolation iso) {
    conformance::harness<E> h;
    E db = h.open();
    REQUIRE(db.put("alice", "on").ok());
    REQUIRE(db.put("bob", "on").ok());
    auto t1 = db.begin(level(iso));
    auto t2 = db.begin(level(iso));
    if (t1.get("bob").value() == "on") REQUIRE(t1.put("alice", "off").ok());
    if (t2.get("alice").value() == "on") REQUIRE(t2.put("bob", "off").ok());
    const kv::status s1 = t1.commit(), s2 = t2.commit();
    REQUIRE(s1.ok());
    const bool both_off = db.get("alice").value() == "off" && db.get("bob").value() == "off";
    return std::pair{s2, both_off};
  };
  auto [si, si_skew] = run(kv::isolation::snapshot);
  CHECK(si.ok());
  CHECK(si_skew);  // the anomaly snapshot isolation permits
  auto [ser, ser_skew] = run(kv::isolation::serializable);
  CHECK(ser.is_conflict());
  CHECK_FALSE(ser_skew);
}

TEST_CASE_TEMPLATE("serializable: a write into a range an iterator read conflicts (phantom)", E, memory_db, lsm_db,
                   bptree_db) {
  conformance::harness<E> h;
  E db = h.open();
  REQUIRE(db.put("a1", "x").ok());
  auto tx = db.begin(level(kv::isolation::serializable));
  kv::read_options ro;
  ro.lower_bound = "a";
  ro.upper_bound = "b";
  int seen = 0;
  {
    auto it = tx.iterator(ro);
    for (it.seek_to_first(); it.valid(); it.next()) ++seen;
  }
  CHECK(seen == 1);
  REQUIRE(tx.put("count", std::to_string(seen)).ok());
  REQUIRE(db.put("c1", "outside the range").ok());
  REQUIRE(db.put("a2", "inside the range").ok());
  CHECK(tx.commit().is_conflict());

  auto tx2 = db.begin(level(kv::isolation::serializable));
  {
    auto it = tx2.iterator(ro);
    for (it.seek_to_first(); it.valid(); it.next()) {
    }
  }
  REQUIRE(tx2.put("count", "2").ok());
  REQUIRE(db.put("c2", "outside the range").ok());
  CHECK(tx2.commit().ok());
}

TEST_CASE_TEMPLATE("read-only transactions never conflict and refuse writes", E, memory_db, lsm_db, bptree_db) {
  conformance::harness<E> h;
  E db = h.open();
  REQUIRE(db.put("k", "1").ok());
  auto ro = db.begin(kv::tx_options{.read_only = true, .isolation = kv::isolation::serializable});
  CHECK(ro.get("k").value() == "1");
  CHECK(ro.put("k", "2").is_invalid_argument());
  CHECK(ro.erase("k").is_invalid_argument());
  REQUIRE(db.put("k", "3").ok());
  CHECK(ro.get("k").value() == "1");  // still its snapshot
  CHECK(ro.commit().ok());
  CHECK(ro.get("k").status().is_invalid_argument());  // over
}

TEST_CASE_TEMPLATE("a conflict or a rollback leaves nothing behind", E, memory_db, lsm_db, bptree_db) {
  conformance::harness<E> h;
  E db = h.open();
  auto tx = db.begin();
  REQUIRE(tx.put("a", "1").ok());
  REQUIRE(tx.put("b", "1").ok());
  REQUIRE(tx.erase("c").ok());
  CHECK(tx.get("a").value() == "1");  // its own write
  CHECK(db.get("a").status().is_not_found());
  REQUIRE(db.put("c", "plain").ok());
  const auto before = db.stats();
  CHECK(tx.commit().is_conflict());
  const auto after = db.stats();
  CHECK(after.last_sequence == before.last_sequence);  // no sequence number spent
  CHECK(db.get("a").status().is_not_found());
  CHECK(db.get("b").status().is_not_found());
  CHECK(db.get("c").value() == "plain");

  auto tx2 = db.begin();
  REQUIRE(tx2.put("a", "2").ok());
  tx2.rollback();
  CHECK(tx2.commit().is_invalid_argument());
  CHECK(db.get("a").status().is_not_found());
  {
    auto dropped = db.begin();
    REQUIRE(dropped.put("a", "3").ok());
  }  // destroyed without commit
  CHECK(db.get("a").status().is_not_found());
  // The writes survive a reopen only when committed.
  auto tx3 = db.begin();
  REQUIRE(tx3.put("d", "4").ok());
  REQUIRE(tx3.commit().ok());
  db = h.reopen(db);
  CHECK(db.get("d").value() == "4");
  CHECK(db.get("a").status().is_not_found());
}

TEST_CASE_TEMPLATE("a long snapshot stays stable across flushes, compactions and commits", E, memory_db, lsm_db,
                   bptree_db) {
  conformance::harness<E> h;
  E db = h.open();
  for (int i = 0; i < 300; ++i) REQUIRE(db.put("key" + std::to_string(i), "v0-" + std::to_string(i)).ok());
  auto snap = db.snapshot();
  kv::read_options at;
  at.snapshot = &snap;
  // Overwrite and erase everything many times over: flushes, compactions,
  // B+tree commits and memory-index collections all happen meanwhile.
  for (int round = 1; round <= 6; ++round) {
    for (int i = 0; i < 300; ++i) {
      if ((i + round) % 5 == 0) REQUIRE(db.erase("key" + std::to_string(i)).ok());
      else REQUIRE(db.put("key" + std::to_string(i), "v" + std::to_string(round) + "-" + std::to_string(i)).ok());
    }
    if (round % 2 == 0) REQUIRE(db.flush().ok());
    if (round % 3 == 0) REQUIRE(db.compact().ok());
    for (int i = 0; i < 300; i += 7) CHECK(db.get("key" + std::to_string(i), at).value() == "v0-" + std::to_string(i));
  }
  int n = 0;
  auto it = db.iterator(at);
  for (it.seek_to_first(); it.valid(); it.next(), ++n) CHECK(it.value().substr(0, 3) == "v0-");
  CHECK(n == 300);
  CHECK(it.status().ok());
  // The newest data is unaffected, and the snapshot's sequence is fixed.
  CHECK(db.get("key1").value() == "v6-1");
  CHECK(snap.sequence() == 300);
}

TEST_CASE_TEMPLATE("snapshot handles: foreign, released, after close", E, memory_db, lsm_db, bptree_db) {
  conformance::harness<E> h1, h2;
  E a = h1.open(), b = h2.open();
  auto snap = a.snapshot();
  kv::read_options ro;
  ro.snapshot = &snap;
  CHECK(b.get("k", ro).status().is_invalid_argument());
  CHECK(b.iterator(ro).status().is_invalid_argument());
  kv::snapshot copy = snap;
  snap.release();
  CHECK(a.get("k", ro).status().is_invalid_argument());
  ro.snapshot = &copy;
  CHECK(a.get("k", ro).status().is_not_found());  // the copy still pins the view
  copy.release();
  REQUIRE(a.close().ok());
  CHECK_FALSE(a.snapshot().valid());
  auto tx = a.begin();
  CHECK(tx.put("k", "v").is_closed());
  CHECK(tx.commit().is_closed());
}

TEST_CASE("the memory index collects versions no snapshot can see") {
  conformance::harness<memory_db> h;
  memory_db db = h.open();
  const std::string big(200, 'x');
  for (int i = 0; i < 20000; ++i) REQUIRE(db.put("k" + std::to_string(i % 50), big).ok());
  // 20000 versions of 50 keys would take ~4.5 MB; collection keeps the newest.
  CHECK(db.stats().memtable_bytes < (1u << 20));
  auto snap = db.snapshot();
  kv::read_options ro;
  ro.snapshot = &snap;
  for (int i = 0; i < 20000; ++i) REQUIRE(db.put("k" + std::to_string(i % 50), std::to_string(i)).ok());
  CHECK(db.get("k7", ro).value() == big);
  CHECK(db.get("k7").value() == "19957");
  CHECK(db.stats().memtable_bytes < (1u << 20));
}
