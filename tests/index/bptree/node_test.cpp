// bptree nodes: key heads order as their keys do; the searches by heads give
// what comparing every cell gives, with tied heads, keys outside the page's
// prefix and pages too full for a prefix; validation refuses heads and
// prefixes that disagree with the keys; a file of the previous format
// version is refused as such.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstddef>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "bptree_env.hpp"
#include "jadekv/index/bptree/node.hpp"

namespace {

using namespace bptree_test;
namespace bp = kv::index::detail::bptree;

constexpr std::size_t k_page = 4096;

// Bytes that make ties likely: NUL (the heads' padding) and two letters.
std::string random_tail(std::mt19937& rng, std::size_t max_len) {
  static constexpr char k_bytes[] = {'\0', 'a', 'b'};
  std::string s(rng() % (max_len + 1), '\0');
  for (char& c : s) c = k_bytes[rng() % 3];
  return s;
}

std::vector<std::string> sorted_unique(std::vector<std::string> keys) {
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  return keys;
}

std::string leaf_page(const std::vector<std::string>& keys, std::string_view value) {
  std::vector<bp::leaf_item> items;
  for (const auto& k : keys) {
    items.push_back({k, 1, value, static_cast<std::uint32_t>(value.size()), 0, false});
  }
  REQUIRE(bp::node_bytes<bp::leaf_item>(items) <= k_page);
  std::string page(k_page, '\0');
  bp::encode_leaf(page.data(), k_page, 7, items);
  return page;
}

std::string branch_page(const std::vector<std::string>& keys) {
  std::vector<bp::branch_item> items;
  for (std::size_t i = 0; i < keys.size(); ++i) items.push_back({keys[i], 3 + i});
  REQUIRE(bp::node_bytes<bp::branch_item>(items) <= k_page);
  std::string page(k_page, '\0');
  bp::encode_branch(page.data(), k_page, 7, items);
  return page;
}

// lower_bound and child_index against a count over every cell.
void check_searches(const std::string& page, std::string_view probe) {
  const char* p = page.data();
  const std::size_t count = bp::header_count(p);
  std::size_t below = 0, at_most = 0;
  for (std::size_t i = 0; i < count; ++i) {
    const int c = cmp_t{}.compare(bp::cell_key(p, i), probe);
    below += c < 0 ? 1 : 0;
    at_most += c <= 0 ? 1 : 0;
  }
  CHECK(bp::lower_bound(p, probe, cmp_t{}) == below);
  CHECK(bp::child_index(p, probe, cmp_t{}) == (at_most == 0 ? 0 : at_most - 1));
}

kv::status validate(const std::string& page) {
  return bp::validate_node(page.data(), page.size(), 7, 1000, cmp_t{}, "test");
}

}  // namespace

TEST_CASE("bptree nodes: common_prefix agrees with a byte-by-byte count at every length, difference and cap") {
  std::mt19937 rng(17);
  for (int round = 0; round < 20000; ++round) {
    std::string a(rng() % 40, 'x');
    for (auto& c : a) c = static_cast<char>(rng() % 4 == 0 ? rng() : 'k');
    std::string b = a.substr(0, rng() % (a.size() + 1));
    if (!b.empty() && rng() % 2 == 0) b[rng() % b.size()] ^= static_cast<char>(1 << (rng() % 8));
    if (rng() % 3 == 0) b += std::string(rng() % 12, 'k');
    const std::size_t cap = rng() % 3 == 0 ? rng() % 20 : bp::k_max_prefix;
    std::size_t want = 0;
    while (want < std::min({a.size(), b.size(), cap}) && a[want] == b[want]) ++want;
    REQUIRE(bp::common_prefix(a, b, cap) == want);
    REQUIRE(bp::common_prefix(b, a, cap) == want);
  }
}

TEST_CASE("bptree key heads: a smaller head means a smaller key") {
  std::mt19937 rng(11);
  for (int round = 0; round < 20000; ++round) {
    const std::string shared = random_tail(rng, 3);
    const std::string a = shared + random_tail(rng, 7), b = shared + random_tail(rng, 7);
    const std::uint32_t ha = bp::key_head(a, shared.size()), hb = bp::key_head(b, shared.size());
    if (ha < hb) CHECK(a < b);
    if (a < b) CHECK(ha <= hb);
  }
  CHECK(bp::key_head("abcdef", 1) == 0x62636465u);
  CHECK(bp::key_head("ab", 1) == 0x62000000u);
  CHECK(bp::key_head("ab", 2) == 0u);
}

TEST_CASE("bptree nodes: searches by heads agree with every cell's key") {
  std::mt19937 rng(5);
  for (int round = 0; round < 300; ++round) {
    // Keys that share a prefix, then tie on their heads often.
    const std::string prefix = std::string(rng() % 20, 'k') + random_tail(rng, 2);
    std::vector<std::string> keys;
    const std::size_t n = 1 + rng() % 40;
    for (std::size_t i = 0; i < n; ++i) keys.push_back(prefix + random_tail(rng, 9));
    keys = sorted_unique(std::move(keys));
    for (const std::string& page : {leaf_page(keys, "v"), branch_page(keys)}) {
      REQUIRE(validate(page).ok());
      CHECK(bp::page_prefix(page.data()) ==
            std::string_view(keys.front()).substr(0, bp::common_prefix(keys.front(), keys.back(), bp::k_max_prefix)));
      for (const auto& k : keys) check_searches(page, k);
      for (int probe = 0; probe < 30; ++probe) check_searches(page, prefix + random_tail(rng, 9));
      // Outside the prefix: below it, above it, and a proper prefix of it.
      check_searches(page, "");
      check_searches(page, prefix.substr(0, prefix.size() / 2));
      check_searches(page, std::string(prefix.size() + 1, 'a'));
      check_searches(page, std::string(prefix.size() + 1, 'l'));
      check_searches(page, std::string(3, '\xff'));
    }
  }
}

TEST_CASE("bptree nodes: the prefix is what the keys share, at most the format's maximum") {
  const std::string shared(100, 's');
  std::vector<std::string> keys;
  for (char c = 'a'; c <= 'f'; ++c) keys.push_back(shared + c + "tail");
  const std::string page = leaf_page(keys, "value");
  REQUIRE(validate(page).ok());
  CHECK(bp::header_prefix(page.data()) == bp::k_max_prefix);
  // Past the recorded prefix the heads still tie: the cells decide.
  for (const auto& k : keys) check_searches(page, k);
  check_searches(page, shared + "c");
  check_searches(page, shared + "z");

  const std::string apart = leaf_page({"apple", "banana"}, "v");
  CHECK(bp::header_prefix(apart.data()) == 0);
  check_searches(apart, "apricot");
}

TEST_CASE("bptree nodes: a page with no room left records no prefix and still searches right") {
  // Two keys sharing 30 bytes, a value sized to fill the page to the byte.
  const std::vector<std::string> keys = {std::string(30, 'p') + "a", std::string(30, 'p') + "b"};
  std::vector<bp::leaf_item> probe_items;
  for (const auto& k : keys) probe_items.push_back({k, 1, "", 0, 0, false});
  const std::size_t empty_bytes = bp::node_bytes<bp::leaf_item>(probe_items);
  // Each value adds its bytes and grows its length varint from 1 to 2 bytes.
  const std::size_t value_len = (k_page - empty_bytes) / 2 - 1;
  const std::string value(value_len, 'v');
  std::vector<bp::leaf_item> items;
  for (const auto& k : keys) items.push_back({k, 1, value, static_cast<std::uint32_t>(value.size()), 0, false});
  const std::size_t used = bp::node_bytes<bp::leaf_item>(items);
  REQUIRE(used <= k_page);
  REQUIRE(k_page - used < 30);
  const std::string page = leaf_page(keys, value);
  REQUIRE(validate(page).ok());
  CHECK(bp::header_prefix(page.data()) == k_page - used);
  for (const auto& k : keys) check_searches(page, k);
  check_searches(page, std::string(30, 'p'));
  check_searches(page, std::string(31, 'p'));
}

TEST_CASE("bptree nodes: heads or a prefix that disagree with the keys are corruption") {
  const std::string good = leaf_page({"key:0001", "key:0002", "key:0003"}, "v");
  REQUIRE(validate(good).ok());
  REQUIRE(bp::header_prefix(good.data()) == 7);

  auto damaged = [&](auto change) {
    std::string page = good;
    change(page.data());
    bp::seal(page.data(), page.size());
    return validate(page);
  };
  const kv::status head = damaged([](char* p) { p[bp::k_header_size + bp::k_slot_size + 2] ^= 1; });
  CHECK(head.is_corruption());
  CHECK(head.message().find("key head") != std::string::npos);

  const kv::status prefix = damaged([](char* p) { p[bp::k_header_size + 3 * bp::k_slot_size] = 'X'; });
  CHECK(prefix.is_corruption());
  CHECK(prefix.message().find("prefix") != std::string::npos);

  const kv::status too_long = damaged([](char* p) { p[bp::k_off_prefix] = static_cast<char>(bp::k_max_prefix + 1); });
  CHECK(too_long.is_corruption());

  const kv::status past = damaged([](char* p) { p[bp::k_off_prefix] = 9; });  // longer than "key:0001" shares
  CHECK(past.is_corruption());
}

TEST_CASE("bptree: a file of the previous format version is refused as not supported") {
  auto fs = std::make_shared<io::memory_fs>();
  {
    auto s = open_store(fs);
    writer w;
    w.put("a", "1");
    REQUIRE(w.flush(*s).ok());
  }
  const std::filesystem::path file = k_dir / std::string(bp::k_file_name);
  auto bytes = io::read_file(*fs, file);
  REQUIRE(bytes.has_value());
  std::string image = *bytes;
  const std::size_t page = kv::decode_fixed32(image.data() + bp::k_meta_page_size);
  for (std::size_t slot = 0; slot < 2; ++slot) {
    char* meta = image.data() + slot * page;
    kv::encode_fixed32(meta + bp::k_meta_version, 1);
    bp::seal(meta, page);
  }
  REQUIRE(io::write_file_atomically(*fs, file, image).ok());
  auto r = store_t::open(fs, k_dir, small_pages(), {});
  REQUIRE_FALSE(r.has_value());
  CHECK(r.status().is_not_supported());
  CHECK(r.status().message().find("format version 1") != std::string::npos);
}
