// index::lsm manifest and files: version edits round-trip and reject every
// truncation; a damaged manifest is corruption at open while a torn tail is
// not; CURRENT, comparator and missing-table checks; check() names a missing,
// resized or damaged table; leftovers are removed at open, WAL files are left
// alone; a table stays on disk while an iterator still reads it.
#include <doctest/doctest.h>

#include <jadekv/index/lsm/manifest.hpp>
#include <jadekv/index/lsm/version_edit.hpp>

#include "lsm_env.hpp"

namespace {

using namespace lsm_test;
namespace ld = jadekv::index::lsm_detail;
using leveled_store = store_t<ix::leveled<>>;

const std::filesystem::path k_dir = "/db";

std::shared_ptr<ld::file_meta> meta(std::uint64_t n, std::string a, std::string b, kv::sequence_number s) {
  auto f = std::make_shared<ld::file_meta>();
  f->number = n;
  f->size = 1000 + n;
  f->smallest = kv::make_internal_key(a, s, kv::value_kind::put);
  f->largest = kv::make_internal_key(b, s + 1, kv::value_kind::erase);
  f->smallest_seq = s;
  f->largest_seq = s + 1;
  return f;
}

TEST_CASE("version_edit round-trips and rejects every truncation") {
  ld::version_edit<> e;
  e.set_next_file_number(42);
  e.set_flushed_sequence(1234567);
  e.delete_file(3, 17);
  e.add_file(0, meta(20, "apple", "pear", 9));
  e.add_file(2, meta(21, "", "zz", 100));
  const std::string bytes = ld::encode_version_edit(e);
  auto d = ld::decode_version_edit(bytes, "test");
  REQUIRE(d);
  CHECK(d->next_file_number == 42);
  CHECK(d->flushed_sequence == 1234567);
  REQUIRE(d->deleted_files.size() == 1);
  CHECK(d->deleted_files[0] == std::pair<int, std::uint64_t>{3, 17});
  REQUIRE(d->added_files.size() == 2);
  CHECK(d->added_files[1].first == 2);
  CHECK(d->added_files[1].second->number == 21);
  CHECK(d->added_files[1].second->largest_user_key() == "zz");
  CHECK(d->added_files[0].second->smallest_user_key() == "apple");
  CHECK(d->added_files[0].second->largest_seq == 10);
  // A cut in the middle of a field is corruption; a cut between fields is a
  // shorter, valid edit.
  int corrupt = 0;
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    auto t = ld::decode_version_edit(std::string_view(bytes).substr(0, n), "test");
    if (!t) {
      CHECK(t.status().is_corruption());
      ++corrupt;
    }
  }
  CHECK(corrupt > static_cast<int>(bytes.size()) / 2);
  std::string bad = bytes;
  bad[0] = 9;  // unknown tag
  CHECK(ld::decode_version_edit(bad, "test").status().is_corruption());
}

// A store with a few flushes; returns the last sequence flushed.
kv::sequence_number fill(const std::shared_ptr<io::file_system>& fs, model& m, int flushes = 4) {
  auto opt = small_options<ix::leveled<>>();
  opt.disable_auto_compactions = true;
  auto st = leveled_store::open(fs, k_dir, opt, cmp_t{});
  REQUIRE(st);
  workload w(100, 3);
  w.set_last((*st)->flushed_sequence());
  for (int i = 0; i < flushes; ++i) {
    vector_iterator it(w.batch(40, m));
    REQUIRE((*st)->flush(it, w.last(), w.last()).ok());
  }
  REQUIRE((*st)->close().ok());
  return w.last();
}

std::string current_manifest(io::file_system& fs) {
  auto c = io::read_file(fs, k_dir / "CURRENT");
  REQUIRE(c);
  return c->substr(0, c->size() - 1);
}

TEST_CASE("a damaged manifest is corruption at open; a torn tail is not") {
  auto fs = std::make_shared<io::memory_fs>();
  model m;
  const auto last = fill(fs, m);
  const auto path = k_dir / current_manifest(*fs);
  auto bytes = io::read_file(*fs, path);
  REQUIRE(bytes);
  const auto opt = small_options<ix::leveled<>>();

  SUBCASE("a flipped byte in the first edit") {
    std::string b = *bytes;
    b[60] = static_cast<char>(b[60] ^ 0x40);
    REQUIRE(io::write_file_atomically(*fs, path, b).ok());
    auto st = leveled_store::open(fs, k_dir, opt, cmp_t{});
    REQUIRE(!st);
    CHECK(st.status().is_corruption());
    CHECK(st.status().message().find("MANIFEST-") != std::string::npos);
  }
  SUBCASE("a flipped byte in the last edit, wholly present") {
    std::string b = *bytes;
    b[b.size() - 3] = static_cast<char>(b[b.size() - 3] ^ 0x01);
    REQUIRE(io::write_file_atomically(*fs, path, b).ok());
    auto st = leveled_store::open(fs, k_dir, opt, cmp_t{});
    REQUIRE(!st);
    CHECK(st.status().is_corruption());
  }
  SUBCASE("a bad header") {
    std::string b = *bytes;
    b[40 + 7] = 'X';  // inside the magic of the header record
    REQUIRE(io::write_file_atomically(*fs, path, b).ok());
    auto st = leveled_store::open(fs, k_dir, opt, cmp_t{});
    REQUIRE(!st);
    CHECK(st.status().is_corruption());
  }
  SUBCASE("zeros after the last edit (an append that never landed)") {
    REQUIRE(io::write_file_atomically(*fs, path, *bytes + std::string(100, '\0')).ok());
    auto st = leveled_store::open(fs, k_dir, opt, cmp_t{});
    REQUIRE_MESSAGE(st, st.status().to_string());
    CHECK((*st)->flushed_sequence() == last);
  }
  SUBCASE("the last edit cut short: the previous flush is what remains") {
    REQUIRE(fs->truncate(path, bytes->size() - 5).ok());
    auto st = leveled_store::open(fs, k_dir, opt, cmp_t{});
    REQUIRE(st);
    CHECK((*st)->flushed_sequence() < last);
    CHECK((*st)->flushed_sequence() > 0);
    CHECK((*st)->check().ok());
  }
}

TEST_CASE("CURRENT, comparator and missing tables are checked at open") {
  auto fs = std::make_shared<io::memory_fs>();
  model m;
  const auto last = fill(fs, m);
  const auto opt = small_options<ix::leveled<>>();
  SUBCASE("CURRENT garbage") {
    REQUIRE(io::write_file_atomically(*fs, k_dir / "CURRENT", "hello").ok());
    auto st = leveled_store::open(fs, k_dir, opt, cmp_t{});
    REQUIRE(!st);
    CHECK(st.status().is_corruption());
  }
  SUBCASE("CURRENT gone while tables remain") {
    REQUIRE(fs->remove(k_dir / "CURRENT").ok());
    auto st = leveled_store::open(fs, k_dir, opt, cmp_t{});
    REQUIRE(!st);
    CHECK(st.status().is_corruption());
  }
  SUBCASE("another comparator") {
    struct other_order {
      static constexpr std::string_view name() { return "test.reverse"; }
      int compare(std::string_view a, std::string_view b) const { return kv::bytewise_comparator{}.compare(b, a); }
    };
    auto st = ix::lsm<>::store<other_order>::open(fs, k_dir, opt, other_order{});
    REQUIRE(!st);
    CHECK(st.status().is_invalid_argument());
  }
  SUBCASE("fewer levels than the data uses") {
    auto o = opt;
    {
      auto st = leveled_store::open(fs, k_dir, o, cmp_t{});
      REQUIRE(st);
      REQUIRE((*st)->compact().ok());  // everything to level 4
    }
    o.num_levels = 3;
    auto st = leveled_store::open(fs, k_dir, o, cmp_t{});
    REQUIRE(!st);
    CHECK(st.status().is_invalid_argument());
  }
  SUBCASE("a table missing") {
    auto names = fs->list(k_dir);
    REQUIRE(names);
    std::string table;
    for (auto& n : *names)
      if (n.ends_with(".sst")) table = n;
    REQUIRE(!table.empty());
    REQUIRE(fs->remove(k_dir / table).ok());
    auto st = leveled_store::open(fs, k_dir, opt, cmp_t{});
    REQUIRE(!st);
    CHECK(st.status().is_corruption());
    CHECK(st.status().message().find(table) != std::string::npos);
  }
  SUBCASE("intact") {
    auto st = leveled_store::open(fs, k_dir, opt, cmp_t{});
    REQUIRE(st);
    CHECK((*st)->flushed_sequence() == last);
    check_all(**st, m, last);
  }
}

TEST_CASE("check() names a missing, resized or damaged table") {
  auto fs = std::make_shared<io::memory_fs>();
  model m;
  fill(fs, m);
  auto opt = small_options<ix::leveled<>>();
  opt.disable_auto_compactions = true;  // the table picked below must stay
  auto st = leveled_store::open(fs, k_dir, opt, cmp_t{});
  REQUIRE(st);
  REQUIRE((*st)->check().ok());
  const auto v = (*st)->current_version();
  const auto& f = *v->levels[0].front();
  const std::string name = ld::table_name(f.number);
  SUBCASE("missing") {
    REQUIRE(fs->remove(k_dir / name).ok());
    auto s = (*st)->check();
    CHECK(s.is_corruption());
    CHECK(s.message().find(name) != std::string::npos);
    CHECK(s.message().find("missing") != std::string::npos);
  }
  SUBCASE("resized") {
    REQUIRE(fs->truncate(k_dir / name, f.size - 1).ok());
    auto s = (*st)->check();
    CHECK(s.is_corruption());
    CHECK(s.message().find(name) != std::string::npos);
  }
  SUBCASE("damaged") {
    auto bytes = io::read_file(*fs, k_dir / name);
    REQUIRE(bytes);
    std::string b = *bytes;
    b[b.size() / 3] = static_cast<char>(b[b.size() / 3] ^ 0x10);
    {
      auto file = fs->open(k_dir / name, io::open_mode::read_write);
      REQUIRE(file);
      REQUIRE((*file)->write_at(0, b).ok());
    }
    // A fresh open of the store reads the table from scratch.
    REQUIRE((*st)->close().ok());
    st = leveled_store::open(fs, k_dir, opt, cmp_t{});
    REQUIRE(st);
    auto s = (*st)->check();
    CHECK(!s.ok());
    CHECK(s.message().find(name) != std::string::npos);
  }
}

TEST_CASE("leftovers go at open, the WAL's files stay, and an iterator keeps its tables") {
  auto fs = std::make_shared<io::memory_fs>();
  model m;
  const auto last = fill(fs, m);
  REQUIRE(io::write_file_atomically(*fs, k_dir / "999999.sst", "half a table").ok());
  REQUIRE(io::write_file_atomically(*fs, k_dir / "000001.log", "a wal segment").ok());
  REQUIRE(io::write_file_atomically(*fs, k_dir / "MANIFEST-999998", "an old manifest").ok());
  auto opt = small_options<ix::leveled<>>();
  opt.disable_auto_compactions = true;
  auto st = leveled_store::open(fs, k_dir, opt, cmp_t{});
  REQUIRE(st);
  CHECK(!*fs->exists(k_dir / "999999.sst"));
  CHECK(!*fs->exists(k_dir / "MANIFEST-999998"));
  CHECK(*fs->exists(k_dir / "000001.log"));
  // File numbers go on past everything seen.
  CHECK(ld::parse_manifest_file_name(current_manifest(*fs)).value_or(0) > 999999);

  auto tables = [&] {
    int n = 0;
    auto names = fs->list(k_dir);
    REQUIRE(names);
    for (auto& name : *names) n += name.ends_with(".sst") ? 1 : 0;
    return n;
  };
  const int before = tables();
  REQUIRE(before == 4);
  auto count = [](std::vector<std::unique_ptr<kv::detail::internal_iterator>> sources) {
    kv::detail::merging_iterator<cmp_t> it(cmp_t{}, std::move(sources));
    int n = 0;
    for (it.seek_to_first(); it.valid(); it.next()) ++n;
    CHECK(it.status().ok());
    return n;
  };
  {
    std::vector<std::unique_ptr<kv::detail::internal_iterator>> early;
    (*st)->add_sources(early, {});
    const int entries = count(std::move(early));
    std::vector<std::unique_ptr<kv::detail::internal_iterator>> sources;
    (*st)->add_sources(sources, {});
    REQUIRE((*st)->compact().ok());
    CHECK(tables() > 1);
    CHECK(tables() >= before);  // the compaction's inputs are still read by `sources`
    CHECK(count(std::move(sources)) == entries);
  }
  REQUIRE((*st)->close().ok());
  const auto v = leveled_store::open(fs, k_dir, opt, cmp_t{});
  REQUIRE(v);
  CHECK(tables() == static_cast<int>((*v)->current_version()->total_files()));
  check_all(**v, m, last);
}

}  // namespace

namespace {

TEST_CASE("a manifest past max_manifest_bytes is replaced by a snapshot") {
  auto fs = std::make_shared<io::memory_fs>();
  auto opt = small_options<ix::leveled<>>();
  opt.max_manifest_bytes = 300;
  auto st = leveled_store::open(fs, k_dir, opt, cmp_t{});
  REQUIRE(st);
  const std::string first = current_manifest(*fs);
  model m;
  workload w(100, 21);
  for (int i = 0; i < 12; ++i) {
    vector_iterator it(w.batch(30, m));
    REQUIRE((*st)->flush(it, w.last(), w.last()).ok());
    REQUIRE((*st)->wait_for_compactions().ok());
    auto size = fs->file_size(k_dir / current_manifest(*fs));
    REQUIRE(size);
    CHECK(*size < 300 + 2000);  // one snapshot plus at most a few edits
  }
  CHECK(current_manifest(*fs) != first);
  auto names = fs->list(k_dir);
  REQUIRE(names);
  int manifests = 0;
  for (const auto& n : *names) manifests += n.starts_with("MANIFEST-") ? 1 : 0;
  CHECK(manifests == 1);
  REQUIRE((*st)->close().ok());
  auto again = leveled_store::open(fs, k_dir, opt, cmp_t{});
  REQUIRE(again);
  CHECK((*again)->flushed_sequence() == w.last());
  check_all(**again, m, w.last());
}

}  // namespace
