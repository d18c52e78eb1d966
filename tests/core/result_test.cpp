#include <jadekv/core/result.hpp>

#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <type_traits>

namespace kv = jadekv;

namespace {
// Counts live instances, so a test sees every construction matched by
// exactly one destruction.
struct counted {
  static inline int live = 0;
  int v;
  explicit counted(int x) : v(x) { ++live; }
  counted(const counted& o) : v(o.v) { ++live; }
  counted(counted&& o) noexcept : v(o.v) { ++live; }
  counted& operator=(const counted&) = default;
  ~counted() { --live; }
};

kv::result<std::string> lookup(bool found) {
  if (!found) return kv::status::not_found("key 'k'");
  return std::string("value");
}
}  // namespace

TEST_CASE("result holds a value") {
  auto r = lookup(true);
  REQUIRE(r);
  CHECK(r.has_value());
  CHECK(r.status().ok());
  CHECK(*r == "value");
  CHECK(r->size() == 5);
  CHECK(r.value() == "value");
  CHECK(r.value_or("fallback") == "value");
}

TEST_CASE("result holds an error") {
  auto r = lookup(false);
  CHECK_FALSE(r);
  CHECK_FALSE(r.has_value());
  CHECK(r.status().is_not_found());
  CHECK(r.status().message() == "key 'k'");
  CHECK(r.value_or("fallback") == "fallback");
}

TEST_CASE("result works with move-only types") {
  kv::result<std::unique_ptr<int>> r = std::make_unique<int>(7);
  REQUIRE(r);
  std::unique_ptr<int> p = std::move(*r);
  CHECK(*p == 7);
  kv::result<std::unique_ptr<int>> moved = std::move(r);
  CHECK(moved.has_value());
  kv::result<std::unique_ptr<int>> e = kv::status::busy("locked");
  auto s = std::move(e).status();
  CHECK(s.is_busy());
}

TEST_CASE("copies and assignments carry the value or the error, and destroy what they replace") {
  counted::live = 0;
  {
    kv::result<counted> a = counted(1);
    kv::result<counted> e = kv::status::not_found("gone");
    CHECK(counted::live == 1);

    kv::result<counted> b = a;  // copy of a value
    REQUIRE(b);
    CHECK(b->v == 1);
    CHECK(counted::live == 2);

    b = e;  // a value replaced by an error: the value is destroyed
    CHECK_FALSE(b);
    CHECK(b.status().is_not_found());
    CHECK(counted::live == 1);

    b = a;  // an error replaced by a value
    REQUIRE(b);
    CHECK(b.status().ok());
    CHECK(counted::live == 2);

    b = kv::result<counted>(counted(5));  // move assignment over a value
    REQUIRE(b);
    CHECK(b->v == 5);
    CHECK(counted::live == 2);

    const kv::result<counted>& self = b;
    b = self;  // self-assignment keeps the value
    REQUIRE(b);
    CHECK(b->v == 5);
    CHECK(counted::live == 2);

    kv::result<counted> c = std::move(e);  // move of an error
    CHECK_FALSE(c);
    CHECK(c.status().is_not_found());
    CHECK(counted::live == 2);
  }
  CHECK(counted::live == 0);
}

TEST_CASE("result is copyable exactly when its value is") {
  static_assert(std::is_copy_constructible_v<kv::result<std::string>>);
  static_assert(std::is_copy_assignable_v<kv::result<std::string>>);
  static_assert(!std::is_copy_constructible_v<kv::result<std::unique_ptr<int>>>);
  static_assert(!std::is_copy_assignable_v<kv::result<std::unique_ptr<int>>>);
  static_assert(std::is_nothrow_move_constructible_v<kv::result<std::unique_ptr<int>>>);
  kv::result<std::unique_ptr<int>> a = std::make_unique<int>(3);
  kv::result<std::unique_ptr<int>> b = kv::status::busy("locked");
  b = std::move(a);
  REQUIRE(b);
  CHECK(**b == 3);
}
