#include <jadekv/core/coding.hpp>

#include <doctest/doctest.h>

#include <cstdint>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <vector>

namespace kv = jadekv;

TEST_CASE("fixed32 and fixed64 are little-endian and round-trip") {
  std::string s;
  kv::put_fixed32(s, 0x04030201u);
  kv::put_fixed64(s, 0x0807060504030201ull);
  REQUIRE(s.size() == 12);
  CHECK(s.substr(0, 4) == std::string("\x01\x02\x03\x04", 4));
  CHECK(s.substr(4) == std::string("\x01\x02\x03\x04\x05\x06\x07\x08", 8));
  std::string_view in = s;
  std::uint32_t a = 0;
  std::uint64_t b = 0;
  REQUIRE(kv::get_fixed32(in, a));
  REQUIRE(kv::get_fixed64(in, b));
  CHECK(a == 0x04030201u);
  CHECK(b == 0x0807060504030201ull);
  CHECK(in.empty());
  CHECK_FALSE(kv::get_fixed32(in, a));
  std::string_view three = std::string_view(s).substr(0, 3);
  CHECK_FALSE(kv::get_fixed32(three, a));
  CHECK(three.size() == 3);
}

TEST_CASE("varint64 round-trips every power-of-two boundary") {
  std::vector<std::uint64_t> values = {0, 1, 127, 128, 255, 256, 16383, 16384, std::numeric_limits<std::uint64_t>::max()};
  for (int i = 0; i < 64; ++i) {
    const std::uint64_t p = std::uint64_t{1} << i;
    values.insert(values.end(), {p - 1, p, p + 1});
  }
  std::string s;
  for (auto v : values) kv::put_varint64(s, v);
  std::string_view in = s;
  for (auto v : values) {
    std::uint64_t got = 0;
    const std::size_t before = in.size();
    REQUIRE(kv::get_varint64(in, got));
    CHECK(got == v);
    CHECK(before - in.size() == static_cast<std::size_t>(kv::varint_length(v)));
  }
  CHECK(in.empty());
}

TEST_CASE("varint32 round-trips and rejects 64-bit values") {
  std::string s;
  for (std::uint32_t v : {0u, 1u, 127u, 128u, 300u, 0xffffu, 0x0fffffffu, 0xffffffffu}) {
    s.clear();
    kv::put_varint32(s, v);
    std::string_view in = s;
    std::uint32_t got = 0;
    REQUIRE(kv::get_varint32(in, got));
    CHECK(got == v);
  }
  s.clear();
  kv::put_varint64(s, std::uint64_t{1} << 32);
  std::string_view in = s;
  std::uint32_t got = 0;
  CHECK_FALSE(kv::get_varint32(in, got));
  CHECK(in.size() == s.size());
}

TEST_CASE("varint decoders detect truncation at every cut") {
  std::string s;
  kv::put_varint64(s, std::numeric_limits<std::uint64_t>::max());
  REQUIRE(s.size() == 10);
  for (std::size_t cut = 0; cut < s.size(); ++cut) {
    std::string_view in(s.data(), cut);
    std::uint64_t v = 0;
    CHECK_FALSE(kv::get_varint64(in, v));
    CHECK(in.size() == cut);
    CHECK(kv::decode_varint64(s.data(), s.data() + cut, v) == nullptr);
  }
}

TEST_CASE("varint decoders detect overflow") {
  // 10 bytes whose last group carries bit 64.
  const std::string too_big64("\xff\xff\xff\xff\xff\xff\xff\xff\xff\x02", 10);
  std::string_view in = too_big64;
  std::uint64_t v = 0;
  CHECK_FALSE(kv::get_varint64(in, v));
  // 11 continuation bytes.
  const std::string endless(11, '\x80');
  in = endless;
  CHECK_FALSE(kv::get_varint64(in, v));
  // 5 bytes whose last group carries bit 32.
  const std::string too_big32("\xff\xff\xff\xff\x10", 5);
  std::string_view in32 = too_big32;
  std::uint32_t w = 0;
  CHECK_FALSE(kv::get_varint32(in32, w));
  const std::string max32("\xff\xff\xff\xff\x0f", 5);
  in32 = max32;
  REQUIRE(kv::get_varint32(in32, w));
  CHECK(w == 0xffffffffu);
}

TEST_CASE("varint decoder never reads past limit on random bytes") {
  std::mt19937_64 rng(42);
  for (int round = 0; round < 20000; ++round) {
    const std::size_t n = rng() % 12;
    // Exactly n bytes on the heap so ASan sees any over-read.
    auto buf = std::make_unique<char[]>(n == 0 ? 1 : n);
    for (std::size_t i = 0; i < n; ++i) buf[i] = static_cast<char>(rng());
    std::uint64_t v = 0;
    const char* end = kv::decode_varint64(buf.get(), buf.get() + n, v);
    if (end != nullptr) {
      CHECK(end > buf.get());
      CHECK(end <= buf.get() + n);
    }
  }
}

TEST_CASE("length-prefixed bytes round-trip and detect truncation") {
  std::string s;
  const std::string zeros("a\0b\0", 4);
  kv::put_length_prefixed(s, "");
  kv::put_length_prefixed(s, zeros);
  kv::put_length_prefixed(s, std::string(300, 'x'));
  std::string_view in = s;
  std::string_view out;
  REQUIRE(kv::get_length_prefixed(in, out));
  CHECK(out.empty());
  REQUIRE(kv::get_length_prefixed(in, out));
  CHECK(out == zeros);
  REQUIRE(kv::get_length_prefixed(in, out));
  CHECK(out == std::string(300, 'x'));
  CHECK(in.empty());
  std::string_view cut = std::string_view(s).substr(0, s.size() - 1);
  cut.remove_prefix(1 + 5);
  const std::size_t before = cut.size();
  CHECK_FALSE(kv::get_length_prefixed(cut, out));
  CHECK(cut.size() == before);
}
