// index/lsm/bloom: no false negatives, the false-positive rate at 10 bits per
// key, the format's hash pinned, malformed filters rejected.
#include <doctest/doctest.h>

#include <string>

#include "jadekv/index/lsm/bloom.hpp"
#include "table_env.hpp"

namespace {
using namespace lsm_test;
using sst::bloom_builder;
using sst::bloom_reader;
}  // namespace

TEST_CASE("bloom: every added key matches; under 2% false positives over 10k absent keys at 10 bits/key") {
  for (int n : {1, 10, 1000, 10000, 100000}) {
    CAPTURE(n);
    bloom_builder<> b(10);
    for (int i = 0; i < n; ++i) b.add_hash(sst::key_hash(key_of(static_cast<std::uint64_t>(i))));
    std::string bytes;
    b.finish(bytes);
    bloom_reader r;
    REQUIRE(bloom_reader::parse(bytes, r));
    CHECK(r.probes() == 6);
    CHECK(bytes.size() >= static_cast<std::size_t>(n) * 10 / 8);
    for (int i = 0; i < n; ++i) REQUIRE(r.may_match(sst::key_hash(key_of(static_cast<std::uint64_t>(i)))));
    int fp = 0;
    const int absent = 10000;
    for (int i = 0; i < absent; ++i) fp += r.may_match(sst::key_hash("absent" + key_of(static_cast<std::uint64_t>(i))));
    const double rate = static_cast<double>(fp) / absent;
    MESSAGE("n = " << n << ": false-positive rate " << rate * 100 << "%");
    if (n >= 1000) CHECK(rate < 0.02);
  }
}

TEST_CASE("bloom: an empty filter matches nothing; bits per key changes the rate") {
  bloom_builder<> b(10);
  std::string bytes;
  b.finish(bytes);
  CHECK(bytes.size() == sst::k_bloom_trailer_size);
  bloom_reader r;
  REQUIRE(bloom_reader::parse(bytes, r));
  CHECK(!r.may_match(sst::key_hash("x")));

  double last = 1.0;
  for (int bits : {4, 8, 16}) {
    bloom_builder<> bb(bits);
    for (int i = 0; i < 10000; ++i) bb.add_hash(sst::key_hash(key_of(static_cast<std::uint64_t>(i))));
    std::string out;
    bb.finish(out);
    bloom_reader rr;
    REQUIRE(bloom_reader::parse(out, rr));
    int fp = 0;
    for (int i = 0; i < 10000; ++i) fp += rr.may_match(sst::key_hash("no" + key_of(static_cast<std::uint64_t>(i))));
    const double rate = fp / 10000.0;
    CHECK(rate < last);
    last = rate;
  }
}

TEST_CASE("bloom: the hash is part of the format and pinned") {
  // Changing these values breaks every filter already on disk.
  CHECK(sst::key_hash("") == sst::key_hash(std::string_view()));
  CHECK(sst::key_hash("a") != sst::key_hash("b"));
  CHECK(sst::key_hash(std::string("\0", 1)) != sst::key_hash(""));
  CHECK(sst::key_hash("abcdefgh") != sst::key_hash(std::string("abcdefgh\0", 9)));
  static const std::uint64_t pinned_empty = sst::key_hash("");
  static const std::uint64_t pinned_text = sst::key_hash("jadekv sorted table");
  CHECK(pinned_empty == 16852473371444490038ull);
  CHECK(pinned_text == 2634804869349694018ull);
}

TEST_CASE("bloom: malformed filter contents are rejected") {
  bloom_builder<> b(10);
  for (int i = 0; i < 100; ++i) b.add_hash(sst::key_hash(key_of(static_cast<std::uint64_t>(i))));
  std::string good;
  b.finish(good);
  bloom_reader r;
  REQUIRE(bloom_reader::parse(good, r));
  CHECK(!bloom_reader::parse(good.substr(0, 4), r));
  CHECK(!bloom_reader::parse(good.substr(1), r));
  std::string bad = good;
  bad[bad.size() - 5] = 0;  // k = 0
  CHECK(!bloom_reader::parse(bad, r));
  bad[bad.size() - 5] = 31;
  CHECK(!bloom_reader::parse(bad, r));
  bad = good;
  encode_fixed32(bad.data() + bad.size() - 4, 0x7fffffff);  // lines disagree with the size
  CHECK(!bloom_reader::parse(bad, r));
}
