// index/lsm/table under damage: every byte of a small table flipped, every
// truncation, random files, and blocks replaced by garbage that carries a
// valid crc. Damage is reported as corruption, never answered wrongly (with
// verify_checksums) and never a crash (run under ASan+UBSan by .ci/run).
#include <doctest/doctest.h>

#include <random>
#include <string>
#include <vector>

#include "jadekv/index/lsm/table.hpp"
#include "table_env.hpp"

namespace {

using namespace lsm_test;

std::vector<entry> small_entries() {
  std::vector<entry> es;
  for (int i = 0; i < 40; ++i) {
    es.push_back({key_of(static_cast<std::uint64_t>(i) * 2, 3), static_cast<sequence_number>(100 + i), value_kind::put,
                  "v" + std::to_string(i)});
    if (i % 5 == 0) es.push_back({key_of(static_cast<std::uint64_t>(i) * 2, 3), static_cast<sequence_number>(10 + i), value_kind::erase, ""});
  }
  sort_entries(es);
  return es;
}

struct outcome {
  bool detected = false;  // some operation reported corruption
  bool wrong = false;     // some operation answered differently from the model
};

// Runs open, a get of every key (and some absent ones), a full scan both ways
// and verify over `bytes`; compares every answer that is not an error.
outcome exercise(const std::string& bytes, const std::vector<entry>& es, const read_options& ro,
                 std::shared_ptr<sst::block_cache> cache = nullptr, bool map = false) {
  outcome out;
  auto note = [&](const status& s) {
    if (s.ok()) return true;
    if (!s.is_corruption()) out.wrong = true;  // e.g. invalid_argument: a damaged comparator name
    out.detected = true;
    return false;
  };
  auto t = open_table(bytes, std::move(cache), map);
  if (!note(t.status())) return out;
  if (map && !(*t)->mapped()) out.wrong = true;
  std::string v;
  sst::get_result r;
  for (std::size_t i = 0; i < es.size(); ++i) {
    for (const std::string& k : {es[i].key, es[i].key + "x"}) {
      for (sequence_number at : {k_max_sequence, sequence_number{60}, sequence_number{5}}) {
        if (!note((*t)->get(k, at, v, r, ro))) continue;
        std::string want;
        const auto m = model_get(es, k, at, want);
        if (r.state != m.state || r.seq != m.seq || (m.state == sst::lookup_state::found && v != want))
          out.wrong = true;
      }
    }
  }
  auto it = (*t)->new_iterator(ro);
  std::size_t i = 0;
  for (it->seek_to_first(); it->valid(); it->next(), ++i) {
    if (i >= es.size() || it->user_key() != es[i].key || it->seq() != es[i].seq || it->kind() != es[i].kind ||
        it->value() != es[i].value) {
      out.wrong = true;
      break;
    }
  }
  if (note(it->status()) && !out.wrong && i != es.size()) out.wrong = true;
  std::size_t back = 0;
  for (it->seek_to_last(); it->valid() && back <= es.size(); it->prev()) ++back;
  (void)note(it->status());
  for (std::size_t j = 0; j < es.size(); j += 3) {
    it->seek(es[j].key, es[j].seq);
    if (it->valid() && (it->user_key() != es[j].key || it->seq() != es[j].seq)) out.wrong = true;
  }
  (void)note(it->status());
  (void)note((*t)->verify());
  return out;
}

}  // namespace

TEST_CASE("table corruption: every byte flipped is detected, never answered wrongly") {
  const auto es = small_entries();
  sst::table_options o;
  o.block_size = 96;
  o.restart_interval = 3;
  const std::string good = build_table(es, o);
  {
    const outcome clean = exercise(good, es, {});
    REQUIRE(!clean.detected);
    REQUIRE(!clean.wrong);
  }
  auto t = open_table(good);
  REQUIRE(t);
  REQUIRE((*t)->data_blocks() >= 5);
  MESSAGE("table of " << good.size() << " bytes, " << (*t)->data_blocks() << " data blocks");
  int undetected = 0, wrong = 0, verify_missed = 0;
  for (std::size_t at = 0; at < good.size(); ++at) {
    for (const unsigned char mask : {0x01, 0x80, 0xff}) {
      std::string bad = good;
      bad[at] = static_cast<char>(static_cast<unsigned char>(bad[at]) ^ mask);
      for (const bool map : {false, true}) {
        const outcome out = exercise(bad, es, {}, nullptr, map);
        if (!out.detected) ++undetected;
        if (out.wrong) {
          ++wrong;
          MESSAGE("wrong answer with byte " << at << " ^ " << int{mask} << (map ? " (mapped)" : ""));
        }
      }
      auto opened = open_table(bad);
      if (opened && (*opened)->verify().ok()) ++verify_missed;
      // Without checksums: any answer is allowed, a crash is not (ASan).
      read_options fast;
      fast.verify_checksums = false;
      (void)exercise(bad, es, fast, sst::make_block_cache(1 << 16, 1));
      (void)exercise(bad, es, fast, nullptr, true);
    }
  }
  CHECK(undetected == 0);
  CHECK(wrong == 0);
  CHECK(verify_missed == 0);
}

TEST_CASE("table corruption: a block cached by an unverified read is still checked by a verified one") {
  const auto es = small_entries();
  sst::table_options o;
  o.block_size = 96;
  std::string bad = build_table(es, o);
  bad[sst::k_header_size + 3] ^= 0x10;  // inside data block 0
  auto cache = sst::make_block_cache(1 << 20, 0);
  auto t = open_table(bad, cache);
  REQUIRE(t);
  read_options fast;
  fast.verify_checksums = false;
  std::string v;
  sst::get_result r;
  (void)(*t)->get(es[0].key, k_max_sequence, v, r, fast);
  CHECK(cache->size() == 1);
  const status s = (*t)->get(es[0].key, k_max_sequence, v, r);
  CHECK(s.is_corruption());
  CHECK(s.message().find("mem.sst") != std::string::npos);  // names the file and the block's offset
  CHECK(s.message().find("data block at 16") != std::string::npos);
  auto it = (*t)->new_iterator();
  it->seek_to_first();
  CHECK(!it->valid());
  CHECK(it->status().is_corruption());
}

TEST_CASE("table corruption: a mapped block is checked at every read, so damage after a clean read is seen") {
  const auto es = small_entries();
  sst::table_options o;
  o.block_size = 96;
  auto bytes = std::make_shared<std::string>(build_table(es, o));
  auto f = std::make_unique<string_file>(bytes);
  f->mappable = true;
  const string_file& file = *f;
  const std::uint64_t size = bytes->size();
  auto t = sst::table<>::open(std::move(f), size, {.cache = nullptr, .map = true});
  REQUIRE(t);
  REQUIRE((*t)->mapped());
  std::string v;
  sst::get_result r;
  REQUIRE((*t)->get(es[0].key, k_max_sequence, v, r).ok());
  CHECK(r.state == sst::lookup_state::found);
  (*bytes)[sst::k_header_size + 3] ^= 0x10;  // inside data block 0, as if its page were read again from a bad disk
  const status s = (*t)->get(es[0].key, k_max_sequence, v, r);
  CHECK(s.is_corruption());
  CHECK(s.message().find("data block at 16") != std::string::npos);
  read_options fast;
  fast.verify_checksums = false;
  CHECK((*t)->get(es.back().key, k_max_sequence, v, r, fast).ok());  // another block, unverified: still answers
  CHECK(file.reads == 0);  // everything came from the mapping
}

TEST_CASE("table corruption: truncation at every length is an error, never a crash") {
  const auto es = small_entries();
  sst::table_options o;
  o.block_size = 96;
  const std::string good = build_table(es, o);
  for (std::size_t n = 0; n < good.size(); ++n) {
    auto t = open_table(good.substr(0, n));
    if (!t) {
      CHECK(t.status().is_corruption());
      continue;
    }
    CHECK((*t)->verify().is_corruption());  // cannot happen: the footer moved
  }
  // A table cut short but whose reader is told the old size: reads come up short.
  auto shared = std::make_shared<std::string>(good);
  auto t = sst::table<>::open(std::make_unique<string_file>(shared), good.size());
  REQUIRE(t);
  shared->resize(good.size() / 2);
  std::string v;
  sst::get_result r;
  CHECK((*t)->get(es.back().key, k_max_sequence, v, r).is_corruption());
  CHECK((*t)->verify().is_corruption());
}

TEST_CASE("table corruption: random files never crash open, get, iteration or verify") {
  std::mt19937_64 rng(3);
  const auto es = small_entries();
  for (int round = 0; round < 3000; ++round) {
    std::string bytes(static_cast<std::size_t>(rng() % 400), '\0');
    for (char& c : bytes) c = static_cast<char>(rng());
    if (round % 2 == 0 && bytes.size() >= sst::k_min_table_size) {
      // A valid header and footer around random blocks, so the decoders behind them run.
      sst::encode_header(bytes.data());
      sst::footer f;
      const std::uint64_t room = bytes.size() - sst::k_footer_size;
      auto handle = [&]() {
        const std::uint64_t off = sst::k_header_size + rng() % (room - sst::k_header_size + 1);
        return sst::block_handle{off, rng() % (room - off + 8)};
      };
      f.properties = handle();
      f.index = handle();
      if (rng() % 2) f.filter = handle();
      sst::encode_footer(bytes.data() + room, f);
    }
    (void)exercise(bytes, es, {});
  }
}

// Each block of a good table replaced by random bytes of random length with
// a correct crc (an encoder bug, not a disk fault): every decoder behind a
// crc check sees garbage and must still stay inside its bytes.
TEST_CASE("table corruption: garbage blocks with valid crcs never crash the decoders") {
  std::mt19937_64 rng(5);
  const auto es = small_entries();
  sst::table_options o;
  o.block_size = 96;
  const std::string good = build_table(es, o);
  auto t = open_table(good);
  REQUIRE(t);
  // Collect every block handle: data blocks through the index, meta blocks through the footer.
  sst::footer f;
  REQUIRE(sst::decode_footer(std::string_view(good).substr(good.size() - sst::k_footer_size), good.size(), f).ok());
  std::vector<sst::block_handle> blocks = {f.filter, f.properties, f.index};
  for (std::uint64_t at = sst::k_header_size; at < f.filter.offset;) {
    // data blocks are back to back; find each one's size from the index through verify's layout rule
    std::uint64_t size = 0;
    for (std::uint64_t s = 8; at + s + sst::k_block_trailer_size <= f.filter.offset; ++s) {
      if (sst::block_crc_matches(good.data() + at, s)) {
        size = s;
        break;
      }
    }
    REQUIRE(size != 0);
    blocks.push_back({at, size});
    at += size + sst::k_block_trailer_size;
  }
  for (int round = 0; round < 400; ++round) {
    const sst::block_handle h = blocks[rng() % blocks.size()];
    std::string contents(h.size, '\0');
    const int style = static_cast<int>(rng() % 3);
    for (std::size_t i = 0; i < contents.size(); ++i) {
      contents[i] = style == 0 ? static_cast<char>(rng()) : style == 1 ? static_cast<char>(rng() % 4)
                                                                       : good[h.offset + i];
    }
    if (style == 2) contents[rng() % contents.size()] = static_cast<char>(rng());
    std::string bytes = good;
    bytes.replace(h.offset, h.size + sst::k_block_trailer_size,
                  [&] { std::string b; sst::append_block(b, contents); return b; }());
    (void)exercise(bytes, es, {});
  }
}
