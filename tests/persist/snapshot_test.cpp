// persist::snapshot<> and snapshot<wal<>>: checkpoints and reopen, keep-K,
// log segments released by checkpoints, the every-N-writes and every-T
// triggers, invalid and partial snapshots, and the refusals.
#include <jadekv/persist/snapshot.hpp>

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <jadekv/io/posix_fs.hpp>
#include <jadekv/persist/concepts.hpp>
#include <jadekv/persist/file_names.hpp>
#include <jadekv/persist/wal.hpp>

#include "../io/fs_env.hpp"
#include "persist_env.hpp"

namespace {

using namespace persist_test;
using jadekv_test::fs_env;
using snap = persist::snapshot<>;
using snap_wal = persist::snapshot<persist::wal<>>;

const std::filesystem::path k_dir = "/db";

// A stand-in engine: the policy plus the map it keeps in memory.
template <class P>
struct engine {
  P p;
  model state;

  static engine open(std::shared_ptr<io::file_system> fs, const std::filesystem::path& dir,
                     const typename P::options& o = {}) {
    auto r = P::open(std::move(fs), dir, o);
    REQUIRE_MESSAGE(r, r.status().to_string());
    engine e{std::move(*r), {}};
    auto s = e.p.recover([&e](const kv::write_batch& b) { apply_to(e.state, b); });
    REQUIRE_MESSAGE(s.ok(), s.to_string());
    return e;
  }
  void write(kv::write_batch b, bool sync = false) {
    auto s = p.append(b, kv::write_options{sync});
    REQUIRE_MESSAGE(s.ok(), s.to_string());
    apply_to(state, b);
  }
  auto source() {
    return [this](auto&& emit) {
      for (const auto& [k, v] : state) emit(k, v);
    };
  }
  void checkpoint() {
    auto s = p.checkpoint(source());
    REQUIRE_MESSAGE(s.ok(), s.to_string());
  }
};

std::vector<std::string> files_of(io::file_system& fs, persist::file_kind kind) {
  std::vector<std::string> out;
  for (const auto& n : names(fs, k_dir)) {
    auto i = persist::parse_file_name(n);
    if (i && i->kind == kind && !i->temporary && !i->discarded) out.push_back(n);
  }
  return out;
}

struct fake_clock {
  using rep = std::int64_t;
  using period = std::nano;
  using duration = std::chrono::nanoseconds;
  using time_point = std::chrono::time_point<fake_clock>;
  static inline std::atomic<rep> ns{0};
  static time_point now() noexcept { return time_point(duration(ns.load())); }
};

static_assert(persist::policy<snap> && persist::checkpointing<snap> && !snap::durable);
static_assert(persist::policy<snap_wal> && persist::checkpointing<snap_wal> && snap_wal::durable);

}  // namespace

TEST_CASE_TEMPLATE("snapshot<>: a reopen restores exactly the last checkpoint", Fs, io::memory_fs, io::posix_fs) {
  fs_env<Fs> env;
  const auto dir = env / "db";
  model at_checkpoint;
  kv::sequence_number seq = 0;
  {
    auto e = engine<snap>::open(env.fs, dir);
    for (int i = 0; i < 30; ++i) e.write(workload_batch(i), i % 2 == 0);  // sync is accepted, means nothing
    e.checkpoint();
    at_checkpoint = e.state;
    seq = e.p.last_sequence();
    for (int i = 30; i < 40; ++i) e.write(workload_batch(i));
    REQUIRE(e.p.close().ok());  // no checkpoint: those 10 writes are gone
  }
  auto e = engine<snap>::open(env.fs, dir);
  CHECK(e.state == at_checkpoint);
  CHECK(e.state == workload_state(30));
  CHECK(e.p.last_sequence() == seq);
  CHECK(e.p.report().snapshot_sequence == seq);
  CHECK(e.p.report().snapshot_entries == at_checkpoint.size());
  e.write(workload_batch(99));
  CHECK(e.p.last_sequence() == seq + workload_batch(99).count());
}

TEST_CASE("snapshot<>: close(src) takes a final checkpoint; an unchanged store takes none") {
  auto fs = std::make_shared<io::memory_fs>();
  {
    auto e = engine<snap>::open(fs, k_dir);
    for (int i = 0; i < 12; ++i) e.write(workload_batch(i));
    REQUIRE(e.p.close(e.source()).ok());
    CHECK(e.p.stats().checkpoints == 1);
  }
  {
    auto e = engine<snap>::open(fs, k_dir);
    CHECK(e.state == workload_state(12));
    REQUIRE(e.p.close(e.source()).ok());
    CHECK(e.p.stats().checkpoints == 0);
  }
  CHECK(files_of(*fs, persist::file_kind::snapshot).size() == 1);
}

TEST_CASE("snapshot replay numbers the entries S - n + 1 .. S, in batches") {
  auto fs = std::make_shared<io::memory_fs>();
  {
    auto e = engine<snap>::open(fs, k_dir);
    for (int i = 0; i < 20; ++i) e.write(workload_batch(i));
    e.checkpoint();
  }
  auto p = snap::open(fs, k_dir);
  REQUIRE(p);
  std::vector<kv::write_batch> got;
  REQUIRE(p->recover([&](const kv::write_batch& b) { got.push_back(b); }).ok());
  REQUIRE_FALSE(got.empty());
  std::uint64_t entries = 0;
  for (const auto& b : got) entries += b.count();
  const auto last = got.back().sequence() + got.back().count() - 1;
  CHECK(last == p->last_sequence());
  CHECK(got.front().sequence() == last - entries + 1);
}

TEST_CASE("snapshot<wal<>>: every write survives; checkpoints delete the segments and snapshots not needed") {
  auto fs = std::make_shared<io::memory_fs>();
  snap_wal::options o;
  o.keep = 2;
  {
    auto e = engine<snap_wal>::open(fs, k_dir, o);
    for (int i = 0; i < 50; ++i) {
      e.write(workload_batch(i));
      if (i % 10 == 9) e.checkpoint();
    }
    CHECK(e.p.stats().checkpoints == 5);
    CHECK(files_of(*fs, persist::file_kind::snapshot).size() == 2);
    // The segments the older kept snapshot needs, and no more.
    CHECK(files_of(*fs, persist::file_kind::segment).size() == 2);
    for (int i = 50; i < 55; ++i) e.write(workload_batch(i));
    REQUIRE(e.p.close().ok());
  }
  auto e = engine<snap_wal>::open(fs, k_dir, o);
  CHECK(e.state == workload_state(55));
  CHECK(e.p.report().records == 5);  // only the writes after the last snapshot are replayed
  CHECK(e.p.report().snapshot != 0);
  std::uint64_t seq = 0;
  for (int i = 0; i < 55; ++i) seq += workload_batch(i).count();
  CHECK(e.p.last_sequence() == seq);
}

TEST_CASE("snapshot: keep = K keeps the K newest snapshots") {
  auto fs = std::make_shared<io::memory_fs>();
  snap::options o;
  o.keep = 3;
  auto e = engine<snap>::open(fs, k_dir, o);
  for (int i = 0; i < 8; ++i) {
    e.write(workload_batch(i));
    e.checkpoint();
  }
  const auto snaps = files_of(*fs, persist::file_kind::snapshot);
  CHECK(snaps.size() == 3);
  o.keep = 0;
  CHECK(snap::open(fs, "/other", o).status().is_invalid_argument());
}

TEST_CASE("snapshot: checkpoint_due after N writes or T seconds") {
  using clocked = persist::snapshot<persist::none<>, fake_clock>;
  auto fs = std::make_shared<io::memory_fs>();
  clocked::options o;
  o.every_writes = 5;
  o.every = std::chrono::seconds(10);
  fake_clock::ns = 0;
  auto e = engine<clocked>::open(fs, k_dir, o);
  CHECK_FALSE(e.p.checkpoint_due());
  fake_clock::ns = 60'000'000'000;  // time alone does not make it due: nothing was written
  CHECK_FALSE(e.p.checkpoint_due());
  e.write(workload_batch(0));
  CHECK(e.p.checkpoint_due());  // 60 s since open
  e.checkpoint();
  CHECK_FALSE(e.p.checkpoint_due());
  for (int i = 1; i < 5; ++i) e.write(workload_batch(i));
  CHECK_FALSE(e.p.checkpoint_due());  // 4 writes, 0 s
  e.write(workload_batch(5));
  CHECK(e.p.checkpoint_due());  // 5 writes
  e.checkpoint();
  e.write(workload_batch(6));
  fake_clock::ns += 9'000'000'000;
  CHECK_FALSE(e.p.checkpoint_due());
  fake_clock::ns += 1'000'000'000;
  CHECK(e.p.checkpoint_due());  // 10 s
}

TEST_CASE("snapshot<wal<>>: a damaged newest snapshot is ignored with a reason; the older one and its log recover all") {
  auto fs = std::make_shared<io::memory_fs>();
  {
    auto e = engine<snap_wal>::open(fs, k_dir);
    for (int i = 0; i < 30; ++i) {
      e.write(workload_batch(i));
      if (i == 9 || i == 19) e.checkpoint();
    }
  }
  const auto snaps = files_of(*fs, persist::file_kind::snapshot);
  REQUIRE(snaps.size() == 2);
  const auto newest = k_dir / snaps.back();
  std::string bytes = read_all(*fs, newest);
  bytes[bytes.size() / 2] ^= 0x04;
  write_all(*fs, newest, bytes);

  auto e = engine<snap_wal>::open(fs, k_dir);
  CHECK(e.state == workload_state(30));
  CHECK(has_note(e.p.report(), snaps.back() + ": ignored"));
  CHECK(e.p.report().snapshot == persist::parse_file_name(snaps.front())->number);
  // The next checkpoint deletes the damaged one.
  e.checkpoint();
  const auto after = files_of(*fs, persist::file_kind::snapshot);
  CHECK(std::find(after.begin(), after.end(), snaps.back()) == after.end());
}

TEST_CASE("snapshot: absolute consistency refuses a damaged snapshot; no valid snapshot at all is corruption") {
  auto fs = std::make_shared<io::memory_fs>();
  {
    auto e = engine<snap_wal>::open(fs, k_dir);
    for (int i = 0; i < 10; ++i) e.write(workload_batch(i));
    e.checkpoint();
  }
  const auto only = k_dir / files_of(*fs, persist::file_kind::snapshot).front();
  std::string bytes = read_all(*fs, only);
  write_all(*fs, only, bytes.substr(0, bytes.size() - 3));  // cut short: no end chunk

  snap_wal::options strict;
  strict.log.recovery = persist::recovery_mode::absolute_consistency;
  for (const auto& o : {strict, snap_wal::options{}}) {
    auto p = snap_wal::open(fs, k_dir, o);
    REQUIRE(p);
    auto s = p->recover([](const kv::write_batch&) {});
    CHECK(s.is_corruption());
  }
}

TEST_CASE("snapshot: a torn snapshot under a newer name never replaces the good one") {
  auto fs = std::make_shared<io::memory_fs>();
  std::string good;
  {
    auto e = engine<snap>::open(fs, k_dir);
    for (int i = 0; i < 25; ++i) e.write(workload_batch(i));
    e.checkpoint();
  }
  const auto name = files_of(*fs, persist::file_kind::snapshot).front();
  good = read_all(*fs, k_dir / name);
  const auto newer = k_dir / persist::snapshot_file_name(persist::parse_file_name(name)->number + 100);
  int cases = 0;
  for (std::size_t cut = 0; cut < good.size(); cut += 7) {
    // A copy cut short, under the newer name: the older one still loads.
    write_all(*fs, newer, good.substr(0, cut));
    auto p = snap::open(fs, k_dir);
    REQUIRE(p);
    model m;
    REQUIRE(p->recover([&](const kv::write_batch& b) { apply_to(m, b); }).ok());
    CHECK(m == workload_state(25));
    CHECK(has_note(p->report(), "ignored"));
    ++cases;
  }
  MESSAGE("torn newer snapshots ignored: ", cases);
}

TEST_CASE("snapshot: a leftover .tmp snapshot is removed and reported") {
  auto fs = std::make_shared<io::memory_fs>();
  REQUIRE(fs->mkdir(k_dir).ok());
  write_all(*fs, k_dir / persist::temp_file_name(persist::snapshot_file_name(9)), "partial");
  auto e = engine<snap>::open(fs, k_dir);
  CHECK(has_note(e.p.report(), "SNAPSHOT-000009.tmp: removed"));
  CHECK(files_of(*fs, persist::file_kind::snapshot).empty());
  e.write(workload_batch(0));
  e.checkpoint();
  const auto s = files_of(*fs, persist::file_kind::snapshot);
  REQUIRE(s.size() == 1);
  CHECK(persist::parse_file_name(s.front())->number > 9);  // numbers are not reused
}

TEST_CASE("snapshot<>: a directory with log segments is refused") {
  auto fs = std::make_shared<io::memory_fs>();
  {
    auto w = persist::wal<>::open(fs, k_dir);
    REQUIRE(w);
    REQUIRE(w->recover([](const kv::write_batch&) {}).ok());
  }
  auto p = snap::open(fs, k_dir);
  REQUIRE_FALSE(p);
  CHECK(p.status().is_invalid_argument());
  // snapshot<wal<>> adopts a plain wal<> directory.
  auto q = snap_wal::open(fs, k_dir);
  REQUIRE(q);
  CHECK(q->recover([](const kv::write_batch&) {}).ok());
}

TEST_CASE("snapshot: a source with more live keys than writes is refused") {
  auto fs = std::make_shared<io::memory_fs>();
  auto e = engine<snap>::open(fs, k_dir);
  e.write(workload_batch(0));
  auto s = e.p.checkpoint([](auto&& emit) {
    emit("a", "1");
    emit("b", "2");
    emit("c", "3");
  });
  CHECK(s.is_invalid_argument());
  CHECK(files_of(*fs, persist::file_kind::snapshot).empty());
  auto all = names(*fs, k_dir);
  CHECK(std::none_of(all.begin(), all.end(), [](const std::string& n) { return n.ends_with(".tmp"); }));
}

TEST_CASE("snapshot<wal<>>: release_segments_before never passes what the kept snapshots need") {
  auto fs = std::make_shared<io::memory_fs>();
  auto e = engine<snap_wal>::open(fs, k_dir);
  for (int i = 0; i < 5; ++i) e.write(workload_batch(i));
  auto seg = e.p.switch_segment();
  REQUIRE(seg);
  REQUIRE(e.p.release_segments_before(*seg).ok());  // no snapshot yet: nothing may go
  CHECK(files_of(*fs, persist::file_kind::segment).size() == 2);
  e.checkpoint();
  REQUIRE(e.p.close().ok());
  auto again = engine<snap_wal>::open(fs, k_dir);
  CHECK(again.state == workload_state(5));
}

TEST_CASE("snapshot: calls out of order are refused") {
  auto fs = std::make_shared<io::memory_fs>();
  auto p = snap::open(fs, k_dir);
  REQUIRE(p);
  kv::write_batch b;
  b.put("a", "1");
  CHECK(p->append(b).is_invalid_argument());
  CHECK(p->checkpoint([](auto&&) {}).is_invalid_argument());
  REQUIRE(p->recover([](const kv::write_batch&) {}).ok());
  CHECK(p->recover([](const kv::write_batch&) {}).is_invalid_argument());
  REQUIRE(p->close().ok());
  CHECK(p->append(b).is_closed());
  CHECK(p->checkpoint([](auto&&) {}).is_closed());
}
