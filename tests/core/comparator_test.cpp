#include <jadekv/core/comparator.hpp>

#include <doctest/doctest.h>

#include <string>

namespace kv = jadekv;

namespace {
struct reverse_order {
  static constexpr std::string_view name() { return "test.reverse"; }
  int compare(std::string_view a, std::string_view b) const { return kv::bytewise_comparator{}.compare(b, a); }
};
struct missing_name {
  int compare(std::string_view, std::string_view) const { return 0; }
};
}  // namespace

static_assert(kv::comparator<kv::bytewise_comparator>);
static_assert(kv::comparator<reverse_order>);
static_assert(!kv::shortenable_comparator<reverse_order>);
static_assert(!kv::comparator<missing_name>);
static_assert(!kv::comparator<int>);

TEST_CASE("bytewise order is memcmp order with shorter first") {
  const kv::bytewise_comparator c;
  CHECK(c.compare("", "") == 0);
  CHECK(c.compare("", "a") < 0);
  CHECK(c.compare("a", "") > 0);
  CHECK(c.compare("abc", "abd") < 0);
  CHECK(c.compare("ab", "abc") < 0);
  CHECK(c.compare("\xff", "\x01") > 0);  // unsigned bytes
  CHECK(c.compare(std::string("a\0b", 3), std::string("a\0c", 3)) < 0);
  CHECK(c.compare(std::string("a\0", 2), "a") > 0);
}

TEST_CASE("shortest separator stays within [start, limit)") {
  const kv::bytewise_comparator c;
  auto sep = [&](std::string start, std::string limit) {
    c.find_shortest_separator(start, limit);
    return start;
  };
  CHECK(sep("abcdef", "abzz") == "abd");
  CHECK(sep("abc", "abcdef") == "abc");      // prefix: unchanged
  CHECK(sep("abc1", "abc2") == "abc1");      // no room between
  CHECK(sep("a\xff\xff", "b") == "a\xff\xff");
  for (auto [s, l] : {std::pair{"foo123", "fooz"}, {"a", "c"}, {"hello", "help"}}) {
    const std::string out = sep(s, l);
    CHECK(c.compare(out, s) >= 0);
    CHECK(c.compare(out, l) < 0);
  }
}

TEST_CASE("short successor is >= the key") {
  const kv::bytewise_comparator c;
  auto succ = [&](std::string k) {
    c.find_short_successor(k);
    return k;
  };
  CHECK(succ("abc") == "b");
  CHECK(succ("\xff\xff" "a") == "\xff\xff" "b");
  CHECK(succ("\xff\xff") == "\xff\xff");
  CHECK(succ("") == "");
}
