#include <jadekv/memtable/detail/entry_probe.hpp>

#include <doctest/doctest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace kv = jadekv;
namespace md = jadekv::memtable::detail;

namespace {

// Keys of every length around the fast path's limits, from a tiny alphabet
// (many ties and shared prefixes) that includes the extreme bytes.
std::string random_key(std::mt19937& rng) {
  static constexpr char k_alphabet[] = {'\0', '\x01', 'a', 'b', '\x7f', '\x80', '\xff'};
  std::string k(rng() % 21, '\0');
  for (char& c : k) c = k_alphabet[rng() % sizeof k_alphabet];
  return k;
}

// An allocation of exactly the entry's size, so that a read past it shows
// under AddressSanitizer.
std::vector<char> encode(const std::string& key, std::uint64_t tag, const std::string& value) {
  std::vector<char> e(md::entry_size(key.size(), value.size()));
  md::encode_entry(e.data(), key, tag, value);
  return e;
}

template <class Cmp>
void check_against_compare_entry(std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<std::string> keys;
  for (int i = 0; i < 300; ++i) keys.push_back(random_key(rng));
  const Cmp cmp;
  for (int i = 0; i < 20000; ++i) {
    const std::string& ek = keys[rng() % keys.size()];
    const std::string& pk = rng() % 4 == 0 ? ek : keys[rng() % keys.size()];
    const std::uint64_t etag = kv::pack_tag(rng() % 4, kv::value_kind::put);
    const std::uint64_t ptag = kv::pack_tag(rng() % 4, kv::value_kind::put);
    // With an empty value the entry ends one byte after its tag.
    const std::vector<char> e = encode(ek, etag, rng() % 2 == 0 ? std::string() : std::string("v"));
    const md::entry_probe<Cmp> probe(cmp, pk, ptag);
    const int expect = md::compare_entry(cmp, e.data(), pk, ptag);
    CAPTURE(ek);
    CAPTURE(pk);
    REQUIRE(probe.entry_before(e.data()) == (expect < 0));
    REQUIRE(probe.specialize([&](const auto& p) { return p.entry_before(e.data()); }) == (expect < 0));
    REQUIRE(probe.same_user_key(e.data()) == (ek == pk));
  }
}

}  // namespace

TEST_CASE("entry_probe: bytewise fast path orders entries as compare_entry does") {
  check_against_compare_entry<kv::bytewise_comparator>(7);
}

namespace {
// Any comparator other than bytewise_comparator: the general path.
struct bytewise_copy {
  static constexpr std::string_view name() { return "test.bytewise_copy"; }
  int compare(std::string_view a, std::string_view b) const { return a.compare(b); }
};
}  // namespace

TEST_CASE("entry_probe: a user comparator orders entries as compare_entry does") {
  check_against_compare_entry<bytewise_copy>(8);
}

TEST_CASE("entry_probe: keys of 17 bytes and more take the general path, same order") {
  const kv::bytewise_comparator cmp;
  const std::string long_key(40, 'k');
  const md::entry_probe<kv::bytewise_comparator> probe(cmp, long_key, kv::pack_tag(5, kv::value_kind::put));
  CHECK(probe.entry_before(encode(std::string(39, 'k'), 1, "").data()));
  CHECK_FALSE(probe.entry_before(encode(long_key, kv::pack_tag(5, kv::value_kind::put), "").data()));
  CHECK(probe.entry_before(encode(long_key, kv::pack_tag(6, kv::value_kind::put), "").data()));
  CHECK_FALSE(probe.entry_before(encode(std::string(16, 'l'), 1, "").data()));
  CHECK(probe.same_user_key(encode(long_key, 1, "x").data()));
}
