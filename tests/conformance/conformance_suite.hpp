// The conformance suite: the public contract of DESIGN.md, written once and
// instantiated for every valid composition (see compositions.hpp and the
// shard_*.cpp translation units).
#pragma once

#include <doctest/doctest.h>

#include <atomic>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "harness.hpp"

namespace kv = jadekv;

namespace conformance {

template <class E>
std::map<std::string, std::string> scan_forward(const E& db, const kv::read_options& ro = {}) {
  std::map<std::string, std::string> out;
  auto it = db.iterator(ro);
  std::string last;
  bool first = true;
  for (it.seek_to_first(); it.valid(); it.next()) {
    const std::string k(it.key());
    if (!first) CHECK(last < k);
    first = false;
    last = k;
    out.emplace(k, std::string(it.value()));
  }
  CHECK(it.status().ok());
  return out;
}

template <class E>
std::vector<std::string> keys_backward(const E& db, const kv::read_options& ro = {}) {
  std::vector<std::string> out;
  auto it = db.iterator(ro);
  for (it.seek_to_last(); it.valid(); it.prev()) out.emplace_back(it.key());
  return out;
}

}  // namespace conformance

TEST_CASE_TEMPLATE_DEFINE("put, get, erase and overwrite", E, conformance_basic) {
  conformance::harness<E> h;
  E db = h.open();
  CHECK(db.get("missing").status().is_not_found());
  REQUIRE(db.put("k1", "v1").ok());
  REQUIRE(db.put("k2", "v2").ok());
  CHECK(db.get("k1").value() == "v1");
  REQUIRE(db.put("k1", "v1b").ok());
  CHECK(db.get("k1").value() == "v1b");
  REQUIRE(db.erase("k1").ok());
  CHECK(db.get("k1").status().is_not_found());
  REQUIRE(db.erase("never-there").ok());
  REQUIRE(db.put("k1", "again").ok());
  CHECK(db.get("k1").value() == "again");
  std::string out = "untouched";
  CHECK(db.get("nope", out).is_not_found());
  CHECK(out == "untouched");
  REQUIRE(db.get("k2", out).ok());
  CHECK(out == "v2");
}

TEST_CASE_TEMPLATE_DEFINE("empty, binary and large keys and values", E, conformance_bytes) {
  conformance::harness<E> h;
  E db = h.open();
  const std::string zeros("a\0b\0", 4), big(1 << 20, 'x'), key_with_zero("\0key", 4);
  REQUIRE(db.put("", "empty key").ok());
  REQUIRE(db.put("empty value", "").ok());
  REQUIRE(db.put(key_with_zero, zeros).ok());
  REQUIRE(db.put("big", big).ok());
  CHECK(db.get("").value() == "empty key");
  CHECK(db.get("empty value").value().empty());
  CHECK(db.get(key_with_zero).value() == zeros);
  CHECK(db.get(std::string_view("\0ke", 3)).status().is_not_found());
  CHECK(db.get("big").value() == big);
  const auto all = conformance::scan_forward(db);
  CHECK(all.size() == 4);
  CHECK(all.begin()->first.empty());
}

TEST_CASE_TEMPLATE_DEFINE("write batches are applied whole", E, conformance_batch) {
  conformance::harness<E> h;
  E db = h.open();
  REQUIRE(db.put("gone", "soon").ok());
  kv::write_batch b;
  b.put("a", "1");
  b.put("b", "2");
  b.erase("gone");
  b.put("a", "1b");  // later record of the same batch wins
  REQUIRE(db.write(b).ok());
  CHECK(db.get("a").value() == "1b");
  CHECK(db.get("b").value() == "2");
  CHECK(db.get("gone").status().is_not_found());
  kv::write_batch empty;
  CHECK(db.write(empty).ok());
  const auto st = db.stats();
  CHECK(st.puts == 4);
  CHECK(st.erases == 1);
  CHECK(st.batches == 2);
}

TEST_CASE_TEMPLATE_DEFINE("iterators both ways, seeks and bounds", E, conformance_iterator) {
  conformance::harness<E> h;
  E db = h.open();
  {
    auto it = db.iterator();
    it.seek_to_first();
    CHECK_FALSE(it.valid());
    it.seek_to_last();
    CHECK_FALSE(it.valid());
  }
  for (char c = 'a'; c <= 'j'; ++c) REQUIRE(db.put(std::string(1, c), std::string(3, c)).ok());
  REQUIRE(db.erase("c").ok());
  REQUIRE(db.put("e", "new e").ok());
  const auto fwd = conformance::scan_forward(db);
  CHECK(fwd.size() == 9);
  CHECK(fwd.count("c") == 0);
  CHECK(fwd.at("e") == "new e");
  const auto back = conformance::keys_backward(db);
  REQUIRE(back.size() == 9);
  CHECK(back.front() == "j");
  CHECK(back.back() == "a");

  auto it = db.iterator();
  it.seek("c");  // erased: lands on the next live key
  REQUIRE(it.valid());
  CHECK(it.key() == "d");
  it.prev();
  REQUIRE(it.valid());
  CHECK(it.key() == "b");
  it.next();
  REQUIRE(it.valid());
  CHECK(it.key() == "d");
  it.next();
  CHECK(it.value() == "new e");
  it.seek("zz");
  CHECK_FALSE(it.valid());
  it.seek("");
  REQUIRE(it.valid());
  CHECK(it.key() == "a");
  it.prev();
  CHECK_FALSE(it.valid());

  kv::read_options ro;
  ro.lower_bound = "c";
  ro.upper_bound = "g";
  const auto bounded = conformance::scan_forward(db, ro);
  CHECK(bounded.size() == 3);  // d, e, f
  CHECK(bounded.begin()->first == "d");
  const auto bounded_back = conformance::keys_backward(db, ro);
  REQUIRE(bounded_back.size() == 3);
  CHECK(bounded_back.front() == "f");
  auto bit = db.iterator(ro);
  bit.seek("a");
  REQUIRE(bit.valid());
  CHECK(bit.key() == "d");
  bit.seek("h");
  CHECK_FALSE(bit.valid());

  // Writes after an iterator was created are invisible to it.
  auto frozen = db.iterator();
  REQUIRE(db.put("aa", "later").ok());
  REQUIRE(db.erase("a").ok());
  frozen.seek_to_first();
  REQUIRE(frozen.valid());
  CHECK(frozen.key() == "a");
  frozen.next();
  CHECK(frozen.key() == "b");
}

TEST_CASE_TEMPLATE_DEFINE("reopen keeps acknowledged writes where the policy persists", E, conformance_reopen) {
  conformance::harness<E> h;
  std::map<std::string, std::string> want;
  {
    E db = h.open();
    for (int i = 0; i < 200; ++i) {
      const std::string k = "key" + std::to_string(i % 50), v = "v" + std::to_string(i);
      REQUIRE(db.put(k, v).ok());
      want[k] = v;
    }
    for (int i = 0; i < 50; i += 3) {
      REQUIRE(db.erase("key" + std::to_string(i)).ok());
      want.erase("key" + std::to_string(i));
    }
    kv::write_batch b;
    b.put("batch1", "x");
    b.put("batch2", "y");
    REQUIRE(db.write(b).ok());
    want["batch1"] = "x";
    want["batch2"] = "y";
    REQUIRE(db.close().ok());
  }
  E db = h.open();
  if constexpr (conformance::survives_close<E>) {
    CHECK(conformance::scan_forward(db) == want);
    CHECK(db.stats().last_sequence >= 217);
    REQUIRE(db.put("after", "reopen").ok());  // sequence numbers continue
    E again = h.reopen(db);
    CHECK(again.get("after").value() == "reopen");
    CHECK(again.get("batch2").value() == "y");
  } else {
    CHECK(conformance::scan_forward(db).empty());
  }
}

TEST_CASE_TEMPLATE_DEFINE("closed, moved-from and invalid engines fail cleanly", E, conformance_errors) {
  conformance::harness<E> h;
  E db = h.open();
  REQUIRE(db.put("k", "v").ok());
  E moved = std::move(db);
  CHECK(moved.get("k").value() == "v");
  CHECK(db.put("k", "v").is_closed());  // NOLINT: testing use after move on purpose
  REQUIRE(moved.close().ok());
  CHECK(moved.close().ok());  // idempotent
  CHECK(moved.put("k", "v").is_closed());
  CHECK(moved.erase("k").is_closed());
  CHECK(moved.get("k").status().is_closed());
  kv::write_batch b;
  b.put("x", "y");
  CHECK(moved.write(b).is_closed());
  auto it = moved.iterator();
  it.seek_to_first();
  CHECK_FALSE(it.valid());
  CHECK(it.status().is_closed());
  CHECK(moved.flush().is_closed());

  auto o = h.options();
  o.memtable_bytes = 0;
  CHECK(E::open(o).status().is_invalid_argument());
  if constexpr (conformance::survives_close<E>) {
    auto o2 = h.options();
    o2.dir = "/elsewhere";
    o2.create_if_missing = false;
    CHECK(E::open(o2).status().is_invalid_argument());
    auto o3 = h.options();
    o3.dir.clear();
    CHECK(E::open(o3).status().is_invalid_argument());
    auto o4 = h.options();
    o4.error_if_exists = true;  // the engine above left its files in /db
    CHECK(E::open(o4).status().is_invalid_argument());
  }
}

TEST_CASE_TEMPLATE_DEFINE("a second open of a locked directory is busy", E, conformance_lock) {
  if constexpr (conformance::survives_close<E>) {
    conformance::harness<E> h;
    E first = h.open();
    auto second = E::open(h.options());
    CHECK(second.status().is_busy());
    REQUIRE(first.close().ok());
    auto third = E::open(h.options());
    CHECK(third.has_value());
  }
}

TEST_CASE_TEMPLATE_DEFINE("stats count operations and render as Prometheus text", E, conformance_stats) {
  conformance::harness<E> h;
  E db = h.open();
  REQUIRE(db.put("a", "1").ok());
  REQUIRE(db.put("b", "22").ok());
  REQUIRE(db.erase("a").ok());
  (void)db.get("a");
  (void)db.get("b");
  (void)db.iterator();
  const kv::stats st = db.stats();
  CHECK(st.puts == 2);
  CHECK(st.erases == 1);
  CHECK(st.gets == 2);
  CHECK(st.get_hits == 1);
  CHECK(st.iterators == 1);
  CHECK(st.user_bytes_written == 2 + 3 + 1);
  CHECK(st.memtable_entries == 3);
  CHECK(st.memtable_bytes > 0);
  CHECK(st.last_sequence == 3);
  if constexpr (E::persist_type::durable) CHECK(st.wal_records == 3);
  const std::string text = kv::to_prometheus(st);
  CHECK(text.find("# TYPE jadekv_puts_total counter\njadekv_puts_total 2\n") != std::string::npos);
  CHECK(text.find("jadekv_memtable_entries 3\n") != std::string::npos);
}

TEST_CASE_TEMPLATE_DEFINE("threads write and read at once", E, conformance_threads) {
  if constexpr (conformance::thread_safe<E>) {
    conformance::harness<E> h;
    E db = h.open();
    constexpr int k_per_thread = 2000;
    std::atomic<bool> done{false};
    std::atomic<int> bad_reads{0};
    auto writer = [&](int t) {
      for (int i = 0; i < k_per_thread; ++i) {
        kv::write_batch b;  // each batch writes a pair that must be seen together
        const std::string k = "t" + std::to_string(t) + "-" + std::to_string(i);
        b.put(k + "a", k);
        b.put(k + "b", k);
        CHECK(db.write(b).ok());  // CHECK, not REQUIRE: no throwing across a thread
      }
    };
    std::thread reader([&] {
      while (!done.load()) {
        auto it = db.iterator();
        int a = 0, b = 0;
        for (it.seek_to_first(); it.valid(); it.next()) (it.key().back() == 'a' ? a : b)++;
        if (a != b) bad_reads.fetch_add(1);  // a batch seen half applied
      }
    });
    std::thread w1(writer, 1), w2(writer, 2);
    w1.join();
    w2.join();
    done.store(true);
    reader.join();
    CHECK(bad_reads.load() == 0);
    CHECK(conformance::scan_forward(db).size() == 4 * k_per_thread);
    CHECK(db.stats().last_sequence == 4 * k_per_thread);
  }
}

#define JADEKV_CONFORMANCE_APPLY(types)                       \
  TEST_CASE_TEMPLATE_APPLY(conformance_basic, types);        \
  TEST_CASE_TEMPLATE_APPLY(conformance_bytes, types);        \
  TEST_CASE_TEMPLATE_APPLY(conformance_batch, types);        \
  TEST_CASE_TEMPLATE_APPLY(conformance_iterator, types);     \
  TEST_CASE_TEMPLATE_APPLY(conformance_reopen, types);       \
  TEST_CASE_TEMPLATE_APPLY(conformance_errors, types);       \
  TEST_CASE_TEMPLATE_APPLY(conformance_lock, types);         \
  TEST_CASE_TEMPLATE_APPLY(conformance_stats, types);        \
  TEST_CASE_TEMPLATE_APPLY(conformance_threads, types)
