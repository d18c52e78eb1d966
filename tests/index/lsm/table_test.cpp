// index/lsm/table: builder + reader round trips, point lookups by sequence,
// iteration both ways across blocks, edge-case tables, the block cache.
#include <doctest/doctest.h>

#include <map>
#include <random>
#include <string>
#include <vector>

#include "jadekv/index/lsm/table.hpp"
#include "jadekv/index/lsm/table_builder.hpp"
#include "table_env.hpp"

namespace {

using namespace lsm_test;

std::vector<entry> many_entries(int n, int versions = 1) {
  std::vector<entry> es;
  sequence_number seq = 1;
  for (int i = 0; i < n; ++i)
    for (int v = 0; v < versions; ++v)
      es.push_back({key_of(static_cast<std::uint64_t>(i) * 2), seq++, (i + v) % 5 == 4 ? value_kind::erase : value_kind::put,
                    "value-" + std::to_string(i) + "-" + std::to_string(v)});
  for (entry& e : es)
    if (e.kind == value_kind::erase) e.value.clear();
  sort_entries(es);
  return es;
}

// Walks the whole table forward and backward and compares with `es`.
void check_iteration(const sst::table<>& t, const std::vector<entry>& es) {
  auto it = t.new_iterator();
  std::size_t i = 0;
  for (it->seek_to_first(); it->valid(); it->next(), ++i) {
    REQUIRE(i < es.size());
    CHECK(it->user_key() == es[i].key);
    CHECK(it->seq() == es[i].seq);
    CHECK(it->kind() == es[i].kind);
    CHECK(it->value() == es[i].value);
  }
  CHECK(it->status().ok());
  CHECK(i == es.size());
  for (it->seek_to_last(); it->valid(); it->prev()) {
    REQUIRE(i > 0);
    --i;
    CHECK(it->user_key() == es[i].key);
    CHECK(it->seq() == es[i].seq);
  }
  CHECK(it->status().ok());
  CHECK(i == 0);
}

}  // namespace

TEST_CASE("table: round trip with many blocks, every option combination") {
  const auto es = many_entries(3000, 2);
  for (int bits : {0, 10}) {
    for (int interval : {1, 16}) {
      for (bool shorten : {false, true}) {
        CAPTURE(bits);
        CAPTURE(interval);
        CAPTURE(shorten);
        sst::table_options o;
        o.bits_per_key = bits;
        o.restart_interval = interval;
        o.shorten_separators = shorten;
        o.block_size = 512;
        const std::string bytes = build_table(es, o);
        auto t = open_table(bytes);
        REQUIRE_MESSAGE(t, t.status().to_string());
        const auto& p = (*t)->properties();
        CHECK(p.entries == es.size());
        CHECK(p.data_blocks == (*t)->data_blocks());
        CHECK(p.data_blocks > 50);
        CHECK(p.smallest_key == make_internal_key(es.front().key, es.front().seq, es.front().kind));
        CHECK(p.largest_key == make_internal_key(es.back().key, es.back().seq, es.back().kind));
        CHECK(p.smallest_seq == 1);
        CHECK(p.largest_seq == es.size());
        CHECK(p.comparator == bytewise_comparator::name());
        CHECK((*t)->verify().ok());
        check_iteration(**t, es);
        std::string v;
        sst::get_result r;
        for (std::size_t i = 0; i < es.size(); i += 7) {
          REQUIRE((*t)->get(es[i].key, k_max_sequence, v, r).ok());
          std::string want;
          const auto m = model_get(es, es[i].key, k_max_sequence, want);
          CHECK(r.state == m.state);
          CHECK(r.seq == m.seq);
          if (m.state == sst::lookup_state::found) CHECK(v == want);
        }
      }
    }
  }
}

TEST_CASE("table: get at every sequence of a key with many versions (found, erased, absent)") {
  // One user key with 300 versions spanning several blocks, neighbours around it.
  std::vector<entry> es;
  es.push_back({"a", 5, value_kind::put, "before"});
  for (sequence_number s = 10; s < 310; ++s)
    es.push_back({"m", s, s % 3 == 0 ? value_kind::erase : value_kind::put, s % 3 == 0 ? "" : "v" + std::to_string(s)});
  es.push_back({"z", 7, value_kind::put, "after"});
  sort_entries(es);
  sst::table_options o;
  o.block_size = 256;
  auto t = open_table(build_table(es, o));
  REQUIRE(t);
  CHECK((*t)->data_blocks() > 5);
  std::string v;
  sst::get_result r;
  for (sequence_number at = 0; at < 320; ++at) {
    CAPTURE(at);
    for (const std::string& k : {std::string("a"), std::string("m"), std::string("z"), std::string("b"), std::string(), std::string("mm"), std::string("m\0", 2)}) {
      REQUIRE((*t)->get(k, at, v, r).ok());
      std::string want;
      const auto m = model_get(es, k, at, want);
      CHECK(r.state == m.state);
      CHECK(r.seq == m.seq);
      if (m.state == sst::lookup_state::found) CHECK(v == want);
    }
  }
  // iterator seek to every (key, seq) lands on the first entry at or after it
  auto it = (*t)->new_iterator();
  for (sequence_number at = 0; at < 320; ++at) {
    it->seek("m", at);
    const auto first = std::find_if(es.begin(), es.end(), [&](const entry& e) {
      return e.key > "m" || (e.key == "m" && e.seq <= at);
    });
    REQUIRE(it->valid());
    CHECK(it->user_key() == first->key);
    CHECK(it->seq() == first->seq);
  }
}

TEST_CASE("table: seek before the first, after the last, exact and between, across block boundaries") {
  const auto es = many_entries(500);
  sst::table_options o;
  o.block_size = 128;
  auto t = open_table(build_table(es, o));
  REQUIRE(t);
  auto it = (*t)->new_iterator();
  it->seek("", k_max_sequence);
  REQUIRE(it->valid());
  CHECK(it->user_key() == es.front().key);
  it->prev();
  CHECK(!it->valid());
  it->seek("zzz", 0);
  CHECK(!it->valid());
  CHECK(it->status().ok());
  for (std::size_t i = 0; i < es.size(); ++i) {
    it->seek(es[i].key, es[i].seq);  // exact
    REQUIRE(it->valid());
    CHECK(it->user_key() == es[i].key);
    std::string between = es[i].key + '\0';  // after key i, before key i + 1
    it->seek(between, k_max_sequence);
    if (i + 1 == es.size()) {
      CHECK(!it->valid());
      continue;
    }
    REQUIRE(it->valid());
    CHECK(it->user_key() == es[i + 1].key);
    it->prev();
    REQUIRE(it->valid());
    CHECK(it->user_key() == es[i].key);
    it->next();
    it->next();
    if (i + 2 < es.size()) {
      REQUIRE(it->valid());
      CHECK(it->user_key() == es[i + 2].key);
    }
  }
}

TEST_CASE("table: empty table and one entry") {
  {
    auto t = open_table(build_table({}));
    REQUIRE_MESSAGE(t, t.status().to_string());
    CHECK((*t)->properties().entries == 0);
    CHECK((*t)->data_blocks() == 0);
    CHECK((*t)->verify().ok());
    auto it = (*t)->new_iterator();
    it->seek_to_first();
    CHECK(!it->valid());
    it->seek_to_last();
    CHECK(!it->valid());
    it->seek("a", 1);
    CHECK(!it->valid());
    CHECK(it->status().ok());
    std::string v;
    sst::get_result r;
    CHECK((*t)->get("a", 9, v, r).ok());
    CHECK(r.state == sst::lookup_state::absent);
  }
  {
    const std::vector<entry> es = {{"only", 42, value_kind::put, "one"}};
    auto t = open_table(build_table(es));
    REQUIRE(t);
    CHECK((*t)->verify().ok());
    check_iteration(**t, es);
    std::string v;
    sst::get_result r;
    CHECK((*t)->get("only", 42, v, r).ok());
    CHECK(r.state == sst::lookup_state::found);
    CHECK(v == "one");
    CHECK((*t)->get("only", 41, v, r).ok());
    CHECK(r.state == sst::lookup_state::absent);
  }
}

TEST_CASE("table: keys with zero bytes and empty keys and values") {
  std::vector<entry> es = {{"", 1, value_kind::put, ""},
                           {std::string("\0", 1), 2, value_kind::put, std::string("\0\0", 2)},
                           {std::string("\0\0", 2), 3, value_kind::erase, ""},
                           {std::string("a\0b", 3), 4, value_kind::put, "x"},
                           {std::string("a\0c", 3), 5, value_kind::put, std::string("\0", 1)},
                           {"a", 6, value_kind::put, "plain"}};
  sort_entries(es);
  for (std::size_t bs : {std::size_t{1}, std::size_t{4096}}) {
    sst::table_options o;
    o.block_size = bs;
    auto t = open_table(build_table(es, o));
    REQUIRE(t);
    CHECK((*t)->verify().ok());
    check_iteration(**t, es);
    std::string v;
    sst::get_result r;
    for (const entry& e : es) {
      REQUIRE((*t)->get(e.key, 100, v, r).ok());
      CHECK(r.seq == e.seq);
      CHECK(r.state == (e.kind == value_kind::put ? sst::lookup_state::found : sst::lookup_state::erased));
      if (e.kind == value_kind::put) CHECK(v == e.value);
    }
  }
}

TEST_CASE("table: values larger than a block (1 MiB)") {
  std::vector<entry> es;
  for (int i = 0; i < 6; ++i)
    es.push_back({key_of(static_cast<std::uint64_t>(i)), static_cast<sequence_number>(i + 1), value_kind::put,
                  std::string(static_cast<std::size_t>(1 << 20) + static_cast<std::size_t>(i), static_cast<char>('a' + i))});
  es.insert(es.begin() + 3, entry{key_of(2) + "x", 99, value_kind::put, "small"});
  auto t = open_table(build_table(es));
  REQUIRE(t);
  CHECK((*t)->verify().ok());
  check_iteration(**t, es);
  std::string v;
  sst::get_result r;
  REQUIRE((*t)->get(key_of(4), 100, v, r).ok());
  CHECK(r.state == sst::lookup_state::found);
  CHECK(v == es[5].value);
}

TEST_CASE("table: builder rejects keys out of order and duplicates") {
  auto bytes = std::make_shared<std::string>();
  string_file f(bytes);
  sst::table_builder<> b(f);
  CHECK(b.add("b", 5, value_kind::put, "x").ok());
  CHECK(b.add("a", 9, value_kind::put, "x").is_invalid_argument());
  CHECK(b.add("b", 5, value_kind::put, "x").is_invalid_argument());
  CHECK(b.add("b", 6, value_kind::put, "x").is_invalid_argument());  // newer must come first
  CHECK(b.add("b", 4, value_kind::put, "x").ok());
  CHECK(b.add(std::string_view("short"), "x").is_invalid_argument());
  CHECK(b.finish().ok());
  CHECK(b.entries() == 2);
  auto t = open_table(*bytes);
  REQUIRE(t);
  CHECK((*t)->verify().ok());
}

TEST_CASE("table: a table written with another comparator does not open") {
  struct reverse_order {
    static constexpr std::string_view name() { return "test.reverse"; }
    int compare(std::string_view a, std::string_view b) const { return bytewise_comparator{}.compare(b, a); }
  };
  auto bytes = std::make_shared<std::string>();
  {
    string_file f(bytes);
    sst::table_builder<reverse_order> b(f);
    CHECK(b.add("b", 1, value_kind::put, "1").ok());
    CHECK(b.add("a", 1, value_kind::put, "2").ok());
    CHECK(b.finish().ok());
  }
  auto wrong = open_table(*bytes);
  REQUIRE(!wrong);
  CHECK(wrong.status().is_invalid_argument());
  auto right = sst::table<reverse_order>::open(std::make_unique<string_file>(bytes), bytes->size());
  REQUIRE(right);
  CHECK((*right)->verify().ok());
  std::string v;
  sst::get_result r;
  CHECK((*right)->get("a", 5, v, r).ok());
  CHECK(v == "2");
  auto it = (*right)->new_iterator();
  it->seek_to_first();
  REQUIRE(it->valid());
  CHECK(it->user_key() == "b");
}

TEST_CASE("table: shortened separators keep the index small and lookups right") {
  std::vector<entry> es;
  for (int i = 0; i < 2000; ++i)
    es.push_back({"a-long-common-prefix-" + key_of(static_cast<std::uint64_t>(i) * 10, 10), 1, value_kind::put,
                  std::string(40, 'v')});
  sst::table_options o;
  o.block_size = 256;
  sst::table_options plain = o;
  plain.shorten_separators = false;
  const std::string short_bytes = build_table(es, o), long_bytes = build_table(es, plain);
  CHECK(short_bytes.size() < long_bytes.size());
  auto t = open_table(short_bytes);
  REQUIRE(t);
  CHECK((*t)->verify().ok());
  std::string v;
  sst::get_result r;
  for (std::size_t i = 0; i < es.size(); ++i) {
    REQUIRE((*t)->get(es[i].key, 1, v, r).ok());
    CHECK(r.state == sst::lookup_state::found);
    REQUIRE((*t)->get(es[i].key + "5", 1, v, r).ok());  // between two keys
    CHECK(r.state == sst::lookup_state::absent);
  }
}

TEST_CASE("table: blocks come from the cache after the first read; hits and misses are counted") {
  const auto es = many_entries(2000);
  sst::table_options o;
  o.block_size = 1024;
  const std::string bytes_str = build_table(es, o);
  auto bytes = std::make_shared<std::string>(bytes_str);
  auto cache = sst::make_block_cache(1 << 20, 0);
  auto file = std::make_unique<string_file>(bytes);
  string_file* raw = file.get();
  auto t = sst::table<>::open(std::move(file), bytes->size(), {.cache = cache});
  REQUIRE(t);
  const std::uint64_t reads_at_open = raw->reads;
  std::string v;
  sst::get_result r;
  REQUIRE((*t)->get(es[10].key, k_max_sequence, v, r).ok());
  CHECK(cache->misses() == 1);
  CHECK(cache->hits() == 0);
  CHECK(raw->reads == reads_at_open + 1);
  REQUIRE((*t)->get(es[11].key, k_max_sequence, v, r).ok());  // same block
  CHECK(cache->hits() == 1);
  CHECK(raw->reads == reads_at_open + 1);
  // fill_cache = false reads without inserting
  read_options no_fill;
  no_fill.fill_cache = false;
  REQUIRE((*t)->get(es.back().key, k_max_sequence, v, r, no_fill).ok());
  CHECK(cache->size() == 1);
  // an absent key never reaches the cache (bloom)
  const std::uint64_t lookups = cache->hits() + cache->misses();
  int reached = 0;
  for (int i = 0; i < 1000; ++i) {
    REQUIRE((*t)->get("absent-" + std::to_string(i), k_max_sequence, v, r).ok());
    CHECK(r.state == sst::lookup_state::absent);
  }
  reached = static_cast<int>(cache->hits() + cache->misses() - lookups);
  CHECK(reached < 30);
  // a full scan through the cache, then verify_checksums = false reads agree
  check_iteration(**t, es);
  read_options fast;
  fast.verify_checksums = false;
  auto it = (*t)->new_iterator(fast);
  std::size_t n = 0;
  for (it->seek_to_first(); it->valid(); it->next()) ++n;
  CHECK(n == es.size());
  CHECK(cache->usage() <= cache->capacity());
}

TEST_CASE("table: a mapped table answers from the mapping, without read_at or the cache; unmappable files fall back") {
  const auto es = many_entries(2000);
  sst::table_options o;
  o.block_size = 1024;
  auto bytes = std::make_shared<std::string>(build_table(es, o));
  for (const bool mappable : {true, false}) {
    CAPTURE(mappable);
    auto cache = sst::make_block_cache(1 << 20, 0);
    auto file = std::make_unique<string_file>(bytes);
    file->mappable = mappable;
    const string_file& raw = *file;
    auto t = sst::table<>::open(std::move(file), bytes->size(), {.cache = cache, .map = true});
    REQUIRE(t);
    CHECK((*t)->mapped() == mappable);
    const std::uint64_t reads_at_open = raw.reads;
    std::string v;
    sst::get_result r;
    for (std::size_t i = 0; i < es.size(); i += 7) {
      REQUIRE((*t)->get(es[i].key, es[i].seq, v, r).ok());
      std::string want;
      const auto m = model_get(es, es[i].key, es[i].seq, want);
      CHECK(r.state == m.state);
      CHECK(r.seq == m.seq);
      if (m.state == sst::lookup_state::found) CHECK(v == want);
    }
    check_iteration(**t, es);
    CHECK((cache->size() == 0) == mappable);
    CHECK((raw.reads == reads_at_open) == mappable);
    CHECK((*t)->verify().ok());
  }
}

TEST_CASE("table: an iterator keeps its table alive") {
  const auto es = many_entries(300);
  std::unique_ptr<detail::internal_iterator> it;
  {
    auto t = open_table(build_table(es));
    REQUIRE(t);
    it = (*t)->new_iterator();
  }
  std::size_t n = 0;
  for (it->seek_to_first(); it->valid(); it->next()) ++n;
  CHECK(n == es.size());
}

TEST_CASE("table: random model check of get and seek") {
  std::mt19937_64 rng(11);
  for (int round = 0; round < 20; ++round) {
    std::map<std::pair<std::string, sequence_number>, entry> uniq;
    const int n = static_cast<int>(rng() % 400);
    for (int i = 0; i < n; ++i) {
      entry e;
      e.key = key_of(rng() % 100, 3);
      e.seq = rng() % 50;
      e.kind = rng() % 4 == 0 ? value_kind::erase : value_kind::put;
      if (e.kind == value_kind::put) e.value = std::string(rng() % 50, static_cast<char>('a' + rng() % 26));
      uniq[{e.key, e.seq}] = e;
    }
    std::vector<entry> es;
    for (auto& [k, e] : uniq) es.push_back(e);
    sort_entries(es);
    sst::table_options o;
    o.block_size = 64 + rng() % 512;
    o.restart_interval = 1 + static_cast<int>(rng() % 20);
    auto t = open_table(build_table(es, o));
    REQUIRE(t);
    CHECK((*t)->verify().ok());
    std::string v;
    sst::get_result r;
    auto it = (*t)->new_iterator();
    for (int q = 0; q < 300; ++q) {
      const std::string k = key_of(rng() % 110, 3);
      const sequence_number at = rng() % 55;
      REQUIRE((*t)->get(k, at, v, r).ok());
      std::string want;
      const auto m = model_get(es, k, at, want);
      CHECK(r.state == m.state);
      CHECK(r.seq == m.seq);
      if (m.state == sst::lookup_state::found) CHECK(v == want);
      it->seek(k, at);
      const auto first = std::find_if(es.begin(), es.end(), [&](const entry& e) {
        return e.key > k || (e.key == k && e.seq <= at);
      });
      if (first == es.end()) {
        CHECK(!it->valid());
      } else {
        REQUIRE(it->valid());
        CHECK(it->user_key() == first->key);
        CHECK(it->seq() == first->seq);
      }
    }
  }
}

TEST_CASE("table: approximate_offset_of grows with the key and stays inside the data") {
  const auto es = many_entries(2000);
  sst::table_options o;
  o.block_size = 512;
  const std::string bytes = build_table(es, o);
  auto t = open_table(bytes);
  REQUIRE(t);
  CHECK((*t)->approximate_offset_of("") == sst::k_header_size);
  std::uint64_t last = 0;
  for (std::size_t i = 0; i < es.size(); i += 13) {
    const std::uint64_t at = (*t)->approximate_offset_of(es[i].key);
    CHECK(at >= last);
    CHECK(at < bytes.size());
    last = at;
  }
  const std::uint64_t end = (*t)->approximate_offset_of("zzz");
  CHECK(end > last);
  sst::footer f;
  REQUIRE(sst::decode_footer(std::string_view(bytes).substr(bytes.size() - sst::k_footer_size), bytes.size(), f).ok());
  CHECK(end == f.filter.offset);  // past every data block
  CHECK(end < bytes.size());
}
