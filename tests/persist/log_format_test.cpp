// The segment format: the encoder (detail/log_writer.hpp) and the decoder
// (detail/log_reader.hpp) agree on every record size and block size; crafted
// fragments in impossible orders are damage no crash explains; random bytes
// never make recovery read out of bounds. Also file_names.
#include <jadekv/persist/detail/log_reader.hpp>
#include <jadekv/persist/detail/log_writer.hpp>
#include <jadekv/persist/file_names.hpp>
#include <jadekv/persist/log_format.hpp>

#include <doctest/doctest.h>

#include <random>
#include <string>
#include <vector>

#include <jadekv/persist/wal.hpp>

#include "log_image.hpp"
#include "persist_env.hpp"

namespace {

using namespace persist_test;
namespace f = persist::log_format;
namespace d = persist::detail;

// One fragment of `type` holding `payload`, with a correct checksum.
std::string fragment(std::uint32_t seed, f::fragment_type type, std::string_view payload) {
  std::string out(f::k_fragment_header_size, '\0');
  d::encode_fixed16(out.data() + f::k_length_offset, static_cast<std::uint16_t>(payload.size()));
  out[f::k_type_offset] = static_cast<char>(type);
  out.append(payload);
  kv::encode_fixed32(out.data() + f::k_crc_offset, d::fragment_crc(seed, out.data() + f::k_length_offset, payload.size()));
  return out;
}

struct read_result {
  std::vector<std::string> records;
  d::log_reader::event last{};
  d::log_damage damage;
  std::uint64_t first_sequence = 0, prev_segment = 0, prev_end = 0;
};

read_result read_segment(const std::string& bytes, std::uint64_t number) {
  auto fs = std::make_shared<io::memory_fs>();
  write_all(*fs, "/seg", bytes);
  auto file = fs->open("/seg", io::open_mode::read_only);
  REQUIRE(file);
  d::log_reader rd(**file, bytes.size(), number);
  read_result out;
  for (;;) {
    out.last = rd.next();
    if (out.last != d::log_reader::event::record) break;
    out.records.emplace_back(rd.record());
  }
  if (out.last == d::log_reader::event::damage) out.damage = rd.damage();
  out.first_sequence = rd.first_sequence();
  out.prev_segment = rd.prev_segment();
  out.prev_end = rd.prev_end();
  return out;
}

}  // namespace

TEST_CASE("log_format: the header layout is as documented") {
  const std::string h = d::encode_segment_header(0x0102030405060708ull, 4096, 77, 0x1112131415161718ull, 999);
  REQUIRE(h.size() == f::k_header_size);
  CHECK(h.size() == 52);
  CHECK(h.substr(0, 8) == std::string("\x89jkvwal\n", 8));
  CHECK(kv::decode_fixed32(h.data() + 8) == 2);
  CHECK(kv::decode_fixed32(h.data() + 12) == 4096);
  CHECK(kv::decode_fixed64(h.data() + 16) == 0x0102030405060708ull);
  CHECK(kv::decode_fixed64(h.data() + 24) == 77);
  CHECK(kv::decode_fixed64(h.data() + 32) == 0x1112131415161718ull);
  CHECK(kv::decode_fixed64(h.data() + 40) == 999);
  CHECK(kv::crc32c::unmask(kv::decode_fixed32(h.data() + 48)) == kv::crc32c::value(h.data(), 48));
  const auto got = read_segment(h, 0x0102030405060708ull);
  CHECK(got.last == d::log_reader::event::end);
  CHECK(got.prev_segment == 0x1112131415161718ull);
  CHECK(got.prev_end == 999);
}

TEST_CASE("log_format: a version 1 segment (no prev fields, 36-byte header) is still read") {
  // Version 1 as its writers laid it out: the version 2 header's first 32
  // bytes with version 1, then the crc of those at 32, then fragments.
  constexpr std::uint64_t number = 9;
  std::string seg = d::encode_segment_header(number, 128, 5).substr(0, 32);
  kv::encode_fixed32(seg.data() + 8, 1);
  seg.resize(36);
  kv::encode_fixed32(seg.data() + 32, kv::crc32c::mask(kv::crc32c::value(seg.data(), 32)));
  const std::vector<std::string> records = {"one", std::string(300, 'x'), "three"};
  std::uint64_t end = seg.size();
  for (const auto& r : records) end = d::frame_record(seg, end, 128, d::segment_seed(number), r);
  REQUIRE(end == seg.size());
  const auto got = read_segment(seg, number);
  CHECK(got.last == d::log_reader::event::end);
  CHECK(got.records == records);
  CHECK(got.first_sequence == 5);
  CHECK(got.prev_segment == 0);
}

TEST_CASE("log_format: framing and reading agree for every record size across block sizes") {
  std::mt19937 rng(7);
  int records = 0;
  for (std::uint32_t bs : {64u, 128u, 4096u, 32768u, 65536u}) {
    const std::uint64_t number = 5;
    const std::uint32_t seed = d::segment_seed(number);
    std::string bytes = d::encode_segment_header(number, bs, 1);
    std::vector<std::string> payloads;
    for (int i = 0; i < 60; ++i) {
      const std::size_t n = i < 20 ? static_cast<std::size_t>(i + 1) : 1 + rng() % (3 * bs);
      std::string p(n, '\0');
      for (auto& c : p) c = static_cast<char>(rng());
      payloads.push_back(p);
      const std::uint64_t before = bytes.size();
      const std::uint64_t end = d::frame_record(bytes, before, bs, seed, p);
      REQUIRE(end == bytes.size());
      // No fragment crosses a block boundary and every trailer is zeros:
      // checked by the reader below, which rejects both.
    }
    const auto r = read_segment(bytes, number);
    CHECK(r.last == d::log_reader::event::end);
    CHECK(r.records == payloads);
    records += static_cast<int>(r.records.size());
  }
  MESSAGE("framed and read back ", records, " records over 5 block sizes");
}

TEST_CASE("log_format: fragments in an order no writer produces are damage no crash explains") {
  const std::uint64_t number = 3;
  const std::uint32_t seed = d::segment_seed(number);
  const std::string head = d::encode_segment_header(number, 32768, 1);
  SUBCASE("a middle fragment with no first") {
    const auto r = read_segment(head + fragment(seed, f::fragment_type::middle, "xyz"), number);
    REQUIRE(r.last == d::log_reader::event::damage);
    CHECK_FALSE(r.damage.may_be_torn);
    CHECK(r.damage.reason.find("no start") != std::string::npos);
  }
  SUBCASE("a full fragment inside a record") {
    const auto r = read_segment(head + fragment(seed, f::fragment_type::first, "ab") +
                                    fragment(seed, f::fragment_type::full, "cd"),
                                number);
    REQUIRE(r.last == d::log_reader::event::damage);
    CHECK_FALSE(r.damage.may_be_torn);
    CHECK(r.damage.record_offset == f::k_header_size);
  }
  SUBCASE("a fragment checksummed for another segment") {
    const auto r = read_segment(head + fragment(d::segment_seed(number + 1), f::fragment_type::full, "ab"), number);
    REQUIRE(r.last == d::log_reader::event::damage);
    CHECK(r.damage.reason.find("checksum") != std::string::npos);
  }
  SUBCASE("a zero-length fragment") {
    const auto r = read_segment(head + fragment(seed, f::fragment_type::full, ""), number);
    REQUIRE(r.last == d::log_reader::event::damage);
  }
  SUBCASE("tolerant recovery refuses them even at the tail") {
    auto rec = recover_bytes<32768>(persist::segment_file_name(number),
                                    head + fragment(seed, f::fragment_type::middle, "xyz"),
                                    persist::recovery_mode::tolerate_torn_tail);
    CHECK(rec.status.is_corruption());
  }
}

TEST_CASE("log_format: random and mutated segments never make recovery misbehave") {
  const auto img = make_log_image<64>(assorted_batches(5, 60));
  std::mt19937 rng(11);
  int ok = 0, refused = 0;
  for (int round = 0; round < 400; ++round) {
    std::string bytes = img.bytes;
    if (round % 4 == 0) {
      bytes.resize(rng() % (img.bytes.size() + 1));
      for (auto& c : bytes) c = static_cast<char>(rng());
    } else {
      for (int k = 0; k < 1 + round % 6; ++k) bytes[rng() % bytes.size()] = static_cast<char>(rng());
    }
    for (auto mode : {persist::recovery_mode::tolerate_torn_tail, persist::recovery_mode::absolute_consistency,
                      persist::recovery_mode::point_in_time}) {
      auto r = recover_bytes<64>(img.name, bytes, mode);
      if (r.status.ok()) {
        ++ok;
        // Whatever came back is a prefix of what was written.
        REQUIRE(r.r.batches.size() <= img.batches.size());
        for (std::size_t i = 0; i < r.r.batches.size(); ++i) CHECK(r.r.batches[i] == img.batches[i]);
      } else {
        ++refused;
        CHECK((r.status.is_corruption() || r.status.is_not_supported()));
      }
    }
  }
  MESSAGE("random/mutated segments: ", ok, " recovered a prefix, ", refused, " refused");
}

TEST_CASE("file_names: canonical names only") {
  CHECK(persist::segment_file_name(7) == "000007.log");
  CHECK(persist::snapshot_file_name(12) == "SNAPSHOT-000012");
  CHECK(persist::segment_file_name(12345678) == "12345678.log");
  auto s = persist::parse_file_name("000007.log");
  REQUIRE(s);
  CHECK(s->kind == persist::file_kind::segment);
  CHECK(s->number == 7);
  CHECK_FALSE(s->temporary);
  auto t = persist::parse_file_name("SNAPSHOT-000012.tmp");
  REQUIRE(t);
  CHECK(t->kind == persist::file_kind::snapshot);
  CHECK(t->temporary);
  auto x = persist::parse_file_name("000003.log.discarded");
  REQUIRE(x);
  CHECK(x->discarded);
  CHECK(persist::parse_file_name("12345678.log"));
  for (const char* bad : {"7.log", "0000007.log", "LOCK", "abc.log", ".log", "SNAPSHOT-", "SNAPSHOT-12",
                          "000007.LOG", "99999999999999999999999.log", "-00007.log", "SNAPSHOT-00001x"}) {
    CAPTURE(bad);
    CHECK_FALSE(persist::parse_file_name(bad));
  }
}
