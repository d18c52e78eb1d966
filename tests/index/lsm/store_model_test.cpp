// index::lsm store (leveled and tiered): many small flushes cross compactions
// into several levels; a multi-version std::map model agrees for get() at the
// newest sequence and at an older one a reader still holds, and for full
// scans both ways; after each flush the store reopens to the same answers,
// check() passes and levels >= 1 stay disjoint.
#include <doctest/doctest.h>

#include <set>

#include "lsm_env.hpp"

namespace {

using namespace lsm_test;

const std::filesystem::path k_dir = "/db";

TEST_CASE_TEMPLATE("lsm store agrees with a model across flushes, compactions and reopens", Style, ix::leveled<>,
                   ix::tiered<>) {
  auto fs = std::make_shared<io::memory_fs>();
  auto opt = small_options<Style>();
  // The model's reader keeps its snapshot across reopens, which no engine
  // reader can: a store opens assuming none older than what it holds, and
  // the lookups checking the model would then merge its versions away.
  opt.seek_compaction = false;
  auto st = store_t<Style>::open(fs, k_dir, opt, cmp_t{});
  REQUIRE(st);
  model m;
  workload w(300);
  kv::sequence_number held = 0;  // a reader's snapshot, renewed every 8 flushes
  int max_level = 0;
  kv::stats s;  // summed over the opens (counters start at 0 with each)
  for (int round = 0; round < 40; ++round) {
    if (round % 8 == 0) held = w.last();
    auto b = w.batch(60, m);
    vector_iterator it(std::move(b));
    REQUIRE((*st)->flush(it, w.last(), held).ok());
    CHECK((*st)->flushed_sequence() == w.last());
    REQUIRE((*st)->wait_for_compactions().ok());
    const auto v = (*st)->current_version();
    for (int l = 0; l < v->num_levels(); ++l)
      if (files_at(*v, l) > 0) max_level = std::max(max_level, l);
    check_all(**st, m, w.last());
    check_all(**st, m, held);
    REQUIRE((*st)->check().ok());
    (*st)->add_stats(s);
    REQUIRE((*st)->close().ok());
    st = store_t<Style>::open(fs, k_dir, opt, cmp_t{});
    REQUIRE(st);
    CHECK((*st)->flushed_sequence() == w.last());
    check_all(**st, m, w.last());
    check_all(**st, m, held);
  }
  if constexpr (std::is_same_v<Style, ix::leveled<>>) {
    CHECK(max_level >= 2);  // the data really went down several levels
  }
  CHECK(s.compactions > 0);
  CHECK(s.compaction_bytes_read > 0);
  CHECK(s.compaction_bytes_written > 0);
  CHECK(s.index_files > 0);
  CHECK(s.index_bytes > 0);

  // A manual compaction drops everything no reader can see.
  REQUIRE((*st)->compact().ok());
  check_all(**st, m, w.last());
  REQUIRE((*st)->check().ok());
  const auto v = (*st)->current_version();
  if constexpr (std::is_same_v<Style, ix::leveled<>>) {
    for (int l = 0; l + 1 < v->num_levels(); ++l) CHECK(files_at(*v, l) == 0);
  } else {
    CHECK(files_at(*v, 0) == 1);
  }
}

TEST_CASE_TEMPLATE("lsm bounds skip whole tables but scans stay right", Style, ix::leveled<>, ix::tiered<>) {
  auto fs = std::make_shared<io::memory_fs>();
  auto st = store_t<Style>::open(fs, k_dir, small_options<Style>(), cmp_t{});
  REQUIRE(st);
  model m;
  workload w(400, 11);
  for (int round = 0; round < 12; ++round) {
    vector_iterator it(w.batch(80, m, 10));
    REQUIRE((*st)->flush(it, w.last(), w.last()).ok());
  }
  REQUIRE((*st)->wait_for_compactions().ok());
  kv::read_options ro;
  ro.lower_bound = key_of(100);
  ro.upper_bound = key_of(200);
  std::vector<std::unique_ptr<kv::detail::internal_iterator>> all, bounded;
  (*st)->add_sources(all, {});
  (*st)->add_sources(bounded, ro);
  CHECK(bounded.size() <= all.size());
  auto got = scan_forward(**st, w.last(), ro);
  std::vector<std::pair<std::string, std::string>> want;
  for (auto& kvp : m.state(w.last()))
    if (kvp.first >= *ro.lower_bound && kvp.first < *ro.upper_bound) want.push_back(kvp);
  // Sources may hold keys past the bounds (the engine trims); within them they agree.
  std::erase_if(got, [&](const auto& p) { return p.first < *ro.lower_bound || p.first >= *ro.upper_bound; });
  CHECK(got == want);
}

TEST_CASE("lsm erases hide keys and a compaction to the bottom removes them") {
  auto fs = std::make_shared<io::memory_fs>();
  auto opt = small_options<ix::leveled<>>();
  auto st = store_t<ix::leveled<>>::open(fs, k_dir, opt, cmp_t{});
  REQUIRE(st);
  model m;
  kv::sequence_number seq = 0;
  for (int round = 0; round < 6; ++round) {
    std::vector<entry> b;
    for (int i = round * 100; i < round * 100 + 100; ++i) {
      b.push_back({key_of(i), ++seq, kv::value_kind::put, std::string(50, 'p')});
      m.put(key_of(i), seq, std::string(50, 'p'));
    }
    vector_iterator it(std::move(b));
    REQUIRE((*st)->flush(it, seq, seq).ok());
  }
  REQUIRE((*st)->compact().ok());
  kv::stats before;
  (*st)->add_stats(before);
  // Erase all but every tenth key.
  std::vector<entry> erases;
  for (int i = 0; i < 600; ++i) {
    if (i % 10 == 0) continue;
    erases.push_back({key_of(i), ++seq, kv::value_kind::erase, {}});
    m.erase(key_of(i), seq);
  }
  vector_iterator it(std::move(erases));
  REQUIRE((*st)->flush(it, seq, seq).ok());
  check_all(**st, m, seq);
  std::string out;
  CHECK((*st)->get(key_of(5), seq, out, {}).is_not_found());
  CHECK((*st)->get(key_of(5), seq - 600, out, {}).ok());  // an old reader would still see it (not held here)
  REQUIRE((*st)->compact().ok());
  check_all(**st, m, seq);
  kv::stats after;
  (*st)->add_stats(after);
  CHECK(after.index_bytes * 5 < before.index_bytes);  // the erased keys and their erases are gone
  // Nothing of the erased keys is left in any table.
  std::vector<std::unique_ptr<kv::detail::internal_iterator>> sources;
  (*st)->add_sources(sources, {});
  kv::detail::merging_iterator<cmp_t> all(cmp_t{}, std::move(sources));
  int entries = 0;
  for (all.seek_to_first(); all.valid(); all.next()) {
    ++entries;
    CHECK(all.kind() == kv::value_kind::put);
  }
  CHECK(entries == 60);
}

// A store whose last level holds keys 0..199 and whose one level-0 table
// holds only keys 0 and 199 (so it spans every key).
auto store_with_sparse_top(std::shared_ptr<io::memory_fs> fs, bool seek_compaction, model& m, kv::sequence_number& seq) {
  auto opt = small_options<ix::leveled<>>();
  opt.num_levels = 2;             // the top overlaps level 1, so its flush stays in level 0
  opt.l0_compaction_trigger = 4;  // one level-0 table is never due by count
  opt.seek_compaction = seek_compaction;
  auto st = store_t<ix::leveled<>>::open(fs, k_dir, opt, cmp_t{});
  REQUIRE(st);
  std::vector<entry> b;
  for (int i = 0; i < 200; ++i) {
    b.push_back({key_of(i), ++seq, kv::value_kind::put, "old" + std::to_string(i)});
    m.put(key_of(i), seq, "old" + std::to_string(i));
  }
  vector_iterator all(std::move(b));
  REQUIRE((*st)->flush(all, seq, seq).ok());
  REQUIRE((*st)->compact().ok());
  std::vector<entry> ends;
  for (int i : {0, 199}) {
    ends.push_back({key_of(i), ++seq, kv::value_kind::put, "new"});
    m.put(key_of(i), seq, "new");
  }
  vector_iterator top(std::move(ends));
  REQUIRE((*st)->flush(top, seq, seq).ok());
  REQUIRE((*st)->wait_for_compactions().ok());
  REQUIRE((*st)->current_version()->levels[0].size() == 1);
  return std::move(*st);
}

TEST_CASE("lsm lookups that keep searching a table in vain merge it down; lookups it answers do not") {
  model m;
  kv::sequence_number seq = 0;
  auto st = store_with_sparse_top(std::make_shared<io::memory_fs>(), true, m, seq);
  std::string out;
  for (int n = 0; n < 300; ++n) {  // answered by the level-0 table itself: no seek is wasted
    REQUIRE(st->get(key_of(n % 2 == 0 ? 0 : 199), seq, out, {}).ok());
    CHECK(out == "new");
  }
  REQUIRE(st->wait_for_compactions().ok());
  CHECK(st->current_version()->levels[0].size() == 1);
  for (int n = 0; n < 99; ++n) REQUIRE(st->get(key_of(1 + n), seq, out, {}).ok());  // one short of the budget
  REQUIRE(st->wait_for_compactions().ok());
  CHECK(st->current_version()->levels[0].size() == 1);
  REQUIRE(st->get(key_of(150), seq, out, {}).ok());  // the 100th wasted seek (the table's minimum budget)
  CHECK(out == "old150");
  REQUIRE(st->wait_for_compactions().ok());
  const auto v = st->current_version();
  CHECK(v->levels[0].empty());
  CHECK(!v->levels[1].empty());
  check_all(*st, m, seq);
  REQUIRE(st->check().ok());
}

TEST_CASE("lsm a flush that overlaps nothing on its way goes below level 0, at most to level 2; tiered keeps level 0") {
  auto fs = std::make_shared<io::memory_fs>();
  auto opt = small_options<ix::leveled<>>();
  opt.max_bytes_for_level_base = 1 << 20;  // no level is due by size here
  auto st = store_t<ix::leveled<>>::open(fs, k_dir, opt, cmp_t{});
  REQUIRE(st);
  model m;
  kv::sequence_number seq = 0;
  auto flush_range = [&](int from, int to) {
    std::vector<entry> b;
    for (int i = from; i < to; ++i) {
      b.push_back({key_of(i), ++seq, kv::value_kind::put, "v" + std::to_string(seq)});
      m.put(key_of(i), seq, "v" + std::to_string(seq));
    }
    vector_iterator it(std::move(b));
    REQUIRE((*st)->flush(it, seq, seq).ok());
    REQUIRE((*st)->wait_for_compactions().ok());
  };
  auto sizes = [&] {
    std::vector<std::size_t> out;
    for (const auto& level : (*st)->current_version()->levels) out.push_back(level.size());
    return out;
  };
  flush_range(0, 100);  // an empty store: level 2
  CHECK(sizes() == std::vector<std::size_t>{0, 0, 1, 0, 0});
  flush_range(200, 300);  // beside it: level 2 too
  CHECK(sizes() == std::vector<std::size_t>{0, 0, 2, 0, 0});
  flush_range(50, 60);  // over level 2 (a few small files below): level 1
  CHECK(sizes() == std::vector<std::size_t>{0, 1, 2, 0, 0});
  flush_range(55, 57);  // over level 1: level 0
  CHECK(sizes() == std::vector<std::size_t>{1, 1, 2, 0, 0});
  CHECK((*st)->compactions() == 0);
  check_all(**st, m, seq);
  REQUIRE((*st)->check().ok());
  // A flush over more than 10 target files' bytes two levels down stays
  // above them; one over fewer goes on.
  auto fs3 = std::make_shared<io::memory_fs>();
  auto opt3 = opt;
  opt3.num_levels = 3;
  auto st3 = store_t<ix::leveled<>>::open(fs3, k_dir, opt3, cmp_t{});
  REQUIRE(st3);
  model m3;
  kv::sequence_number seq3 = 0;
  auto flush3 = [&](int from, int to) {
    std::vector<entry> b;
    for (int i = from; i < to; ++i) {
      b.push_back({key_of(i), ++seq3, kv::value_kind::put, std::string(20, 'w')});
      m3.put(key_of(i), seq3, std::string(20, 'w'));
    }
    vector_iterator it(std::move(b));
    REQUIRE((*st3)->flush(it, seq3, seq3).ok());
    REQUIRE((*st3)->wait_for_compactions().ok());
    std::vector<std::size_t> out;
    for (const auto& level : (*st3)->current_version()->levels) out.push_back(level.size());
    return out;
  };
  CHECK(flush3(0, 2000) == std::vector<std::size_t>{0, 0, 1});  // one table, more than 10 target files' bytes
  REQUIRE((*st3)->current_version()->levels[2].front()->size > 10 * opt3.target_file_bytes);
  CHECK(flush3(0, 2) == std::vector<std::size_t>{1, 0, 1});       // level 1 would sit over all of it
  CHECK(flush3(5000, 5002) == std::vector<std::size_t>{1, 0, 2});  // over nothing: level 2
  check_all(**st3, m3, seq3);
  REQUIRE((*st3)->check().ok());

  auto tfs = std::make_shared<io::memory_fs>();
  auto topt = small_options<ix::tiered<>>();
  auto tst = store_t<ix::tiered<>>::open(tfs, k_dir, topt, cmp_t{});
  REQUIRE(tst);
  std::vector<entry> b;
  for (int i = 0; i < 10; ++i) b.push_back({key_of(i), static_cast<kv::sequence_number>(i + 1), kv::value_kind::put, "v"});
  vector_iterator it(std::move(b));
  REQUIRE((*tst)->flush(it, 10, 10).ok());
  CHECK((*tst)->current_version()->levels[0].size() == 1);
}

TEST_CASE("lsm a table moved down whole and merged later leaves the directory") {
  auto fs = std::make_shared<io::memory_fs>();
  auto opt = small_options<ix::leveled<>>();
  opt.num_levels = 4;
  auto st = store_t<ix::leveled<>>::open(fs, k_dir, opt, cmp_t{});
  REQUIRE(st);
  kv::sequence_number seq = 0;
  auto flush_keys = [&](int from, int to, int step) {
    std::vector<entry> b;
    for (int i = from; i < to; i += step) b.push_back({key_of(i), ++seq, kv::value_kind::put, std::string(20, 'v')});
    vector_iterator it(std::move(b));
    REQUIRE((*st)->flush(it, seq, seq).ok());
    REQUIRE((*st)->wait_for_compactions().ok());
  };
  flush_keys(0, 2000, 1);
  REQUIRE((*st)->compact().ok());  // level 3 holds every key, far more than 10 target files
  const auto merges = (*st)->compactions();
  // Every tenth key: level 1 (level 3 is too much to sit over from level 2),
  // over its budget, and overlapping nothing in level 2: moved there whole.
  flush_keys(0, 2000, 10);
  REQUIRE((*st)->current_version()->levels[1].empty());
  REQUIRE((*st)->current_version()->levels[2].size() == 1);
  CHECK((*st)->compactions() == merges);  // a move, not a merge
  const std::uint64_t moved = (*st)->current_version()->levels[2].front()->number;
  REQUIRE((*st)->compact().ok());  // merged, so its file goes
  std::set<std::string> named;
  const auto v = (*st)->current_version();
  for (const auto& level : v->levels)
    for (const auto& f : level) named.insert(ix::lsm_detail::table_name(f->number));
  CHECK(named.count(ix::lsm_detail::table_name(moved)) == 0);
  auto names = fs->list(k_dir);
  REQUIRE(names);
  std::set<std::string> tables;
  for (const auto& n : *names)
    if (n.ends_with(".sst")) tables.insert(n);
  CHECK(tables == named);
}

TEST_CASE("lsm with seek_compaction off: wasted seeks merge nothing") {
  model m;
  kv::sequence_number seq = 0;
  auto st = store_with_sparse_top(std::make_shared<io::memory_fs>(), false, m, seq);
  std::string out;
  for (int n = 0; n < 400; ++n) REQUIRE(st->get(key_of(1 + n % 198), seq, out, {}).ok());
  REQUIRE(st->wait_for_compactions().ok());
  CHECK(st->current_version()->levels[0].size() == 1);
  check_all(*st, m, seq);
}

}  // namespace
