#include <jadekv/memtable/hash.hpp>

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "memtable_suite.hpp"

namespace kv = jadekv;
namespace mt = jadekv::memtable;

namespace {
// A poor hash: many keys share a chain, so chains hold several keys with
// several versions each.
struct length_hash {
  std::uint64_t operator()(std::string_view s) const noexcept { return s.size(); }
};
}  // namespace

static_assert(mt::table<mt::hash<>>);
static_assert(!mt::ordered<mt::hash<>>);
static_assert(!mt::concurrent_insert<mt::hash<>>);

TYPE_TO_STRING_AS("hash<>", mt::hash<>);
TYPE_TO_STRING_AS("hash<reverse>", mt::hash<suite::reverse_order>);
TYPE_TO_STRING_AS("hash<bytewise, length_hash>", mt::hash<kv::bytewise_comparator, length_hash>);
MEMTABLE_SUITE_INVOKE(mt::hash<>, mt::hash<suite::reverse_order>, mt::hash<kv::bytewise_comparator, length_hash>);

TEST_CASE("hash: growth is incremental and reads stay right while it runs") {
  mt::hash<>::options opt;
  opt.initial_buckets = 8;
  mt::hash<> h(opt);
  CHECK(h.bucket_count() == 8);
  std::vector<std::string> keys;
  kv::sequence_number s = 0;
  int growths = 0;
  while (growths < 6) {
    keys.push_back(suite::numbered("k", keys.size()));
    h.insert(++s, kv::value_kind::put, keys.back(), keys.back());
    if (!h.growing()) continue;
    ++growths;
    // A growth just started: it must end within old_size / k_migrate_step
    // further inserts, and every key must stay reachable meanwhile.
    const std::size_t old_size = h.bucket_count() / 2;
    std::size_t inserts_while_growing = 0;
    while (h.growing()) {
      keys.push_back(suite::numbered("k", keys.size()));
      h.insert(++s, kv::value_kind::put, keys.back(), keys.back());
      ++inserts_while_growing;
      bool all_found = true;
      for (const auto& k : keys) all_found = all_found && h.get(k, s).value == k;
      CHECK(all_found);
      auto c = h.iterator();
      std::size_t n = 0;
      for (c.seek_to_first(); c.valid(); c.next()) ++n;
      CHECK(n == keys.size());
    }
    CHECK(inserts_while_growing <= (old_size + mt::hash<>::k_migrate_step - 1) / mt::hash<>::k_migrate_step);
  }
  CHECK(h.bucket_count() == 8u << 6);
  CHECK(h.entry_count() == keys.size());
}

TEST_CASE("hash: an iterator is a snapshot of the entries at its creation") {
  mt::hash<> h;
  h.insert(1, kv::value_kind::put, "a", "1");
  h.insert(2, kv::value_kind::put, "c", "3");
  auto c = h.iterator();
  h.insert(3, kv::value_kind::put, "b", "2");
  std::string walk;
  for (c.seek_to_first(); c.valid(); c.next()) walk += c.user_key();
  CHECK(walk == "ac");
  walk.clear();
  auto d = h.iterator();
  for (d.seek_to_first(); d.valid(); d.next()) walk += d.user_key();
  CHECK(walk == "abc");
}
