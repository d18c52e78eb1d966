// persist::wal's lazy switch: switch_segment does not fsync the segment it
// leaves; a later synced write, close, or nothing (when the segment is
// released first) does. After a power loss an older segment can then end
// early; the next segment's header (prev, prev end) tells that from a missing
// segment, and recovery keeps the prefix up to the loss. See
// persist/detail/wal_core.hpp (invariant 2) and persist/log_format.hpp.
#include <jadekv/persist/wal.hpp>

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include <jadekv/persist/detail/log_writer.hpp>

#include "persist_env.hpp"

namespace {

using namespace persist_test;
using wal = persist::wal<256>;
using fault_mem = io::fault_fs<io::memory_fs>;

const std::filesystem::path k_dir = "/db";

wal open_wal(const std::shared_ptr<io::file_system>& fs, replay& r,
             persist::recovery_mode mode = persist::recovery_mode::tolerate_torn_tail) {
  wal::options o;
  o.recovery = mode;
  auto w = wal::open(fs, k_dir, o);
  REQUIRE_MESSAGE(w, w.status().to_string());
  auto s = w->recover(r.fn());
  REQUIRE_MESSAGE(s.ok(), s.to_string());
  return std::move(*w);
}

void append(wal& w, int i, bool sync) {
  auto b = workload_batch(i);
  REQUIRE(w.append(b, kv::write_options{sync}).ok());
}

std::vector<std::string> bodies(const replay& r) {
  std::vector<std::string> out;
  for (const auto& b : r.batches) out.push_back(body(b));
  return out;
}

// What a reopen recovers from fs (default mode).
std::vector<std::string> recovered(const std::shared_ptr<io::file_system>& fs) {
  replay r;
  auto w = open_wal(fs, r);
  return bodies(r);
}

std::vector<std::string> workload_bodies(int from, int to) {
  std::vector<std::string> out;
  for (int i = from; i < to; ++i) out.push_back(body(workload_batch(i)));
  return out;
}

std::vector<std::string> segment_names(io::file_system& fs) {
  std::vector<std::string> out;
  for (auto& n : names(fs, k_dir)) {
    if (n.ends_with(".log")) out.push_back(n);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST_CASE("wal: a switch fsyncs only the new segment's header, unless recovery is absolute_consistency") {
  for (auto mode : {persist::recovery_mode::tolerate_torn_tail, persist::recovery_mode::absolute_consistency}) {
    auto fs = std::make_shared<io::memory_fs>();
    replay r;
    auto w = open_wal(fs, r, mode);
    for (int i = 0; i < 5; ++i) append(w, i, false);
    const auto before = w.stats().syncs;
    REQUIRE(w.switch_segment());
    const bool eager = mode == persist::recovery_mode::absolute_consistency;
    CHECK(w.stats().syncs - before == (eager ? 2u : 1u));
  }
}

TEST_CASE("wal: a power loss after an unsynced switch keeps the synced prefix and sets the rest aside") {
  auto fs = std::make_shared<fault_mem>();
  {
    replay r;
    auto w = open_wal(fs, r);
    append(w, 0, true);
    append(w, 1, false);
    append(w, 2, false);
    REQUIRE(w.switch_segment());
    append(w, 3, false);
    append(w, 4, false);
    REQUIRE(fs->crash().ok());  // the handles die with it: no close
  }
  for (auto mode : {persist::recovery_mode::tolerate_torn_tail, persist::recovery_mode::point_in_time}) {
    auto copy = std::make_shared<io::memory_fs>();
    REQUIRE(copy->mkdir(k_dir).ok());
    for (auto& n : names(*fs, k_dir)) write_all(*copy, k_dir / n, read_all(*fs, k_dir / n));
    replay r;
    auto w = open_wal(copy, r, mode);
    CHECK(bodies(r) == workload_bodies(0, 1));
    CHECK(w.report().stopped_early);
    CHECK(has_note(w.report(), "a power loss cut its unsynced tail"));
    CHECK(has_note(w.report(), "set aside"));
    // The numbers of the set-aside segments are not given again (an index
    // may hold some): the next write goes past the last one's first.
    CHECK(w.last_sequence() == workload_batch(0).count() + workload_batch(1).count() + workload_batch(2).count());
    // Writing on from there, the log reopens whole and clean.
    auto b10 = workload_batch(10);
    REQUIRE(w.append(b10, {}).ok());
    CHECK(b10.sequence() == w.last_sequence() - b10.count() + 1);
    REQUIRE(w.close().ok());
    replay again;
    auto w2 = open_wal(copy, again, mode);
    CHECK(bodies(again) == std::vector<std::string>{body(workload_batch(0)), body(workload_batch(10))});
    CHECK_FALSE(w2.report().stopped_early);
    CHECK(w2.report().bytes_dropped == 0);
  }
  {
    wal::options o;
    o.recovery = persist::recovery_mode::absolute_consistency;
    auto w = wal::open(fs, k_dir, o);
    REQUIRE(w);
    replay r;
    CHECK(w->recover(r.fn()).is_corruption());
  }
}

TEST_CASE("wal: a synced write first fsyncs the segments it switched away from") {
  auto fs = std::make_shared<fault_mem>();
  {
    replay r;
    auto w = open_wal(fs, r);
    append(w, 0, false);
    append(w, 1, false);
    REQUIRE(w.switch_segment());
    append(w, 2, false);
    REQUIRE(w.switch_segment());
    append(w, 3, true);  // the barrier: 0..2 are durable before 3 is acknowledged
    append(w, 4, false);
    REQUIRE(fs->crash().ok());
  }
  CHECK(recovered(fs) == workload_bodies(0, 4));
}

TEST_CASE("wal: close fsyncs the segments it switched away from") {
  auto fs = std::make_shared<fault_mem>();
  {
    replay r;
    auto w = open_wal(fs, r);
    append(w, 0, false);
    REQUIRE(w.switch_segment());
    append(w, 1, false);
    REQUIRE(w.close().ok());
    REQUIRE(fs->crash().ok());
  }
  CHECK(recovered(fs) == workload_bodies(0, 2));
}

TEST_CASE("wal: a released segment is never fsynced") {
  auto fs = std::make_shared<io::memory_fs>();
  replay r;
  auto w = open_wal(fs, r);
  append(w, 0, false);
  auto second = w.switch_segment();
  REQUIRE(second);
  REQUIRE(w.release_segments_before(*second).ok());
  const auto before = w.stats().syncs;
  append(w, 1, true);
  CHECK(w.stats().syncs - before == 1);  // the current segment only
  append(w, 2, false);
  REQUIRE(w.switch_segment());           // the new segment's header
  append(w, 3, true);
  CHECK(w.stats().syncs - before == 4);  // and the segment left unsynced, then the current one
}

TEST_CASE("wal: segments replayed after a kill are fsynced before the next synced write") {
  auto fs = std::make_shared<fault_mem>();
  {
    replay r;
    auto w = open_wal(fs, r);
    append(w, 0, false);
    append(w, 1, false);
    fs->fail_from(fs->operation_count() + 1);  // the process dies: nothing more reaches the disk
  }
  fs->clear_faults();
  {
    replay r;
    auto w = open_wal(fs, r);
    REQUIRE(bodies(r) == workload_bodies(0, 2));  // from the OS's cache, never synced
    append(w, 2, true);
    REQUIRE(fs->crash().ok());
  }
  CHECK(recovered(fs) == workload_bodies(0, 3));
}

TEST_CASE("wal: an older segment cut short is a lost tail only where the next header says so") {
  // Three segments, all written out; then the first loses bytes as a power
  // loss can leave it (cut inside a record), or a middle one disappears.
  auto make = [] {
    auto fs = std::make_shared<io::memory_fs>();
    replay r;
    auto w = open_wal(fs, r);
    for (int i = 0; i < 4; ++i) append(w, i, false);
    REQUIRE(w.switch_segment());
    for (int i = 4; i < 6; ++i) append(w, i, false);
    REQUIRE(w.switch_segment());
    append(w, 6, false);
    REQUIRE(w.close().ok());
    return fs;
  };
  SUBCASE("cut inside a record: the prefix before it, the rest set aside") {
    auto fs = make();
    const auto segs = segment_names(*fs);
    REQUIRE(segs.size() == 3);
    std::string first = read_all(*fs, k_dir / segs[0]);
    write_all(*fs, k_dir / segs[0], first.substr(0, first.size() - 5));  // inside batch 3
    replay r;
    auto w = open_wal(fs, r);
    CHECK(bodies(r) == workload_bodies(0, 3));
    CHECK(has_note(w.report(), "the unsynced tail a power loss cut"));
    CHECK(segment_names(*fs).size() == 2);  // the first, cut back, and the one recovery started
  }
  SUBCASE("the next header names another segment: corruption, nothing set aside") {
    auto fs = make();
    const auto segs = segment_names(*fs);
    std::string first = read_all(*fs, k_dir / segs[0]);
    write_all(*fs, k_dir / segs[0], first.substr(0, first.size() - 5));
    std::string second = read_all(*fs, k_dir / segs[1]);
    namespace f = persist::log_format;
    kv::encode_fixed64(second.data() + f::k_prev_number_offset, 999);
    kv::encode_fixed32(second.data() + f::k_header_crc_offset,
                       kv::crc32c::mask(kv::crc32c::value(second.data(), f::k_header_crc_offset)));
    write_all(*fs, k_dir / segs[1], second);
    auto w = wal::open(fs, k_dir);
    REQUIRE(w);
    replay r;
    CHECK(w->recover(r.fn()).is_corruption());
    CHECK(segment_names(*fs) == segs);
  }
  SUBCASE("a missing middle segment: corruption") {
    auto fs = make();
    const auto segs = segment_names(*fs);
    REQUIRE(fs->remove(k_dir / segs[1]).ok());
    auto w = wal::open(fs, k_dir);
    REQUIRE(w);
    replay r;
    const auto s = w->recover(r.fn());
    CHECK(s.is_corruption());
    CHECK(s.message().find("missing") != std::string::npos);
  }
}
