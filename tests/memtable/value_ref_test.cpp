#include <jadekv/memtable/detail/value_ref.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

namespace md = jadekv::memtable::detail;

namespace {

// The address `at + d`, made with integer arithmetic: the tests reason about
// addresses far outside any allocation and never dereference them.
const char* offset(const char* at, std::uint64_t d) {
  return reinterpret_cast<const char*>(reinterpret_cast<std::uintptr_t>(at) + d);
}

}  // namespace

TEST_CASE("value_ref: a reference takes 7 bytes and leads back to its record, either direction") {
  std::vector<char> buffer(4096, '\x5a');
  char* at = buffer.data() + 2048;
  for (const std::int64_t d : {std::int64_t{7}, std::int64_t{1}, std::int64_t{0}, std::int64_t{-1},
                               std::int64_t{-2048}, std::int64_t{2040}, std::int64_t{255}, std::int64_t{256}}) {
    CAPTURE(d);
    const char* record = at + d;
    std::memset(at - 8, '\x5a', 24);
    REQUIRE(md::encode_value_ref(at, record));
    CHECK(md::value_record(at) == record);
    CHECK(at[-1] == '\x5a');  // nothing written outside the 7 bytes
    CHECK(at[md::k_value_ref_size] == '\x5a');
  }
}

TEST_CASE("value_ref: distances up to 2^55 encode in both directions, larger ones are refused") {
  // Synthetic addresses: encode_value_ref writes only the 7 bytes at `at`,
  // value_record reads only them.
  std::vector<char> buffer(16);
  char* at = buffer.data();
  const std::uint64_t limit = std::uint64_t{1} << 55;
  for (const std::uint64_t d : {limit - 1, -limit, std::uint64_t{0x0123456789ab}, -std::uint64_t{0x0123456789ab}}) {
    CAPTURE(d);
    const char* record = offset(at, d);
    REQUIRE(md::encode_value_ref(at, record));
    CHECK(md::value_record(at) == record);
  }
  std::memset(at, '\x5a', 16);
  for (const std::uint64_t d : {limit, -limit - 1, std::uint64_t{1} << 60, std::uint64_t{0x0f} << 56}) {
    CAPTURE(d);
    CHECK_FALSE(md::encode_value_ref(at, offset(at, d)));
    CHECK(std::count(at, at + 16, '\x5a') == 16);  // a refusal writes nothing
  }
}

TEST_CASE("value_ref: the byte layout is the distance, little-endian") {
  std::vector<char> buffer(16);
  char* at = buffer.data();
  REQUIRE(md::encode_value_ref(at, offset(at, 0x00123456789abcdeull)));
  const unsigned char expected[] = {0xde, 0xbc, 0x9a, 0x78, 0x56, 0x34, 0x12};
  CHECK(std::memcmp(at, expected, sizeof expected) == 0);
  REQUIRE(md::encode_value_ref(at, offset(at, static_cast<std::uint64_t>(-2))));
  const unsigned char minus_two[] = {0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
  CHECK(std::memcmp(at, minus_two, sizeof minus_two) == 0);
}
