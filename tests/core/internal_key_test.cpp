#include <jadekv/core/internal_key.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

namespace kv = jadekv;

namespace {
struct reverse_order {
  static constexpr std::string_view name() { return "test.reverse"; }
  int compare(std::string_view a, std::string_view b) const { return kv::bytewise_comparator{}.compare(b, a); }
};
}  // namespace

TEST_CASE("tag packs the sequence above the kind byte") {
  CHECK(kv::k_max_sequence == 0x00ff'ffff'ffff'ffffull);
  CHECK(kv::pack_tag(0, kv::value_kind::erase) == 0);
  CHECK(kv::pack_tag(1, kv::value_kind::put) == 0x101);
  CHECK(kv::pack_tag(kv::k_max_sequence, kv::value_kind::put) == 0xffff'ffff'ffff'ff01ull);
  for (kv::sequence_number s : {kv::sequence_number{0}, kv::sequence_number{1}, kv::sequence_number{123456789},
                                kv::k_max_sequence}) {
    for (kv::value_kind k : {kv::value_kind::erase, kv::value_kind::put}) {
      const std::uint64_t tag = kv::pack_tag(s, k);
      CHECK(kv::tag_sequence(tag) == s);
      CHECK(kv::tag_kind(tag) == k);
    }
  }
}

TEST_CASE("internal key bytes: user key then little-endian tag") {
  const std::string ik = kv::make_internal_key("ab", 0x0102030405, kv::value_kind::put);
  REQUIRE(ik.size() == 2 + 8);
  const unsigned char want[] = {'a', 'b', 0x01, 0x05, 0x04, 0x03, 0x02, 0x01, 0x00, 0x00};
  for (std::size_t i = 0; i < ik.size(); ++i) CHECK(static_cast<unsigned char>(ik[i]) == want[i]);
  CHECK(kv::extract_user_key(ik) == "ab");
  CHECK(kv::extract_tag(ik) == kv::pack_tag(0x0102030405, kv::value_kind::put));

  char buf[32];
  const std::string zero_key("\0x\0", 3);
  char* end = kv::encode_internal_key(buf, zero_key, kv::pack_tag(9, kv::value_kind::erase));
  CHECK(std::string_view(buf, static_cast<std::size_t>(end - buf)) ==
        kv::make_internal_key(zero_key, 9, kv::value_kind::erase));
}

TEST_CASE("parse_internal_key checks length and kind") {
  kv::parsed_internal_key p;
  CHECK_FALSE(kv::parse_internal_key("", p));
  CHECK_FALSE(kv::parse_internal_key("1234567", p));
  REQUIRE(kv::parse_internal_key(kv::make_internal_key("", 7, kv::value_kind::erase), p));
  CHECK(p.user_key.empty());
  CHECK(p.seq == 7);
  CHECK(p.kind == kv::value_kind::erase);
  std::string bad = kv::make_internal_key("k", 7, kv::value_kind::put);
  bad[1] = 2;  // kind byte
  CHECK_FALSE(kv::parse_internal_key(bad, p));
  bad[1] = static_cast<char>(0xff);
  CHECK_FALSE(kv::parse_internal_key(bad, p));
}

TEST_CASE("internal order: user key ascending, then sequence and kind descending") {
  const kv::internal_key_comparator<> c;
  auto ik = [](std::string_view k, kv::sequence_number s, kv::value_kind t) { return kv::make_internal_key(k, s, t); };
  using kv::value_kind;
  CHECK(c.compare(ik("a", 1, value_kind::put), ik("b", 9, value_kind::put)) < 0);
  CHECK(c.compare(ik("a", 9, value_kind::put), ik("a", 1, value_kind::put)) < 0);   // newest first
  CHECK(c.compare(ik("a", 5, value_kind::put), ik("a", 5, value_kind::erase)) < 0);  // put before erase
  CHECK(c.compare(ik("a", 5, value_kind::erase), ik("a", 4, value_kind::put)) < 0);  // sequence dominates kind
  CHECK(c.compare(ik("a", 5, value_kind::put), ik("a", 5, value_kind::put)) == 0);
  CHECK(c.compare(ik("", 0, value_kind::erase), ik(std::string(1, '\0'), kv::k_max_sequence, value_kind::put)) < 0);
  // A user key that is a prefix of another still sorts first, whatever the tags.
  CHECK(c.compare(ik("a", 0, value_kind::erase), ik("a\x01", kv::k_max_sequence, value_kind::put)) < 0);

  const kv::parsed_internal_key pa{"x", 3, value_kind::put};
  const kv::parsed_internal_key pb{"x", 2, value_kind::put};
  CHECK(c.compare(pa, pb) < 0);
  CHECK(c.compare(pb, pa) > 0);
}

TEST_CASE("internal order agrees with a sort on (user key, -seq, -kind), for any user comparator") {
  std::mt19937 rng(7);
  struct item {
    std::string key;
    kv::sequence_number seq;
    kv::value_kind kind;
  };
  std::vector<item> items;
  for (int i = 0; i < 500; ++i) {
    std::string k(rng() % 3, 'a');
    for (auto& ch : k) ch = static_cast<char>(rng() % 3);
    items.push_back({k, rng() % 20, rng() % 2 ? kv::value_kind::put : kv::value_kind::erase});
  }
  auto check = [&](const auto& user) {
    const kv::internal_key_comparator c(user);
    std::vector<std::string> encoded;
    for (const auto& it : items) encoded.push_back(kv::make_internal_key(it.key, it.seq, it.kind));
    std::sort(encoded.begin(), encoded.end(), [&](const auto& a, const auto& b) { return c.compare(a, b) < 0; });
    for (std::size_t i = 1; i < encoded.size(); ++i) {
      kv::parsed_internal_key a, b;
      REQUIRE(kv::parse_internal_key(encoded[i - 1], a));
      REQUIRE(kv::parse_internal_key(encoded[i], b));
      const int r = user.compare(a.user_key, b.user_key);
      CHECK(r <= 0);
      if (r == 0) CHECK(a.tag() >= b.tag());
    }
  };
  check(kv::bytewise_comparator{});
  check(reverse_order{});
}
