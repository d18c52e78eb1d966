#include <jadekv/detail/concat.hpp>

#include <doctest/doctest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

using jadekv::detail::concat;

TEST_CASE("concat joins text of every kind in order") {
  const std::string name = "000007.log";
  const std::string_view why = "bad crc";
  CHECK(concat({"wal: ", name, " at offset ", std::uint64_t{4096}, ": ", why}) ==
        "wal: 000007.log at offset 4096: bad crc");
  CHECK(concat({}).empty());
  CHECK(concat({"", std::string(), std::string_view()}).empty());
  CHECK(concat({std::string("tmp") + "x", "!"}) == "tmpx!");  // a temporary lives through the call
}

namespace {
// A name type of the kind a user comparator may return: only convertible.
struct name_type {
  operator std::string_view() const noexcept { return "my.comparator"; }  // NOLINT
};
}  // namespace

TEST_CASE("concat takes anything that converts to string_view") {
  CHECK(concat({"opened with '", name_type{}, "'"}) == "opened with 'my.comparator'");
  const char* c = "ptr";
  char buf[] = "array";
  CHECK(concat({c, "/", buf}) == "ptr/array");
}

TEST_CASE("concat formats integers in decimal, whatever their type") {
  CHECK(concat({0}) == "0");
  CHECK(concat({7u, std::size_t{10}, -3}) == "710-3");
  CHECK(concat({std::numeric_limits<std::uint64_t>::max()}) == "18446744073709551615");
  CHECK(concat({std::numeric_limits<std::int64_t>::min()}) == "-9223372036854775808");
  CHECK(concat({std::numeric_limits<std::int64_t>::max()}) == "9223372036854775807");
  CHECK(concat({std::numeric_limits<int>::min()}) == "-2147483648");
  CHECK(concat({static_cast<unsigned char>(200), static_cast<short>(-5)}) == "200-5");
  for (std::uint64_t v = 1; v != 0 && v < std::numeric_limits<std::uint64_t>::max() / 10; v *= 10) {
    CHECK(concat({v - 1, "|", v}) == std::to_string(v - 1) + "|" + std::to_string(v));
  }
}
