#include <jadekv/core/status.hpp>

#include <doctest/doctest.h>

namespace kv = jadekv;

TEST_CASE("default status is ok and owns nothing") {
  kv::status s;
  CHECK(s.ok());
  CHECK(s.code() == kv::status_code::ok);
  CHECK(s.message().empty());
  CHECK(s.to_string() == "ok");
  CHECK_FALSE(s.is_not_found());
}

TEST_CASE("each factory sets exactly its predicate") {
  struct row {
    kv::status s;
    bool (kv::status::*pred)() const noexcept;
    const char* name;
  };
  const row rows[] = {
      {kv::status::not_found("k"), &kv::status::is_not_found, "not_found"},
      {kv::status::corruption("c"), &kv::status::is_corruption, "corruption"},
      {kv::status::io_error("i"), &kv::status::is_io_error, "io_error"},
      {kv::status::no_space("n"), &kv::status::is_no_space, "no_space"},
      {kv::status::invalid_argument("a"), &kv::status::is_invalid_argument, "invalid_argument"},
      {kv::status::conflict("x"), &kv::status::is_conflict, "conflict"},
      {kv::status::busy("b"), &kv::status::is_busy, "busy"},
      {kv::status::closed(), &kv::status::is_closed, "closed"},
      {kv::status::not_supported("s"), &kv::status::is_not_supported, "not_supported"},
  };
  for (const auto& r : rows) {
    CAPTURE(r.name);
    CHECK_FALSE(r.s.ok());
    CHECK((r.s.*r.pred)());
    CHECK(r.s.to_string().rfind(r.name, 0) == 0);
    int set = 0;
    for (const auto& other : rows) set += (r.s.*other.pred)() ? 1 : 0;
    CHECK(set == 1);
  }
}

TEST_CASE("to_string and with_context carry the message") {
  const auto s = kv::status::io_error("write /tmp/x: Input/output error");
  CHECK(s.to_string() == "io_error: write /tmp/x: Input/output error");
  const auto c = s.with_context("flush");
  CHECK(c.is_io_error());
  CHECK(c.message() == "flush: write /tmp/x: Input/output error");
  CHECK(kv::status{}.with_context("anything").ok());
}
