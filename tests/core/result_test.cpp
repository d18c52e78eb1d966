#include <jadekv/core/result.hpp>

#include <doctest/doctest.h>

#include <memory>
#include <string>

namespace kv = jadekv;

namespace {
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
