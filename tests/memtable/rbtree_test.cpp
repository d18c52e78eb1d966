#include <jadekv/memtable/rbtree.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "memtable_suite.hpp"

namespace kv = jadekv;
namespace mt = jadekv::memtable;

static_assert(mt::table<mt::rbtree<>>);
static_assert(mt::ordered<mt::rbtree<>>);
static_assert(!mt::concurrent_insert<mt::rbtree<>>);

TYPE_TO_STRING_AS("rbtree<>", mt::rbtree<>);
TYPE_TO_STRING_AS("rbtree<reverse>", mt::rbtree<suite::reverse_order>);
MEMTABLE_SUITE_INVOKE(mt::rbtree<>, mt::rbtree<suite::reverse_order>);

TEST_CASE("rbtree: red-black invariants hold after ascending, descending and random inserts") {
  constexpr int k_n = 4000;
  std::vector<int> order(k_n);
  std::iota(order.begin(), order.end(), 0);
  std::vector<std::vector<int>> orders = {order, {order.rbegin(), order.rend()}};
  std::shuffle(order.begin(), order.end(), std::mt19937(9));
  orders.push_back(order);
  for (const auto& o : orders) {
    mt::rbtree<> t;
    CHECK(t.check_invariants());
    for (std::size_t i = 0; i < o.size(); ++i) {
      char key[16];
      std::snprintf(key, sizeof key, "%08d", o[i] / 2);  // two versions per key
      t.insert(static_cast<kv::sequence_number>(i) + 1, kv::value_kind::put, key, "v");
      if (i % 997 == 0 && !t.check_invariants()) FAIL_CHECK("invariants broken after insert " << i);
    }
    CHECK(t.check_invariants());
    CHECK(t.entry_count() == o.size());
  }
}

TEST_CASE("rbtree: a cursor stays valid across inserts made between its steps") {
  mt::rbtree<> t;
  for (int i = 0; i < 100; i += 2) t.insert(static_cast<kv::sequence_number>(i) + 1, kv::value_kind::put, std::to_string(1000 + i), "v");
  auto c = t.iterator();
  c.seek_to_first();
  std::vector<std::string> seen;
  for (int i = 1; c.valid(); i += 2) {
    seen.emplace_back(c.user_key());
    if (i < 100) t.insert(static_cast<kv::sequence_number>(i) + 1, kv::value_kind::put, std::to_string(1000 + i), "v");
    c.next();
  }
  // Each odd key went in right after the cursor passed its even predecessor,
  // so the walk saw all of them.
  CHECK(seen.size() == 100);
  CHECK(std::is_sorted(seen.begin(), seen.end()));
}
