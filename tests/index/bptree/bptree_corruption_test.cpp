// index::bptree against damaged files: every byte of every page flipped,
// and every bit of a meta page and of a leaf: the store reports corruption
// (naming the file and page) or answers right, never a wrong answer; a
// damaged newest meta page falls back to the previous commit, whole. With
// checksums off, structure checks still keep every read inside its page.
#include <jadekv/index/bptree.hpp>

#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

#include "bptree_env.hpp"

namespace {

using namespace bptree_test;

const std::filesystem::path k_file = "/db/data.jkb";

struct image {
  std::string bytes;
  model newest, previous;  // the last commit and the one before
  kv::sequence_number newest_seq = 0, previous_seq = 0;
  std::size_t pages = 0;
};

image build_image() {
  auto fs = std::make_shared<io::memory_fs>();
  image img;
  auto s = open_store(fs);
  writer w;
  for (int i = 0; i < 90; ++i) w.put(key_of(i), value_of(i, 0));
  REQUIRE(w.flush(*s).ok());
  for (int i = 0; i < 90; i += 9) w.erase(key_of(i));
  for (int i = 3; i < 90; i += 11) w.put(key_of(i), value_of(i, 1));
  REQUIRE(w.flush(*s).ok());
  img.previous = w.state;
  img.previous_seq = w.seq;
  for (int i = 5; i < 90; i += 13) w.put(key_of(i), value_of(i, 2));
  REQUIRE(w.flush(*s).ok());
  img.newest = w.state;
  img.newest_seq = w.seq;
  REQUIRE(s->check().ok());
  s.reset();
  img.bytes = *io::read_file(*fs, k_file);
  img.pages = img.bytes.size() / 512;
  return img;
}

std::shared_ptr<io::memory_fs> fs_with(const std::string& bytes) {
  auto fs = std::make_shared<io::memory_fs>();
  REQUIRE(fs->mkdir(k_dir).ok());
  auto f = fs->open(k_file, io::open_mode::create);
  REQUIRE(f.has_value());
  REQUIRE((*f)->append(bytes).ok());
  return fs;
}

// Reads everything from a damaged file: returns whether any corruption was
// reported; fails the test on any wrong answer.
bool read_all(const std::string& bytes, const image& img, bool verify) {
  auto fs = fs_with(bytes);
  options_t o = small_pages();
  o.verify_checksums = verify;
  auto r = store_t::open(fs, k_dir, o, {});
  if (!r) {
    if (verify) REQUIRE_MESSAGE(r.status().is_corruption(), r.status().to_string());
    return true;
  }
  auto& s = **r;
  const bool is_prev = s.flushed_sequence() == img.previous_seq;
  if (verify) REQUIRE((is_prev || s.flushed_sequence() == img.newest_seq));
  const model& m = is_prev ? img.previous : img.newest;
  bool corrupt = false;
  std::string v;
  for (int i = -1; i <= 90; ++i) {
    const std::string k = key_of(i);
    auto st = s.get(k, kv::k_max_sequence, v, {});
    if (!verify) continue;  // no checksums: only "no crash, no over-read"
    if (st.is_corruption()) {
      CHECK(st.message().find("data.jkb") != std::string::npos);
      corrupt = true;
      continue;
    }
    auto it = m.find(k);
    if (it == m.end()) {
      REQUIRE_MESSAGE(st.is_not_found(), k, " ", st.to_string());
    } else {
      REQUIRE_MESSAGE(st.ok(), k, " ", st.to_string());
      REQUIRE(v == it->second);
    }
  }
  for (int dir = 0; dir < 2; ++dir) {
    auto c = cursor_of(s);
    pairs got;
    if (dir == 0) {
      for (c->seek_to_first(); c->valid(); c->next()) got.emplace_back(c->user_key(), c->value());
    } else {
      for (c->seek_to_last(); c->valid(); c->prev()) got.emplace_back(c->user_key(), c->value());
    }
    if (!verify) continue;
    pairs want = model_range(m, std::nullopt, std::nullopt);
    if (dir == 1) std::reverse(want.begin(), want.end());
    if (c->status().ok()) {
      REQUIRE(got == want);
    } else {
      REQUIRE(c->status().is_corruption());
      corrupt = true;
      REQUIRE(got.size() <= want.size());
      REQUIRE(std::equal(got.begin(), got.end(), want.begin()));
    }
  }
  const auto chk = s.check();
  if (verify) {
    if (corrupt) CHECK(chk.is_corruption());
    if (!chk.ok()) {
      CHECK(chk.is_corruption());
      corrupt = true;
    }
  }
  return corrupt;
}

TEST_CASE("bptree corruption: every byte of every page flipped") {
  const image img = build_image();
  REQUIRE(img.pages > 10);
  std::size_t detected = 0, flips = 0;
  for (std::size_t off = 0; off < img.bytes.size(); ++off) {
    CAPTURE(off);
    std::string bad = img.bytes;
    bad[off] = static_cast<char>(bad[off] ^ 0xff);
    ++flips;
    if (read_all(bad, img, true)) ++detected;
  }
  // Everything but free pages and the older meta page is noticed.
  CHECK(detected > flips / 2);
}

TEST_CASE("bptree corruption: every bit of a meta page and of a tree page") {
  const image img = build_image();
  for (std::size_t off = 512; off < 3 * 512; ++off) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string bad = img.bytes;
      bad[off] = static_cast<char>(bad[off] ^ (1 << bit));
      CAPTURE(off);
      CAPTURE(bit);
      const bool hit = read_all(bad, img, true);
      if (off >= 2 * 512) CHECK(hit);  // page 2 is in use in this image
    }
  }
}

TEST_CASE("bptree corruption: a damaged newest meta page falls back to the previous commit") {
  const image img = build_image();
  auto fs = fs_with(img.bytes);
  std::uint64_t newest_slot = 0;
  {
    auto s = open_store(fs);
    newest_slot = s->last_txid() % 2;
  }
  std::string bad = img.bytes;
  bad[newest_slot * 512 + 100] ^= 1;
  auto s = open_store(fs_with(bad));
  CHECK(s->flushed_sequence() == img.previous_seq);
  REQUIRE(s->check().ok());
  expect_model(*s, img.previous);
  // Both metas damaged: nothing to open.
  bad[(1 - newest_slot) * 512 + 50] ^= 1;
  auto r = store_t::open(fs_with(bad), k_dir, small_pages(), {});
  REQUIRE_FALSE(r.has_value());
  CHECK(r.status().is_corruption());
}

TEST_CASE("bptree corruption: a truncated file is corruption, not a crash") {
  const image img = build_image();
  for (std::size_t cut : {img.bytes.size() - 1, img.bytes.size() - 512, std::size_t{1024}, std::size_t{700},
                          std::size_t{100}, std::size_t{0}}) {
    auto r = store_t::open(fs_with(img.bytes.substr(0, cut)), k_dir, small_pages(), {});
    REQUIRE_FALSE(r.has_value());
    CHECK(r.status().is_corruption());
  }
}

TEST_CASE("bptree corruption: without checksums, damaged pages never make reads leave the page") {
  const image img = build_image();
  for (std::size_t off = 2 * 512; off < img.bytes.size(); off += 3) {
    std::string bad = img.bytes;
    bad[off] = static_cast<char>(bad[off] ^ (0x55 << (off % 2)));
    (void)read_all(bad, img, false);
  }
}

}  // namespace
