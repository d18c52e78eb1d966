#include <jadekv/core/crc32c.hpp>

#include <doctest/doctest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace crc = jadekv::crc32c;

namespace {
std::uint32_t both(const std::string& s) {
  const auto p = crc::extend_portable(0, s.data(), s.size());
  if (crc::hardware_available()) CHECK(crc::extend_hardware(0, s.data(), s.size()) == p);
  CHECK(crc::value(s) == p);
  return p;
}
}  // namespace

TEST_CASE("RFC 3720 B.4 test vectors, both paths") {
  std::string buf(32, '\0');
  CHECK(both(buf) == 0x8a9136aau);
  buf.assign(32, '\xff');
  CHECK(both(buf) == 0x62a8ab43u);
  for (int i = 0; i < 32; ++i) buf[static_cast<std::size_t>(i)] = static_cast<char>(i);
  CHECK(both(buf) == 0x46dd794eu);
  for (int i = 0; i < 32; ++i) buf[static_cast<std::size_t>(i)] = static_cast<char>(31 - i);
  CHECK(both(buf) == 0x113fdb5cu);
  // An iSCSI SCSI Read (10) command PDU.
  const unsigned char pdu[48] = {0x01, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                                 0x00, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00,
                                 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x18, 0x28, 0x00, 0x00, 0x00,
                                 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
  CHECK(both(std::string(reinterpret_cast<const char*>(pdu), sizeof pdu)) == 0xd9963a56u);
  CHECK(both("123456789") == 0xe3069283u);
  CHECK(both("") == 0u);
}

TEST_CASE("extend over pieces equals value over the whole") {
  const std::string s = "hello world, this is a crc32c test of extend";
  for (std::size_t cut = 0; cut <= s.size(); ++cut) {
    const auto a = crc::extend(crc::value(s.data(), cut), s.data() + cut, s.size() - cut);
    CHECK(a == crc::value(s));
  }
}

TEST_CASE("hardware and portable paths agree on random buffers of every length 0..4096") {
  if (!crc::hardware_available()) {
    MESSAGE("no SSE4.2 on this CPU: only the portable path exists here");
    return;
  }
  std::mt19937_64 rng(20261121);
  std::vector<char> buf(4096 + 8);
  std::size_t compared = 0;
  for (std::size_t len = 0; len <= 4096; ++len) {
    for (int rep = 0; rep < 3; ++rep) {
      for (auto& c : buf) c = static_cast<char>(rng());
      const std::size_t offset = rng() % 8;  // unaligned starts too
      const auto seed = static_cast<std::uint32_t>(rng());
      const auto p = crc::extend_portable(seed, buf.data() + offset, len);
      const auto h = crc::extend_hardware(seed, buf.data() + offset, len);
      if (p != h) FAIL("mismatch at length " << len << " offset " << offset);
      ++compared;
    }
  }
  CHECK(compared == 3 * 4097);
}

TEST_CASE("hardware and portable paths agree on long buffers, around every round of three strides") {
  if (!crc::hardware_available()) {
    MESSAGE("no SSE4.2 on this CPU: only the portable path exists here");
    return;
  }
  std::mt19937_64 rng(7);
  std::vector<char> buf((1 << 20) + 1);
  for (auto& c : buf) c = static_cast<char>(rng());
  constexpr std::size_t round = 3 * crc::detail::k_stride;
  for (std::size_t rounds = 1; rounds <= 64; rounds *= 2) {
    for (const std::size_t len : {rounds * round - 1, rounds * round, rounds * round + 1, rounds * round + 13}) {
      CAPTURE(len);
      CHECK(crc::extend_hardware(0x1234u, buf.data() + 1, len) == crc::extend_portable(0x1234u, buf.data() + 1, len));
    }
  }
  CHECK(crc::extend_hardware(0, buf.data(), buf.size()) == crc::extend_portable(0, buf.data(), buf.size()));
}

TEST_CASE("mask changes the value and unmask inverts it") {
  std::mt19937 rng(7);
  for (int i = 0; i < 10000; ++i) {
    const auto c = static_cast<std::uint32_t>(rng());
    CHECK(crc::unmask(crc::mask(c)) == c);
  }
  const auto c = crc::value("foo");
  CHECK(crc::mask(c) != c);
  CHECK(crc::mask(crc::mask(c)) != c);
  static_assert(crc::unmask(crc::mask(0x12345678u)) == 0x12345678u);
}
