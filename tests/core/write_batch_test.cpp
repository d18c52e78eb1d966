#include <jadekv/core/write_batch.hpp>

#include <doctest/doctest.h>

#include <cstdint>
#include <random>
#include <string>
#include <tuple>
#include <vector>

namespace kv = jadekv;

namespace {

using record = std::tuple<kv::value_kind, std::string, std::string>;

std::vector<record> records_of(const kv::write_batch& b) {
  std::vector<record> out;
  auto s = b.for_each([&](kv::value_kind k, std::string_view key, std::string_view value) {
    out.emplace_back(k, std::string(key), std::string(value));
  });
  REQUIRE_MESSAGE(s.ok(), s.to_string());
  return out;
}

}  // namespace

TEST_CASE("an empty batch is a 12-byte header") {
  kv::write_batch b;
  CHECK(b.count() == 0);
  CHECK(b.empty());
  CHECK(b.sequence() == 0);
  CHECK(b.byte_size() == kv::write_batch::k_header_size);
  CHECK(records_of(b).empty());
}

TEST_CASE("the encoding is the documented byte layout") {
  kv::write_batch b;
  b.put("a", "1");
  b.erase("b");
  b.set_sequence(7);
  const std::string want("\x07\0\0\0\0\0\0\0" "\x02\0\0\0" "\x01\x01" "a" "\x01" "1" "\x00\x01" "b", 20);
  CHECK(b.data() == want);
  CHECK(b.count() == 2);
  CHECK(b.sequence() == 7);
}

TEST_CASE("put, erase, for_each in order, clear") {
  kv::write_batch b;
  b.put("k1", "v1");
  b.erase("k2");
  b.put("", "");
  b.put("k3", std::string(300, 'x'));  // a two-byte varint length
  const auto r = records_of(b);
  REQUIRE(r.size() == 4);
  CHECK(r[0] == record{kv::value_kind::put, "k1", "v1"});
  CHECK(r[1] == record{kv::value_kind::erase, "k2", ""});
  CHECK(r[2] == record{kv::value_kind::put, "", ""});
  CHECK(r[3] == record{kv::value_kind::put, "k3", std::string(300, 'x')});
  b.set_sequence(99);
  b.clear();
  CHECK(b.count() == 0);
  CHECK(b.sequence() == 0);
  CHECK(b.byte_size() == kv::write_batch::k_header_size);
}

TEST_CASE("for_each stops at the first non-ok status of the callback") {
  kv::write_batch b;
  b.put("a", "1");
  b.put("b", "2");
  b.put("c", "3");
  int seen = 0;
  auto s = b.for_each([&](kv::value_kind, std::string_view key, std::string_view) -> kv::status {
    ++seen;
    return key == "b" ? kv::status::conflict("stop at b") : kv::status{};
  });
  CHECK(s.is_conflict());
  CHECK(seen == 2);
}

TEST_CASE("append keeps this batch's sequence and adds the other's records") {
  kv::write_batch a, b;
  a.put("a", "1");
  a.set_sequence(5);
  b.erase("x");
  b.put("y", "2");
  b.set_sequence(77);
  a.append(b);
  CHECK(a.sequence() == 5);
  CHECK(a.count() == 3);
  const auto r = records_of(a);
  REQUIRE(r.size() == 3);
  CHECK(r[1] == record{kv::value_kind::erase, "x", ""});
  CHECK(r[2] == record{kv::value_kind::put, "y", "2"});
}

TEST_CASE("decode round-trips what put and erase produced") {
  std::mt19937 rng(42);
  for (int round = 0; round < 50; ++round) {
    kv::write_batch b;
    const int n = static_cast<int>(rng() % 20);
    for (int i = 0; i < n; ++i) {
      std::string key(rng() % 40, static_cast<char>('a' + rng() % 26));
      if (rng() % 3 == 0) {
        b.erase(key);
      } else {
        b.put(key, std::string(rng() % 200, static_cast<char>(rng())));
      }
    }
    b.set_sequence(rng());
    auto d = kv::write_batch::decode(b.data());
    REQUIRE_MESSAGE(d, d.status().to_string());
    CHECK(*d == b);
    CHECK(records_of(*d) == records_of(b));
  }
}

TEST_CASE("decode rejects every truncation, naming the offset") {
  kv::write_batch b;
  b.put("key", "value");
  b.erase("gone");
  b.put("k2", "v2");
  const std::string full(b.data());
  for (std::size_t n = 0; n < full.size(); ++n) {
    auto d = kv::write_batch::decode(std::string_view(full).substr(0, n));
    REQUIRE_FALSE(d);
    CHECK(d.status().is_corruption());
    CHECK(d.status().message().find("offset") != std::string::npos);
  }
  CHECK(kv::write_batch::decode(full));
}

TEST_CASE("decode rejects trailing bytes, unknown kinds and count mismatches") {
  kv::write_batch b;
  b.put("a", "1");
  std::string bytes(b.data());

  auto trailing = kv::write_batch::decode(bytes + "x");
  REQUIRE_FALSE(trailing);
  CHECK(trailing.status().is_corruption());
  CHECK(trailing.status().message().find("after the last record") != std::string::npos);

  std::string kind = bytes;
  kind[kv::write_batch::k_header_size] = 7;
  auto k = kv::write_batch::decode(kind);
  REQUIRE_FALSE(k);
  CHECK(k.status().message().find("unknown record kind 7") != std::string::npos);

  std::string more = bytes;
  more[8] = 2;  // claims two records
  auto m = kv::write_batch::decode(more);
  REQUIRE_FALSE(m);
  CHECK(m.status().is_corruption());

  std::string fewer = bytes;
  fewer[8] = 0;  // claims none: the record is trailing garbage
  CHECK_FALSE(kv::write_batch::decode(fewer));

  // A huge varint length never reads past the buffer.
  std::string huge = bytes.substr(0, kv::write_batch::k_header_size + 1) + "\xff\xff\xff\xff\x0f";
  CHECK_FALSE(kv::write_batch::decode(huge));
}

TEST_CASE("decode rejects sequence numbers that overflow a tag") {
  kv::write_batch b;
  b.put("a", "1");
  b.put("b", "2");
  b.set_sequence(kv::k_max_sequence - 1);  // records get max-1 and max: fine
  CHECK(kv::write_batch::decode(b.data()));
  b.set_sequence(kv::k_max_sequence);  // the second record would pass the max
  auto d = kv::write_batch::decode(b.data());
  REQUIRE_FALSE(d);
  CHECK(d.status().is_corruption());
}

TEST_CASE("decode never reads outside its input: every single-byte change of a batch") {
  kv::write_batch b;
  b.put("alpha", "one");
  b.erase("beta");
  b.put("gamma", std::string(130, 'g'));
  const std::string good(b.data());
  int accepted = 0, rejected = 0;
  for (std::size_t i = 0; i < good.size(); ++i) {
    for (int v : {0x00, 0x01, 0x7f, 0x80, 0xff}) {
      std::string bad = good;
      bad[i] = static_cast<char>(v);
      // Copy into an exact-size heap buffer so ASan sees any overread.
      std::vector<char> exact(bad.begin(), bad.end());
      auto d = kv::write_batch::decode(std::string_view(exact.data(), exact.size()));
      if (d) {
        ++accepted;
        CHECK(records_of(*d).size() == d->count());
      } else {
        ++rejected;
        CHECK(d.status().is_corruption());
      }
    }
  }
  MESSAGE("single-byte mutations: ", accepted, " decoded, ", rejected, " rejected");
  CHECK(rejected > 0);
}
