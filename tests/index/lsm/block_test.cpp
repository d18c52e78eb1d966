// index/lsm/block: block_builder and block_cursor round trips, seeks at the
// edges, both directions, and garbage that must never crash the cursor.
#include <doctest/doctest.h>

#include <random>
#include <string>
#include <vector>

#include "jadekv/index/lsm/block.hpp"
#include "jadekv/index/lsm/block_builder.hpp"
#include "table_env.hpp"

namespace {

using namespace lsm_test;
using sst::block_builder;
using sst::block_cursor;
using sst::block_view;

struct kv {
  std::string ikey;
  std::string value;
};

std::vector<kv> make_entries(int n) {
  std::vector<kv> out;
  for (int i = 0; i < n; ++i) {
    // shared prefixes of varying length, some keys with zero bytes
    std::string k = key_of(static_cast<std::uint64_t>(i) * 3, 6);
    if (i % 7 == 0) k.push_back('\0');
    out.push_back({make_internal_key(k, static_cast<sequence_number>(1000 - i), value_kind::put),
                   std::string(static_cast<std::size_t>(i % 13), static_cast<char>('a' + i % 26))});
  }
  return out;
}

std::string build(const std::vector<kv>& es, int interval) {
  block_builder<> b(interval);
  for (const kv& e : es) b.add(e.ikey, e.value);
  const std::size_t estimate = b.size_estimate();
  std::string out(b.finish());
  CHECK(out.size() == estimate);
  return out;
}

auto before(std::string_view target) {
  return [target](std::string_view k) {
    return internal_key_comparator<>{}.compare(k, target) < 0;
  };
}

}  // namespace

TEST_CASE("block: round trip forward and backward over many restart intervals") {
  const auto es = make_entries(200);
  for (int interval : {1, 2, 3, 16, 100, 1000}) {
    CAPTURE(interval);
    const std::string bytes = build(es, interval);
    block_view v;
    REQUIRE(block_view::parse(bytes, v));
    CHECK(v.num_restarts == static_cast<std::uint32_t>((es.size() + static_cast<std::size_t>(interval) - 1) /
                                                       static_cast<std::size_t>(interval)));
    block_cursor<> c(v);
    std::size_t i = 0;
    for (c.seek_to_first(); c.valid(); c.next(), ++i) {
      REQUIRE(i < es.size());
      CHECK(c.key() == es[i].ikey);
      CHECK(c.value() == es[i].value);
    }
    CHECK(c.status().ok());
    CHECK(i == es.size());
    i = es.size();
    for (c.seek_to_last(); c.valid(); c.prev()) {
      REQUIRE(i > 0);
      --i;
      CHECK(c.key() == es[i].ikey);
      CHECK(c.value() == es[i].value);
    }
    CHECK(c.status().ok());
    CHECK(i == 0);
  }
}

TEST_CASE("block: seek before the first, after the last, exact and between keys") {
  const auto es = make_entries(100);
  for (int interval : {1, 4, 16}) {
    CAPTURE(interval);
    const std::string bytes = build(es, interval);
    block_view v;
    REQUIRE(block_view::parse(bytes, v));
    block_cursor<> c(v);

    c.seek(before(make_internal_key("", k_max_sequence, value_kind::put)));
    REQUIRE(c.valid());
    CHECK(c.key() == es.front().ikey);

    c.seek(before(make_internal_key("zzz", 0, value_kind::erase)));
    CHECK(!c.valid());
    CHECK(c.status().ok());

    for (std::size_t i = 0; i < es.size(); ++i) {
      c.seek(before(es[i].ikey));  // exact
      REQUIRE(c.valid());
      CHECK(c.key() == es[i].ikey);
      // between: the same user key with a lower sequence lands on the next entry
      const std::string uk(extract_user_key(es[i].ikey));
      c.seek(before(make_internal_key(uk, tag_sequence(extract_tag(es[i].ikey)) - 1, value_kind::put)));
      if (i + 1 < es.size()) {
        REQUIRE(c.valid());
        CHECK(c.key() == es[i + 1].ikey);
        c.prev();
        REQUIRE(c.valid());
        CHECK(c.key() == es[i].ikey);
      } else {
        CHECK(!c.valid());
      }
    }
  }
}

TEST_CASE("block: an empty block has one restart point and no entries") {
  block_builder<> b;
  CHECK(b.empty());
  const std::string bytes(b.finish());
  CHECK(bytes.size() == 8);
  block_view v;
  REQUIRE(block_view::parse(bytes, v));
  block_cursor<> c(v);
  c.seek_to_first();
  CHECK(!c.valid());
  c.seek_to_last();
  CHECK(!c.valid());
  c.seek(before(make_internal_key("a", 1, value_kind::put)));
  CHECK(!c.valid());
  CHECK(c.status().ok());
}

TEST_CASE("block: a key longer than the cursor's inline buffer and a large value") {
  const std::string big_key(1000, 'k');
  const std::string big_value(1 << 20, 'v');
  std::vector<kv> es = {{make_internal_key(big_key + "a", 5, value_kind::put), big_value},
                        {make_internal_key(big_key + "b", 5, value_kind::erase), ""}};
  const std::string bytes = build(es, 16);
  block_view v;
  REQUIRE(block_view::parse(bytes, v));
  block_cursor<> c(v);
  c.seek_to_first();
  REQUIRE(c.valid());
  CHECK(c.key() == es[0].ikey);
  CHECK(c.value() == big_value);
  c.next();
  REQUIRE(c.valid());
  CHECK(c.key() == es[1].ikey);
  c.prev();
  REQUIRE(c.valid());
  CHECK(c.value().size() == big_value.size());
}

TEST_CASE("block: malformed restart arrays are rejected by parse") {
  block_view v;
  CHECK(!block_view::parse("", v));
  CHECK(!block_view::parse(std::string("\0\0\0\0", 4), v));
  std::string zero_restarts(8, '\0');  // n = 0
  CHECK(!block_view::parse(zero_restarts, v));
  std::string huge(8, '\0');
  encode_fixed32(huge.data() + 4, 1000);
  CHECK(!block_view::parse(huge, v));
  const auto es = make_entries(40);
  std::string bytes = build(es, 4);
  REQUIRE(block_view::parse(bytes, v));
  std::string bad = bytes;
  encode_fixed32(bad.data() + v.restarts_offset + 4, 0);  // restart 1 not increasing
  CHECK(!block_view::parse(bad, v));
  bad = bytes;
  encode_fixed32(bad.data() + bad.size() - 8, static_cast<std::uint32_t>(bad.size()));  // past the entries
  CHECK(!block_view::parse(bad, v));
}

// Every operation of a cursor over arbitrary bytes either works or reports
// corruption; under ASan this proves no read leaves the buffer.
TEST_CASE("block: random and damaged bytes never crash the cursor") {
  std::mt19937_64 rng(7);
  const auto es = make_entries(60);
  const std::string good = build(es, 4);
  int parsed = 0, corrupt = 0;
  for (int round = 0; round < 4000; ++round) {
    std::string bytes;
    if (round % 2 == 0) {
      bytes = good;
      const int flips = 1 + static_cast<int>(rng() % 4);
      for (int f = 0; f < flips; ++f) bytes[rng() % bytes.size()] = static_cast<char>(rng());
      if (round % 8 == 0) bytes.resize(rng() % bytes.size());
    } else {
      bytes.resize(rng() % 200);
      for (char& ch : bytes) ch = static_cast<char>(rng() % 4 == 0 ? rng() : rng() % 3);
      if (bytes.size() >= 8) {  // a plausible restart array now and then
        const std::uint32_t n = static_cast<std::uint32_t>(1 + rng() % 3);
        if (bytes.size() >= 4 + 4 * n + 4) {
          encode_fixed32(bytes.data() + bytes.size() - 4, n);
          encode_fixed32(bytes.data() + bytes.size() - 4 - 4 * n, 0);
        }
      }
    }
    // An exact-size heap copy, so ASan sees any read past the end.
    auto exact = std::make_unique<char[]>(bytes.size() + 1);
    std::memcpy(exact.get(), bytes.data(), bytes.size());
    block_view v;
    if (!block_view::parse({exact.get(), bytes.size()}, v)) continue;
    ++parsed;
    block_cursor<> c(v);
    int steps = 0;
    for (c.seek_to_first(); c.valid() && steps < 1000; c.next(), ++steps) (void)c.value();
    for (c.seek_to_last(); c.valid() && steps < 2000; c.prev(), ++steps) (void)c.user_key();
    c.seek(before(make_internal_key("key000090", 500, value_kind::put)));
    if (c.valid()) c.prev();
    if (!c.status().ok()) {
      CHECK(c.status().is_corruption());
      ++corrupt;
    }
  }
  CHECK(parsed > 100);
  CHECK(corrupt > 10);
}
