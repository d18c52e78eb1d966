// The memtable suite, written once: every type that models memtable::table
// runs it through TEST_CASE_TEMPLATE_INVOKE(memtable_suite_*, M...) in its own
// test file (skiplist, rbtree, hash and a user-written type). Expected
// answers come from a std::map model ordered by M::comparator_type, so the
// suite also checks models built on other comparators.
#pragma once

#include <jadekv/memtable/concepts.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <iterator>
#include <map>
#include <memory>
#include <numeric>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "heap_counter.hpp"

namespace suite {

namespace kv = jadekv;
namespace mt = jadekv::memtable;
using kv::sequence_number;
using kv::value_kind;

// A second user-key order, so every model is also run on a comparator that
// is not bytewise (and does not get its inline fast path).
struct reverse_order {
  static constexpr std::string_view name() { return "test.reverse"; }
  int compare(std::string_view a, std::string_view b) const { return kv::bytewise_comparator{}.compare(b, a); }
};

// The expected contents: (user key, seq) -> (kind, value) in internal order.
template <class Cmp>
class model {
 public:
  struct key {
    std::string user_key;
    sequence_number seq;
  };
  struct version {
    value_kind kind;
    std::string value;
  };
  struct order {
    Cmp cmp;
    bool operator()(const key& a, const key& b) const {
      const int r = cmp.compare(a.user_key, b.user_key);
      return r != 0 ? r < 0 : a.seq > b.seq;
    }
  };
  using map_type = std::map<key, version, order>;

  void insert(sequence_number s, value_kind k, std::string_view user_key, std::string_view value) {
    entries_.emplace(key{std::string(user_key), s}, version{k, std::string(value)});
  }
  // The first entry >= (user_key, s): what seek and get look for.
  typename map_type::const_iterator seek(std::string_view user_key, sequence_number s) const {
    return entries_.lower_bound(key{std::string(user_key), s});
  }
  mt::lookup get(std::string_view user_key, sequence_number s) const {
    const auto it = seek(user_key, s);
    if (it == entries_.end() || Cmp{}.compare(it->first.user_key, user_key) != 0) return {};
    if (it->second.kind == value_kind::erase) return {mt::lookup::erased, {}, it->first.seq};
    return {mt::lookup::found, it->second.value, it->first.seq};
  }
  const map_type& entries() const { return entries_; }

 private:
  map_type entries_;
};

// CHECKs that the cursor stands on the model entry `it` (or is invalid at end).
template <class It, class ModelIt>
void check_at(const It& cursor, ModelIt it, ModelIt end) {
  if (it == end) {
    CHECK_FALSE(cursor.valid());
    return;
  }
  REQUIRE(cursor.valid());
  CHECK(cursor.user_key() == it->first.user_key);
  CHECK(cursor.seq() == it->first.seq);
  CHECK(cursor.kind() == it->second.kind);
  CHECK(cursor.value() == it->second.value);
}

inline void check_same(const mt::lookup& got, const mt::lookup& want) {
  CHECK(got.outcome == want.outcome);
  CHECK(got.value == want.value);
  if (!want.is_absent()) CHECK(got.seq == want.seq);
}

// Inserts into both the memtable and the model.
template <class M, class Model>
void put_both(M& m, Model& expect, sequence_number s, value_kind k, std::string_view key, std::string_view value) {
  m.insert(s, k, key, value);
  expect.insert(s, k, key, value);
}

// Full forward and backward walks agree with the model.
template <class M, class Model>
void check_full_walks(const M& m, const Model& expect) {
  CHECK(m.entry_count() == expect.entries().size());
  auto c = m.iterator();
  c.seek_to_first();
  for (auto it = expect.entries().begin(); it != expect.entries().end(); ++it) {
    check_at(c, it, expect.entries().end());
    if (!c.valid()) return;
    c.next();
  }
  CHECK_FALSE(c.valid());
  c.seek_to_last();
  for (auto it = expect.entries().rbegin(); it != expect.entries().rend(); ++it) {
    REQUIRE(c.valid());
    CHECK(c.user_key() == it->first.user_key);
    CHECK(c.seq() == it->first.seq);
    CHECK(c.value() == it->second.value);
    c.prev();
  }
  CHECK_FALSE(c.valid());
}

// prefix followed by n in decimal ("v42"). Appends rather than using
// "v" + std::to_string(n), on which g++ 12 -O3 warns falsely (-Wrestrict).
inline std::string numbered(std::string_view prefix, std::uint64_t n) {
  std::string s(prefix);
  s += std::to_string(n);
  return s;
}

// Short random keys over {0x00, 'a', 'b', 0xff}: empty keys, zero bytes and
// keys that prefix each other are all common.
inline std::string random_key(std::mt19937& rng) {
  static constexpr char alphabet[] = {'\0', 'a', 'b', '\xff'};
  std::string k(rng() % 5, '\0');
  for (auto& ch : k) ch = alphabet[rng() % 4];
  return k;
}

}  // namespace suite

TEST_CASE_TEMPLATE_DEFINE("memtable: empty table", M, memtable_suite_empty) {
  static_assert(jadekv::memtable::table<M>);
  const M m;
  CHECK(m.entry_count() == 0);
  CHECK(m.get("", jadekv::k_max_sequence).is_absent());
  CHECK(m.get("k", 5).is_absent());
  auto c = m.iterator();
  CHECK_FALSE(c.valid());
  c.seek_to_first();
  CHECK_FALSE(c.valid());
  c.seek_to_last();
  CHECK_FALSE(c.valid());
  c.seek("");
  CHECK_FALSE(c.valid());
  c.seek("k", 3);
  CHECK_FALSE(c.valid());
}

TEST_CASE_TEMPLATE_DEFINE("memtable: versions and deletes at every sequence number", M, memtable_suite_versions) {
  using suite::value_kind;
  M m;
  // "k": put@3, put@5, erase@7, put@9. "j" and "l" around it: one version each.
  m.insert(5, value_kind::put, "k", "v5");
  m.insert(9, value_kind::put, "k", "v9");
  m.insert(2, value_kind::put, "j", "j2");
  m.insert(3, value_kind::put, "k", "v3");
  m.insert(7, value_kind::erase, "k", "");
  m.insert(8, value_kind::erase, "l", "");
  CHECK(m.entry_count() == 6);

  CHECK(m.get("k", 0).is_absent());
  CHECK(m.get("k", 2).is_absent());
  for (suite::sequence_number s : {3, 4}) {
    const auto r = m.get("k", s);
    CHECK(r.is_found());
    CHECK(r.value == "v3");
    CHECK(r.seq == 3);
  }
  for (suite::sequence_number s : {5, 6}) CHECK(m.get("k", s).value == "v5");
  for (suite::sequence_number s : {7, 8}) {
    const auto r = m.get("k", s);
    CHECK(r.is_erased());
    CHECK(r.value.empty());
    CHECK(r.seq == 7);
  }
  for (suite::sequence_number s : {suite::sequence_number{9}, suite::sequence_number{100}, jadekv::k_max_sequence}) {
    const auto r = m.get("k", s);
    CHECK(r.is_found());
    CHECK(r.value == "v9");
    CHECK(r.seq == 9);
  }
  CHECK(m.get("j", 1).is_absent());
  CHECK(m.get("j", 2).value == "j2");
  CHECK(m.get("l", 7).is_absent());
  CHECK(m.get("l", 8).is_erased());
  CHECK(m.get("kk", 100).is_absent());
  CHECK(m.get("", 100).is_absent());

  // The versions of "k" come newest first, each with its kind.
  auto c = m.iterator();
  c.seek("k");
  const suite::sequence_number seqs[] = {9, 7, 5, 3};
  const value_kind kinds[] = {value_kind::put, value_kind::erase, value_kind::put, value_kind::put};
  for (int i = 0; i < 4; ++i) {
    REQUIRE(c.valid());
    CHECK(c.user_key() == "k");
    CHECK(c.seq() == seqs[i]);
    CHECK(c.kind() == kinds[i]);
    c.next();
  }
  REQUIRE(c.valid());
  const bool ascending = typename M::comparator_type{}.compare("j", "l") < 0;
  CHECK(c.user_key() == (ascending ? "l" : "j"));
}

TEST_CASE_TEMPLATE_DEFINE("memtable: seek edge cases", M, memtable_suite_seek) {
  using suite::value_kind;
  M m;
  suite::model<typename M::comparator_type> expect;
  suite::put_both(m, expect, 4, value_kind::put, "b", "b4");
  suite::put_both(m, expect, 2, value_kind::put, "b", "b2");
  suite::put_both(m, expect, 6, value_kind::erase, "d", "");
  suite::put_both(m, expect, 1, value_kind::put, "d", "d1");
  suite::put_both(m, expect, 3, value_kind::put, std::string("d\0", 2), "d0");
  const auto end = expect.entries().end();
  auto c = m.iterator();
  // Before, between, at and after every key, at sequence numbers above, at,
  // between and below the versions.
  for (std::string key : {std::string(""), std::string("a"), std::string("b"), std::string("c"), std::string("d"),
                          std::string("d\0", 2), std::string("d\0\0", 3), std::string("e"), std::string("\xff")}) {
    for (suite::sequence_number s : {suite::sequence_number{0}, suite::sequence_number{1}, suite::sequence_number{2},
                                     suite::sequence_number{3}, suite::sequence_number{5}, jadekv::k_max_sequence}) {
      CAPTURE(key);
      CAPTURE(s);
      c.seek(key, s);
      suite::check_at(c, expect.seek(key, s), end);
    }
    c.seek(key);
    suite::check_at(c, expect.seek(key, jadekv::k_max_sequence), end);
  }
  // Stepping off either end leaves the cursor invalid; seeks revive it.
  c.seek_to_first();
  REQUIRE(c.valid());
  CHECK(c.user_key() == expect.entries().begin()->first.user_key);
  c.prev();
  CHECK_FALSE(c.valid());
  c.seek_to_last();
  REQUIRE(c.valid());
  CHECK(c.user_key() == std::prev(end)->first.user_key);
  CHECK(c.seq() == std::prev(end)->first.seq);
  c.next();
  CHECK_FALSE(c.valid());
  // Seek then step back: the entry just before the target.
  c.seek("c");
  REQUIRE(c.valid());
  c.prev();
  auto before = expect.seek("c", jadekv::k_max_sequence);
  REQUIRE(before != expect.entries().begin());
  suite::check_at(c, std::prev(before), end);
}

TEST_CASE_TEMPLATE_DEFINE("memtable: empty keys and values, keys with zero bytes", M, memtable_suite_bytes) {
  using suite::value_kind;
  M m;
  suite::model<typename M::comparator_type> expect;
  const std::string keys[] = {"", std::string("\0", 1), std::string("\0\0", 2), "a", std::string("a\0", 2),
                              std::string("a\0b", 3), "ab", std::string("\0a", 2), "\xff", std::string("\xff\0", 2)};
  suite::sequence_number s = 1;
  for (const std::string& k : keys) {
    suite::put_both(m, expect, s++, value_kind::put, k, "");
    suite::put_both(m, expect, s++, value_kind::put, k, std::string("v\0", 2) + k);
  }
  for (const std::string& k : keys) {
    CAPTURE(k);
    suite::check_same(m.get(k, jadekv::k_max_sequence), expect.get(k, jadekv::k_max_sequence));
    const auto older = m.get(k, expect.get(k, jadekv::k_max_sequence).seq - 1);
    CHECK(older.is_found());
    CHECK(older.value.empty());
  }
  suite::check_full_walks(m, expect);
}

TEST_CASE_TEMPLATE_DEFINE("memtable: 1 MiB values", M, memtable_suite_large) {
  using suite::value_kind;
  M m;
  std::string big(1 << 20, '\0');
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 131 + (i >> 12));
  std::string big2 = big;
  big2.back() = 'x';
  const std::string big_key(100000, 'K');
  m.insert(1, value_kind::put, "big", big);
  m.insert(2, value_kind::put, "small", "s");
  m.insert(3, value_kind::put, "big", big2);
  m.insert(4, value_kind::put, big_key, big);
  CHECK(m.memory_usage() >= 3 * big.size() + big_key.size());
  CHECK(m.get("big", 1).value == big);
  CHECK(m.get("big", 3).value == big2);
  CHECK(m.get(big_key, 4).value == big);
  CHECK(m.get("small", 9).value == "s");
  auto c = m.iterator();
  c.seek_to_last();
  REQUIRE(c.valid());
  CHECK(c.user_key() == (typename M::comparator_type{}.compare("small", big_key) > 0 ? "small" : big_key));
}

TEST_CASE_TEMPLATE_DEFINE("memtable: random inserts against a model, iterated both ways", M, memtable_suite_model) {
  using suite::value_kind;
  std::mt19937 rng(2024);
  M m;
  suite::model<typename M::comparator_type> expect;
  // Unique sequence numbers in random order: inserts do not come in seq order.
  std::vector<suite::sequence_number> seqs(3000);
  std::iota(seqs.begin(), seqs.end(), suite::sequence_number{1});
  std::shuffle(seqs.begin(), seqs.end(), rng);
  for (std::size_t i = 0; i < seqs.size(); ++i) {
    const std::string key = suite::random_key(rng);
    const value_kind kind = rng() % 4 == 0 ? value_kind::erase : value_kind::put;
    const std::string value = kind == value_kind::put ? suite::numbered("v", seqs[i]) : "";
    suite::put_both(m, expect, seqs[i], kind, key, value);
    if (i % 500 == 499) suite::check_full_walks(m, expect);
  }
  suite::check_full_walks(m, expect);

  const auto end = expect.entries().end();
  auto c = m.iterator();
  for (int probe = 0; probe < 2000; ++probe) {
    const std::string key = suite::random_key(rng);
    const suite::sequence_number s = rng() % 3200;
    suite::check_same(m.get(key, s), expect.get(key, s));
    // A random walk from the seek target, checked step by step.
    c.seek(key, s);
    auto it = expect.seek(key, s);
    suite::check_at(c, it, end);
    for (int step = 0; step < 6 && c.valid(); ++step) {
      if (rng() % 2 == 0) {
        c.next();
        ++it;
      } else if (it == expect.entries().begin()) {
        c.prev();
        CHECK_FALSE(c.valid());
        break;
      } else {
        c.prev();
        --it;
      }
      suite::check_at(c, it, end);
    }
  }
}

TEST_CASE_TEMPLATE_DEFINE("memtable: memory_usage is the exact heap held", M, memtable_suite_memory) {
  using suite::value_kind;
  std::mt19937 rng(5);
  const std::string big(300000, 'b');
  std::size_t payload = 0;
  bool exact = true;
  bool monotonic = true;
  suite::sequence_number first_bad = 0;
  std::size_t usage = 0;
  // Nothing below allocates but the memtable, and no doctest macro runs
  // between two samples (it could allocate): the heap delta is the memtable's.
  const std::int64_t before = heap_counter::live_bytes();
  {
    M m;
    usage = m.memory_usage();
    if (static_cast<std::int64_t>(usage) != heap_counter::live_bytes() - before) exact = false;
    std::size_t last = usage;
    char key[32];
    for (suite::sequence_number s = 1; s <= 6000; ++s) {
      const int n = std::snprintf(key, sizeof key, "%u-%llu", static_cast<unsigned>(rng()),
                                  static_cast<unsigned long long>(s));
      const std::string_view value = s % 2000 == 0 ? std::string_view(big) : std::string_view("value-bytes");
      m.insert(s, value_kind::put, std::string_view(key, static_cast<std::size_t>(n)), value);
      payload += static_cast<std::size_t>(n) + value.size();
      usage = m.memory_usage();
      if (exact && static_cast<std::int64_t>(usage) != heap_counter::live_bytes() - before) {
        exact = false;
        first_bad = s;
      }
      if (usage < last) monotonic = false;  // only a side table may shrink (hash growth)
      last = usage;
    }
    CAPTURE(first_bad);
    CHECK(exact);
    CHECK(usage >= payload);
    CHECK(usage <= payload * 4 + (1u << 20));
    if constexpr (jadekv::memtable::ordered<M>) CHECK(monotonic);
    CHECK(m.entry_count() == 6000);
  }
  CHECK(heap_counter::live_bytes() == before);  // everything given back on destruction
}

// The type-independent suite, for TEST_CASE_TEMPLATE_INVOKE in each file.
#define MEMTABLE_SUITE_INVOKE(...)                                  \
  TEST_CASE_TEMPLATE_INVOKE(memtable_suite_empty, __VA_ARGS__);    \
  TEST_CASE_TEMPLATE_INVOKE(memtable_suite_versions, __VA_ARGS__); \
  TEST_CASE_TEMPLATE_INVOKE(memtable_suite_seek, __VA_ARGS__);     \
  TEST_CASE_TEMPLATE_INVOKE(memtable_suite_bytes, __VA_ARGS__);    \
  TEST_CASE_TEMPLATE_INVOKE(memtable_suite_large, __VA_ARGS__);    \
  TEST_CASE_TEMPLATE_INVOKE(memtable_suite_model, __VA_ARGS__);    \
  TEST_CASE_TEMPLATE_INVOKE(memtable_suite_memory, __VA_ARGS__)
