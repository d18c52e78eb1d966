// index/lsm/table_format and table_properties: the fixed pieces of a table
// file round trip, and every truncated or damaged form is rejected.
#include <doctest/doctest.h>

#include <string>

#include "jadekv/index/lsm/table_format.hpp"
#include "jadekv/index/lsm/table_properties.hpp"
#include "table_env.hpp"

namespace {
using namespace lsm_test;
}  // namespace

TEST_CASE("table_format: header round trip; every damaged byte rejected") {
  char h[sst::k_header_size];
  sst::encode_header(h);
  CHECK(std::string_view(h, 8) == "\x89jkvsst\n");
  CHECK(sst::check_header({h, sst::k_header_size}).ok());
  CHECK(sst::check_header({h, sst::k_header_size - 1}).is_corruption());
  for (std::size_t i = 0; i < sst::k_header_size; ++i) {
    char bad[sst::k_header_size];
    std::memcpy(bad, h, sizeof bad);
    bad[i] ^= 0x01;
    CHECK(sst::check_header({bad, sst::k_header_size}).is_corruption());
  }
}

TEST_CASE("table_format: footer round trip; bad magic, crc, version and handles rejected") {
  const std::uint64_t file_size = 10000;
  sst::footer f;
  f.filter = {5000, 100};
  f.properties = {5105, 50};
  f.index = {5160, 4000};
  char buf[sst::k_footer_size];
  sst::encode_footer(buf, f);
  sst::footer g;
  REQUIRE(sst::decode_footer({buf, sst::k_footer_size}, file_size, g).ok());
  CHECK(g.filter == f.filter);
  CHECK(g.properties == f.properties);
  CHECK(g.index == f.index);
  for (std::size_t i = 0; i < sst::k_footer_size; ++i) {
    char bad[sst::k_footer_size];
    std::memcpy(bad, buf, sizeof bad);
    bad[i] ^= 0x40;
    CHECK(sst::decode_footer({bad, sst::k_footer_size}, file_size, g).is_corruption());
  }
  // Handles that run into the footer or start inside the header.
  for (const sst::block_handle h : {sst::block_handle{9900, 40}, sst::block_handle{8, 10},
                                    sst::block_handle{100, ~std::uint64_t{0} - 50}, sst::block_handle{~std::uint64_t{0}, 1}}) {
    sst::footer bad = f;
    bad.index = h;
    sst::encode_footer(buf, bad);
    CHECK(sst::decode_footer({buf, sst::k_footer_size}, file_size, g).is_corruption());
  }
  sst::footer no_filter = f;
  no_filter.filter = {};
  sst::encode_footer(buf, no_filter);
  CHECK(sst::decode_footer({buf, sst::k_footer_size}, file_size, g).ok());
}

TEST_CASE("table_format: block handles and trailers") {
  for (const sst::block_handle h : {sst::block_handle{0, 0}, sst::block_handle{16, 4096},
                                    sst::block_handle{~std::uint64_t{0}, ~std::uint64_t{0}}}) {
    std::string enc;
    sst::put_block_handle(enc, h);
    sst::block_handle back;
    REQUIRE(sst::decode_block_handle(enc, back));
    CHECK(back == h);
    for (std::size_t n = 0; n < enc.size(); ++n) CHECK(!sst::decode_block_handle(enc.substr(0, n), back));
    CHECK(!sst::decode_block_handle(enc + "x", back));  // trailing bytes
  }
  std::string b;
  sst::append_block(b, "contents");
  REQUIRE(b.size() == 8 + sst::k_block_trailer_size);
  CHECK(sst::block_crc_matches(b.data(), 8));
  CHECK(b[8] == 0);  // raw
  for (std::size_t i = 0; i < b.size(); ++i) {
    std::string bad = b;
    bad[i] ^= 0x01;
    CHECK(!sst::block_crc_matches(bad.data(), 8));
  }
}

TEST_CASE("table_properties: round trip; truncations and contradictions rejected") {
  sst::table_properties p;
  p.entries = 10;
  p.puts = 7;
  p.data_blocks = 2;
  p.user_key_bytes = 55;
  p.value_bytes = 1000;
  p.smallest_seq = 3;
  p.largest_seq = 90;
  p.smallest_key = make_internal_key("a", 90, value_kind::put);
  p.largest_key = make_internal_key(std::string("z\0", 2), 3, value_kind::erase);
  p.comparator = "jadekv.bytewise";
  p.bits_per_key = 10;
  p.restart_interval = 16;
  std::string enc;
  sst::encode_properties(enc, p);
  sst::table_properties q;
  REQUIRE(sst::decode_properties(enc, q));
  CHECK(q.entries == 10);
  CHECK(q.erases() == 3);
  CHECK(q.data_blocks == 2);
  CHECK(q.user_key_bytes == 55);
  CHECK(q.value_bytes == 1000);
  CHECK(q.smallest_seq == 3);
  CHECK(q.largest_seq == 90);
  CHECK(q.smallest_user_key() == "a");
  CHECK(q.largest_user_key() == std::string("z\0", 2));
  CHECK(q.comparator == "jadekv.bytewise");
  CHECK(q.bits_per_key == 10);
  CHECK(q.restart_interval == 16);
  CHECK(sst::decode_properties(enc + "later fields", q));  // forward compatible
  for (std::size_t n = 0; n < enc.size(); ++n) CHECK(!sst::decode_properties(enc.substr(0, n), q));
  sst::table_properties bad = p;
  bad.puts = 11;  // more puts than entries
  enc.clear();
  sst::encode_properties(enc, bad);
  CHECK(!sst::decode_properties(enc, q));
  bad = p;
  bad.smallest_key = "short";  // not an internal key
  enc.clear();
  sst::encode_properties(enc, bad);
  CHECK(!sst::decode_properties(enc, q));
}
