// index::bptree under failing I/O:
//   - power loss (fault_fs::crash()) after every I/O operation of a run of
//     commits: the reopened store holds exactly the last acknowledged commit
//     or the one in flight, never a mix, check() passes, and it takes new
//     commits;
//   - one failed operation anywhere, the run continuing (retrying the flush,
//     reopening after a sticky error): nothing acknowledged is lost, nothing
//     half-written is visible, the free list stays consistent;
//   - a full disk (ENOSPC) during commits: the previous commit stays
//     readable, and commits succeed again once space is back.
#include <jadekv/index/bptree.hpp>

#include <doctest/doctest.h>

#include <cerrno>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "bptree_env.hpp"

namespace {

using namespace bptree_test;
using fault_mem = io::fault_fs<io::memory_fs>;

constexpr int k_commits = 10;

// Commit i's writes: inserts, overwrites with values of every size class
// (overflow runs included), and erases, on a small key space.
void stage_commit(writer& w, int i) {
  std::mt19937 rng(static_cast<unsigned>(1000 + i));
  const int n = i == 0 ? 300 : 60;
  for (int j = 0; j < n; ++j) {
    const int k = static_cast<int>(rng() % 400);
    if (i > 0 && rng() % 3 == 0) w.erase(key_of(k));
    else w.put(key_of(k), value_of(k, i));
  }
}

// The model after each commit, and the flushed sequence that names it.
struct history {
  std::vector<model> states{model{}};
  std::vector<kv::sequence_number> seqs{0};
};

history expected_history() {
  history h;
  writer w;
  for (int i = 0; i < k_commits; ++i) {
    stage_commit(w, i);
    w.commit();
    h.states.push_back(w.state);
    h.seqs.push_back(w.seq);
  }
  return h;
}

struct run_log {
  int acked = 0;      // commits [0, acked) returned ok
  bool opened = false;
};

void workload(const std::shared_ptr<io::file_system>& fs, run_log& log) {
  auto r = store_t::open(fs, k_dir, small_pages(), {});
  if (!r) return;
  log.opened = true;
  auto& s = **r;
  writer w;
  for (int i = 0; i < k_commits; ++i) {
    stage_commit(w, i);
    if (!w.flush(s).ok()) return;
    log.acked = i + 1;
  }
}

// Opens the recovered store and finds which commit it holds.
int recovered_commit(const std::shared_ptr<io::file_system>& fs, const history& h, std::unique_ptr<store_t>& out) {
  auto r = store_t::open(fs, k_dir, small_pages(), {});
  REQUIRE_MESSAGE(r.has_value(), r.status().to_string());
  out = std::move(*r);
  const auto seq = out->flushed_sequence();
  for (std::size_t i = 0; i < h.seqs.size(); ++i) {
    if (h.seqs[i] == seq) return static_cast<int>(i);
  }
  FAIL("recovered a flushed sequence no commit wrote: " << seq);
  return -1;
}

TEST_CASE("bptree crash: power loss after every I/O operation of the commits") {
  const history h = expected_history();
  std::uint64_t total = 0;
  {
    auto fs = std::make_shared<fault_mem>();
    run_log log;
    workload(fs, log);
    REQUIRE(log.acked == k_commits);
    total = fs->operation_count();
  }
  REQUIRE(total > 30);
  std::vector<int> recovered(k_commits + 1, 0);
  for (std::uint64_t n = 1; n <= total + 1; ++n) {
    CAPTURE(n);
    auto fs = std::make_shared<fault_mem>();
    fs->fail_from(n);
    run_log log;
    workload(fs, log);
    REQUIRE(fs->crash().ok());
    fs->clear_faults();
    if (!log.opened) {
      // The crash hit the creation of the file: nothing or an empty store.
      auto r = store_t::open(fs, k_dir, small_pages(), {});
      REQUIRE_MESSAGE(r.has_value(), r.status().to_string());
      CHECK((*r)->flushed_sequence() == 0);
      continue;
    }
    std::unique_ptr<store_t> s;
    const int got = recovered_commit(fs, h, s);
    // The commit in flight may or may not have become durable; nothing older.
    REQUIRE((got == log.acked || got == log.acked + 1));
    ++recovered[static_cast<std::size_t>(got)];
    REQUIRE_MESSAGE(s->check().ok(), s->check().to_string());
    expect_model(*s, h.states[static_cast<std::size_t>(got)]);
    // The recovered free list is sound: a new commit on top checks out.
    writer w;
    w.state = h.states[static_cast<std::size_t>(got)];
    w.seq = h.seqs[static_cast<std::size_t>(got)];
    stage_commit(w, k_commits + 1);
    REQUIRE(w.flush(*s).ok());
    REQUIRE(s->check().ok());
    expect_model(*s, w.state);
  }
  // Every commit was the outcome of some crash point.
  for (int i = 0; i <= k_commits; ++i) CHECK(recovered[static_cast<std::size_t>(i)] > 0);
}

TEST_CASE("bptree crash: one failed operation anywhere, then the run goes on") {
  const history h = expected_history();
  std::uint64_t total = 0;
  {
    auto fs = std::make_shared<fault_mem>();
    run_log log;
    workload(fs, log);
    total = fs->operation_count();
  }
  for (std::uint64_t n = 1; n <= total; ++n) {
    CAPTURE(n);
    auto fs = std::make_shared<fault_mem>();
    fs->fail_at(n);
    auto r = store_t::open(fs, k_dir, small_pages(), {});
    if (!r) r = store_t::open(fs, k_dir, small_pages(), {});
    REQUIRE_MESSAGE(r.has_value(), r.status().to_string());
    std::unique_ptr<store_t> s = std::move(*r);
    writer w;
    int reopened = 0;
    for (int i = 0; i < k_commits; ++i) {
      stage_commit(w, i);
      auto st = w.flush(*s);
      if (st.ok()) continue;
      // Retry once as is; after a sticky error the store must be reopened.
      st = w.flush(*s);
      if (!st.ok()) {
        ++reopened;
        s.reset();
        s = open_store(fs);
        // The failed commit may have landed (its meta write went through).
        if (s->flushed_sequence() == w.seq) {
          w.commit();
        } else {
          REQUIRE(w.flush(*s).ok());
        }
      }
      REQUIRE_MESSAGE(s->check().ok(), s->check().to_string());
      expect_model(*s, w.state);
    }
    CHECK(reopened <= 1);
    expect_model(*s, h.states.back());
    s.reset();
    REQUIRE(fs->crash().ok());
    s = open_store(fs);
    REQUIRE(s->check().ok());
    expect_model(*s, h.states.back());
  }
}

TEST_CASE("bptree crash: a full disk fails commits and keeps the previous one usable") {
  auto fs = std::make_shared<fault_mem>();
  auto s = open_store(fs);
  writer w;
  for (int i = 0; i < 3; ++i) {
    stage_commit(w, i);
    REQUIRE(w.flush(*s).ok());
  }
  const model before = w.state;
  io::fault_spec f;
  f.at = fs->operation_count() + 1;
  f.persistent = true;
  f.error = ENOSPC;
  f.kinds = io::op_set::writes();
  fs->inject(f);
  for (int i = 3; i < 6; ++i) {
    stage_commit(w, i);
    auto st = w.flush(*s);
    CHECK(st.is_no_space());
    REQUIRE(s->check().ok());
    expect_model(*s, before);
    CHECK(s->throttle().ok());  // nothing was at stake: not sticky
  }
  fs->clear_faults();
  REQUIRE(w.flush(*s).ok());  // every pending write, in one commit
  REQUIRE(s->check().ok());
  expect_model(*s, w.state);
  s.reset();
  REQUIRE(fs->crash().ok());
  s = open_store(fs);
  REQUIRE(s->check().ok());
  expect_model(*s, w.state);
}

// A flush of more entries than one commit takes (store.hpp: commits of at
// least 4096 entries, at most 8 per flush): `chunk` entries per commit.
constexpr int k_chunk = 4096;
constexpr int k_big_flush = 3 * k_chunk - 300;

// A store holding 5000 entries, then a batch over them and 7000 more keys
// (short values: a few hundred 4 KiB pages).
void stage_big(writer& w, int round) {
  for (int k = 0; k < k_big_flush; ++k) {
    if (round == 0 && k % 2 == 1) continue;
    if (round == 1 && k % 5 == 0) w.erase(key_of(k));
    else w.put(key_of(k), std::string(6 + k % 5, static_cast<char>('a' + (k + round) % 26)));
  }
}

TEST_CASE("bptree crash: a flush in several commits recovers to a key-ordered prefix of them, and replays whole") {
  writer base;
  stage_big(base, 0);
  base.commit();
  // The states after each commit of the big flush (keys in order, k_chunk a commit).
  std::vector<pairs> after_chunk;
  writer big = base;
  stage_big(big, 1);
  {
    model m = base.state;
    after_chunk.push_back(model_range(m, std::nullopt, std::nullopt));
    for (std::size_t i = 0; i < big.pending.size(); ++i) {
      const entry& e = big.pending[i];
      if (e.kind == kv::value_kind::put) m[e.key] = e.value;
      else m.erase(e.key);
      if ((i + 1) % k_chunk == 0 || i + 1 == big.pending.size()) after_chunk.push_back(model_range(m, std::nullopt, std::nullopt));
    }
  }
  REQUIRE(after_chunk.size() == 4);
  const kv::sequence_number base_seq = base.seq, big_seq = big.seq;

  auto run = [&](const std::shared_ptr<io::file_system>& fs, std::uint64_t& before_big) {
    auto s = open_store(fs, small_pages(4096));
    writer w;
    stage_big(w, 0);
    REQUIRE(w.flush(*s).ok());
    before_big = s->last_txid();
    stage_big(w, 1);
    return w.flush(*s);
  };
  std::uint64_t total = 0, start = 0;
  {
    auto fs = std::make_shared<fault_mem>();
    std::uint64_t tx0 = 0;
    REQUIRE(run(fs, tx0).ok());
    auto s = open_store(fs, small_pages(4096));
    CHECK(s->last_txid() == tx0 + 3);  // three commits
    CHECK(scan_forward(*s) == after_chunk.back());
    total = fs->operation_count();
  }
  {
    auto fs = std::make_shared<fault_mem>();
    auto s = open_store(fs, small_pages(4096));
    writer w;
    stage_big(w, 0);
    REQUIRE(w.flush(*s).ok());
    start = fs->operation_count();
  }
  // Every third of the ~160 operations (each commit is ~50 of them): the
  // single-commit tests above take every one.
  std::vector<int> recovered(after_chunk.size(), 0);
  for (std::uint64_t n = start + 1; n <= total + 1; n += 3) {
    CAPTURE(n);
    auto fs = std::make_shared<fault_mem>();
    fs->fail_from(n);
    std::uint64_t tx0 = 0;
    (void)run(fs, tx0);
    REQUIRE(fs->crash().ok());
    fs->clear_faults();
    auto s = open_store(fs, small_pages(4096));
    REQUIRE_MESSAGE(s->check().ok(), s->check().to_string());
    const pairs got = scan_forward(*s);
    std::size_t j = 0;
    while (j < after_chunk.size() && after_chunk[j] != got) ++j;
    REQUIRE_MESSAGE(j < after_chunk.size(), "recovered a state that is no prefix of the flush's commits");
    ++recovered[j];
    // Only the last commit records the batch's sequence.
    CHECK(s->flushed_sequence() == (j + 1 == after_chunk.size() ? big_seq : base_seq));
    // As the engine's log replay does: the batch again, over whatever landed.
    writer again = base;
    stage_big(again, 1);
    REQUIRE(again.flush(*s).ok());
    REQUIRE(s->check().ok());
    CHECK(scan_forward(*s) == after_chunk.back());
    CHECK(s->flushed_sequence() == big_seq);
  }
  // Each of the flush's commits was the outcome of some crash point.
  for (std::size_t j = 0; j < recovered.size(); ++j) CHECK(recovered[j] > 0);
}

}  // namespace

namespace {

TEST_CASE("bptree crash: power loss at every I/O operation of a compaction") {
  const history h = expected_history();
  for (std::uint64_t n = 1;; ++n) {
    CAPTURE(n);
    auto fs = std::make_shared<fault_mem>();
    bool done = false;
    {
      auto s = open_store(fs);
      writer w;
      for (int i = 0; i < k_commits; ++i) {
        stage_commit(w, i);
        REQUIRE(w.flush(*s).ok());
      }
      fs->fail_from(fs->operation_count() + n);
      done = s->compact().ok();
    }
    REQUIRE(fs->crash().ok());
    fs->clear_faults();
    auto s = open_store(fs);
    CHECK_FALSE(*fs->exists("/db/data.jkb.tmp"));
    CHECK(s->flushed_sequence() == h.seqs.back());
    REQUIRE_MESSAGE(s->check().ok(), s->check().to_string());
    expect_model(*s, h.states.back());
    if (done) break;
  }
}

}  // namespace
