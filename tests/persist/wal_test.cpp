// persist::wal<>: append and replay, sequence numbers, segments, the sticky
// error rule, refusals, misplaced and missing segments, point-in-time, and
// group commit.
#include <jadekv/persist/wal.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <thread>
#include <vector>

#include <jadekv/core/coding.hpp>
#include <jadekv/core/crc32c.hpp>
#include <jadekv/io/posix_fs.hpp>
#include <jadekv/persist/file_names.hpp>
#include <jadekv/persist/log_format.hpp>

#include "../io/fs_env.hpp"
#include "persist_env.hpp"

namespace {

using namespace persist_test;
using jadekv_test::fs_env;
using wal = persist::wal<>;

const std::filesystem::path k_dir = "/db";

wal open_wal(std::shared_ptr<io::file_system> fs, const std::filesystem::path& dir, replay& r,
             wal::options o = {}) {
  auto w = wal::open(std::move(fs), dir, o);
  REQUIRE_MESSAGE(w, w.status().to_string());
  auto s = w->recover(r.fn());
  REQUIRE_MESSAGE(s.ok(), s.to_string());
  return std::move(*w);
}

void append_ok(wal& w, kv::write_batch& b, bool sync = false) {
  auto s = w.append(b, kv::write_options{sync});
  REQUIRE_MESSAGE(s.ok(), s.to_string());
}

// A log holding one synced batch, whose next operation of a kind in `kinds`
// fails with `error` after landing `torn` bytes.
wal log_failing_next(const std::shared_ptr<io::fault_fs<io::memory_fs>>& fs, io::op_set kinds, int error,
                     std::size_t torn = 0) {
  replay r;
  auto w = open_wal(fs, k_dir, r);
  auto b0 = workload_batch(0);
  append_ok(w, b0, true);
  io::fault_spec f;
  f.kinds = kinds;
  f.error = error;
  f.torn_prefix = torn;
  f.at = fs->operation_count() + 1;
  fs->inject(f);
  return w;
}

std::vector<std::string> segment_names(io::file_system& fs, const std::filesystem::path& dir) {
  std::vector<std::string> out;
  for (const auto& n : names(fs, dir)) {
    auto info = persist::parse_file_name(n);
    if (info && info->kind == persist::file_kind::segment && !info->temporary && !info->discarded) out.push_back(n);
  }
  return out;
}

}  // namespace

TEST_CASE_TEMPLATE("wal: appended batches come back in order with their sequence numbers", Fs, io::memory_fs,
                   io::posix_fs) {
  fs_env<Fs> env;
  const auto dir = env / "db";
  std::vector<kv::write_batch> written;
  {
    replay r;
    auto w = open_wal(env.fs, dir, r);
    CHECK(r.batches.empty());
    CHECK(w.last_sequence() == 0);
    for (int i = 0; i < 40; ++i) {
      auto b = workload_batch(i);
      append_ok(w, b, i % 4 == 0);
      written.push_back(b);
    }
    REQUIRE(w.close().ok());
  }
  replay r;
  auto w = open_wal(env.fs, dir, r);
  REQUIRE(r.batches.size() == written.size());
  for (std::size_t i = 0; i < written.size(); ++i) CHECK(r.batches[i] == written[i]);
  CHECK(r.state == workload_state(40));
  CHECK(w.report().records == 40);
  CHECK(w.report().bytes_dropped == 0);
  CHECK(w.last_sequence() == written.back().sequence() + written.back().count() - 1);
}

TEST_CASE("wal: sequence numbers follow counts, empty batches take none, and continue after reopen") {
  auto fs = std::make_shared<io::memory_fs>();
  {
    replay r;
    auto w = open_wal(fs, k_dir, r);
    kv::write_batch a;
    a.put("a", "1");
    a.put("b", "2");
    append_ok(w, a);
    CHECK(a.sequence() == 1);
    kv::write_batch empty;
    append_ok(w, empty);
    CHECK(empty.sequence() == 3);
    kv::write_batch c;
    c.erase("a");
    append_ok(w, c);
    CHECK(c.sequence() == 3);
    CHECK(w.last_sequence() == 3);
  }
  replay r;
  auto w = open_wal(fs, k_dir, r);
  CHECK(w.last_sequence() == 3);
  REQUIRE(r.batches.size() == 3);
  CHECK(r.batches[1].empty());
  CHECK(r.state == model{{"b", "2"}});
  kv::write_batch d;
  d.put("d", "4");
  append_ok(w, d);
  CHECK(d.sequence() == 4);
}

TEST_CASE("wal: segments switch, are released, and recovery still sees the last sequence") {
  auto fs = std::make_shared<io::memory_fs>();
  replay r0;
  auto w = open_wal(fs, k_dir, r0);
  const auto first = w.current_segment();
  CHECK(segment_names(*fs, k_dir) == std::vector<std::string>{persist::segment_file_name(first)});
  for (int i = 0; i < 5; ++i) {
    auto b = workload_batch(i);
    append_ok(w, b);
  }
  auto second = w.switch_segment();
  REQUIRE(second);
  CHECK(*second > first);
  for (int i = 5; i < 10; ++i) {
    auto b = workload_batch(i);
    append_ok(w, b);
  }
  CHECK(w.stats().segments == 2);
  CHECK(w.release_segments_before(*second + 1).is_invalid_argument());  // the current one stays
  REQUIRE(w.release_segments_before(*second).ok());
  CHECK(segment_names(*fs, k_dir) == std::vector<std::string>{persist::segment_file_name(*second)});
  CHECK(w.stats().segments == 1);
  const auto last = w.last_sequence();
  REQUIRE(w.close().ok());

  // Only batches 5..9 remain: the caller made 0..4 durable elsewhere.
  replay r;
  auto w2 = open_wal(fs, k_dir, r);
  REQUIRE(r.batches.size() == 5);
  CHECK(body(r.batches[0]) == body(workload_batch(5)));
  CHECK(w2.last_sequence() == last);

  // With every record released, the empty newest segment still carries it.
  auto third = w2.switch_segment();
  REQUIRE(third);
  REQUIRE(w2.release_segments_before(*third).ok());
  REQUIRE(w2.close().ok());
  replay r3;
  auto w3 = open_wal(fs, k_dir, r3);
  CHECK(r3.batches.empty());
  CHECK(w3.last_sequence() == last);
  kv::write_batch b;
  b.put("after", "release");
  append_ok(w3, b);
  CHECK(b.sequence() == last + 1);
}

TEST_CASE("wal: close makes unsynced writes durable; a crash without it keeps only synced ones") {
  for (bool clean : {true, false}) {
    CAPTURE(clean);
    auto fs = std::make_shared<io::fault_fs<io::memory_fs>>();
    {
      replay r;
      auto w = open_wal(fs, k_dir, r);
      for (int i = 0; i < 6; ++i) {
        auto b = workload_batch(i);
        append_ok(w, b, i == 2);  // only batch 2 is synced
      }
      if (clean) REQUIRE(w.close().ok());
      REQUIRE(fs->crash().ok());
    }
    replay r;
    auto w = open_wal(fs, k_dir, r);
    CHECK(r.batches.size() == (clean ? 6u : 3u));
    CHECK(r.state == workload_state(clean ? 6 : 3));
  }
}

TEST_CASE("wal: a failed fsync is sticky until reopened, and never taken for success") {
  auto fs = std::make_shared<io::fault_fs<io::memory_fs>>();
  auto w = log_failing_next(fs, io::op_kind::datasync, EIO);
  auto b1 = workload_batch(1);
  auto s = w.append(b1, kv::write_options{true});
  CHECK(s.is_io_error());
  CHECK(s.message().find("refused until reopened") != std::string::npos);
  // The fs works again, the log still refuses, even unsynced writes.
  auto b2 = workload_batch(2);
  CHECK(w.append(b2, kv::write_options{false}).is_io_error());
  CHECK(w.switch_segment().status().is_io_error());
  CHECK(w.close().is_io_error());  // close does not fsync again and report ok
  REQUIRE(fs->crash().ok());
  replay r;
  auto w2 = open_wal(fs, k_dir, r);
  // Batch 0 was synced; batch 1 may or may not have reached the disk, batch 2 was never written.
  REQUIRE(r.batches.size() >= 1);
  CHECK(r.batches.size() <= 2);
  CHECK(body(r.batches[0]) == body(workload_batch(0)));
  auto b3 = workload_batch(3);
  append_ok(w2, b3, true);
}

TEST_CASE("wal: a failed or torn write is sticky; ENOSPC reads as no_space") {
  auto fs = std::make_shared<io::fault_fs<io::memory_fs>>();
  auto w = log_failing_next(fs, io::op_kind::write, ENOSPC, 5);
  auto b1 = workload_batch(1);
  CHECK(w.append(b1, kv::write_options{true}).is_no_space());
  auto b2 = workload_batch(2);
  CHECK(w.append(b2, kv::write_options{true}).is_no_space());
  CHECK(w.stats().records == 2);  // the third append was refused before it queued
  (void)w.close();
  // The torn 5 bytes are a torn tail: dropped and reported.
  replay r;
  auto w2 = open_wal(fs, k_dir, r);
  REQUIRE(r.batches.size() == 1);
  CHECK(w2.report().bytes_dropped == 5);
  CHECK(has_note(w2.report(), "torn tail"));
}

TEST_CASE("wal: calls out of order are refused") {
  auto fs = std::make_shared<io::memory_fs>();
  auto w = wal::open(fs, k_dir);
  REQUIRE(w);
  kv::write_batch b;
  b.put("a", "1");
  CHECK(w->append(b).is_invalid_argument());
  replay r;
  REQUIRE(w->recover(r.fn()).ok());
  CHECK(w->recover(r.fn()).is_invalid_argument());
  REQUIRE(w->close().ok());
  CHECK(w->append(b).is_closed());
  CHECK(w->close().ok());  // idempotent
}

TEST_CASE("wal: recover stops at the first error of apply and returns it") {
  auto fs = std::make_shared<io::memory_fs>();
  {
    replay r;
    auto w = open_wal(fs, k_dir, r);
    for (int i = 0; i < 3; ++i) {
      auto b = workload_batch(i);
      append_ok(w, b);
    }
  }
  auto w = wal::open(fs, k_dir);
  REQUIRE(w);
  int calls = 0;
  auto s = w->recover([&](const kv::write_batch&) -> kv::status {
    return ++calls == 2 ? kv::status::no_space("memtable full") : kv::status{};
  });
  CHECK(s.is_no_space());
  CHECK(calls == 2);
}

TEST_CASE("wal: a directory holding snapshots is refused") {
  auto fs = std::make_shared<io::memory_fs>();
  REQUIRE(fs->mkdir(k_dir).ok());
  write_all(*fs, k_dir / persist::snapshot_file_name(3), "x");
  auto w = wal::open(fs, k_dir);
  REQUIRE_FALSE(w);
  CHECK(w.status().is_invalid_argument());
  CHECK(w.status().message().find("snapshot<persist::wal<>>") != std::string::npos);
}

TEST_CASE("wal: a leftover temporary segment is removed and reported") {
  auto fs = std::make_shared<io::memory_fs>();
  REQUIRE(fs->mkdir(k_dir).ok());
  write_all(*fs, k_dir / persist::temp_file_name(persist::segment_file_name(4)), "half a header");
  replay r;
  auto w = open_wal(fs, k_dir, r);
  CHECK(has_note(w.report(), "000004.log.tmp: removed"));
  CHECK(w.current_segment() > 4);  // its number is not reused
}

TEST_CASE("wal: a misplaced segment and a missing segment are corruption, not end of log") {
  auto fs = std::make_shared<io::memory_fs>();
  std::vector<std::uint64_t> segs;
  {
    replay r;
    auto w = open_wal(fs, k_dir, r);
    segs.push_back(w.current_segment());
    for (int i = 0; i < 9; ++i) {
      auto b = workload_batch(i);
      append_ok(w, b);
      if (i % 3 == 2) {
        auto n = w.switch_segment();
        REQUIRE(n);
        segs.push_back(*n);
      }
    }
  }
  SUBCASE("renamed to another number") {
    const auto from = k_dir / persist::segment_file_name(segs.back());
    const auto to = k_dir / persist::segment_file_name(segs.back() + 10);
    REQUIRE(fs->rename(from, to).ok());
    auto w = wal::open(fs, k_dir);
    REQUIRE(w);
    replay r;
    auto s = w->recover(r.fn());
    CHECK(s.is_corruption());
    CHECK(s.message().find("misplaced") != std::string::npos);
  }
  SUBCASE("a middle segment removed") {
    REQUIRE(fs->remove(k_dir / persist::segment_file_name(segs[1])).ok());
    for (auto mode : {persist::recovery_mode::tolerate_torn_tail, persist::recovery_mode::absolute_consistency}) {
      wal::options o;
      o.recovery = mode;
      auto w = wal::open(fs, k_dir, o);
      REQUIRE(w);
      replay r;
      auto s = w->recover(r.fn());
      CHECK(s.is_corruption());
      CHECK(s.message().find("a segment is missing") != std::string::npos);
      CHECK(r.batches.size() == 3);
    }
    // Point in time keeps the prefix and sets the rest aside.
    wal::options o;
    o.recovery = persist::recovery_mode::point_in_time;
    replay r;
    auto w = open_wal(fs, k_dir, r, o);
    CHECK(r.batches.size() == 3);
    CHECK(w.report().stopped_early);
    CHECK(has_note(w.report(), "set aside"));
    auto all = names(*fs, k_dir);
    CHECK(std::count_if(all.begin(), all.end(), [](const std::string& n) { return n.ends_with(".discarded"); }) == 2);
  }
}

TEST_CASE("wal: point-in-time stops at mid-log damage; later writes survive the next open") {
  auto fs = std::make_shared<io::memory_fs>();
  {
    replay r;
    auto w = open_wal(fs, k_dir, r);
    for (int i = 0; i < 6; ++i) {
      auto b = workload_batch(i);
      append_ok(w, b);
    }
  }
  // Damage the payload of the third record.
  const auto seg = k_dir / segment_names(*fs, k_dir).front();
  std::string bytes = read_all(*fs, seg);
  std::size_t third = persist::log_format::k_header_size;
  for (int i = 0; i < 2; ++i) {
    third += persist::log_format::k_fragment_header_size +
             persist::detail::decode_fixed16(bytes.data() + third + persist::log_format::k_length_offset);
  }
  bytes[third + persist::log_format::k_fragment_header_size + 3] ^= 0x10;
  write_all(*fs, seg, bytes);

  {  // The default mode refuses: valid records follow the damage.
    auto w = wal::open(fs, k_dir);
    REQUIRE(w);
    replay r;
    auto s = w->recover(r.fn());
    CHECK(s.is_corruption());
    CHECK(s.message().find("valid records follow") != std::string::npos);
  }
  wal::options o;
  o.recovery = persist::recovery_mode::point_in_time;
  {
    replay r;
    auto w = open_wal(fs, k_dir, r, o);
    CHECK(r.batches.size() == 2);
    CHECK(w.report().stopped_early);
    CHECK(w.report().bytes_dropped > 0);
    CHECK(w.last_sequence() == r.batches.back().sequence() + r.batches.back().count() - 1);
    auto b = workload_batch(100);
    append_ok(w, b, true);
  }
  // The damage was cut away: the default mode opens, and the new write is there.
  replay r;
  auto w = open_wal(fs, k_dir, r);
  REQUIRE(r.batches.size() == 3);
  CHECK(body(r.batches[2]) == body(workload_batch(100)));
  CHECK(w.report().bytes_dropped == 0);
}

TEST_CASE("wal: a segment of a newer format version is not_supported in every mode") {
  auto fs = std::make_shared<io::memory_fs>();
  {
    replay r;
    auto w = open_wal(fs, k_dir, r);
  }
  const auto seg = k_dir / segment_names(*fs, k_dir).front();
  std::string bytes = read_all(*fs, seg);
  namespace f = persist::log_format;
  kv::encode_fixed32(bytes.data() + f::k_version_offset, f::k_version + 1);
  kv::encode_fixed32(bytes.data() + f::k_header_crc_offset,
                     kv::crc32c::mask(kv::crc32c::value(bytes.data(), f::k_header_crc_offset)));
  write_all(*fs, seg, bytes);
  for (auto mode : {persist::recovery_mode::tolerate_torn_tail, persist::recovery_mode::absolute_consistency,
                    persist::recovery_mode::point_in_time}) {
    wal::options o;
    o.recovery = mode;
    auto w = wal::open(fs, k_dir, o);
    REQUIRE(w);
    replay r;
    CHECK(w->recover(r.fn()).is_not_supported());
  }
}

TEST_CASE("wal: a torn tail, once dropped, is not mistaken for damage by later opens") {
  auto fs = std::make_shared<io::fault_fs<io::memory_fs>>();
  {
    replay r;
    auto w = open_wal(fs, k_dir, r);
    auto b0 = workload_batch(0);
    append_ok(w, b0, true);
    fs->tear_at(fs->operation_count() + 1, 9);
    auto b1 = workload_batch(1);
    CHECK_FALSE(w.append(b1, kv::write_options{true}).ok());
  }
  {
    replay r;
    auto w = open_wal(fs, k_dir, r);
    CHECK(r.batches.size() == 1);
    CHECK(w.report().bytes_dropped == 9);
    auto b = workload_batch(2);
    append_ok(w, b, true);
  }
  replay r;
  auto w = open_wal(fs, k_dir, r);
  CHECK(r.batches.size() == 2);
  CHECK(w.report().bytes_dropped == 0);
}

TEST_CASE("wal: group commit shares fsyncs between 2 syncing threads") {
  auto mem = std::make_shared<io::memory_fs>();
  auto fs = std::make_shared<slow_sync_fs>(mem, std::chrono::microseconds(1500));
  constexpr int k_per_thread = 60;
  persist::stats st;
  {
    replay r;
    auto w = open_wal(fs, k_dir, r);
    const auto syncs_before = w.stats().syncs;
    std::atomic<bool> failed{false};
    auto writer = [&](int t) {
      for (int i = 0; i < k_per_thread; ++i) {
        kv::write_batch b;
        b.put("t" + std::to_string(t) + "-" + std::to_string(i), std::to_string(i));
        if (!w.append(b, kv::write_options{true}).ok()) failed = true;
      }
    };
    std::thread a(writer, 0), b(writer, 1);
    a.join();
    b.join();
    CHECK_FALSE(failed.load());
    st = w.stats();
    st.syncs -= syncs_before;
    REQUIRE(w.close().ok());
  }
  const double per_write = static_cast<double>(st.syncs) / static_cast<double>(st.synced_records);
  MESSAGE("2 threads x ", k_per_thread, " synced appends: ", st.syncs, " fsyncs for ", st.synced_records,
          " writes = ", per_write, " fsyncs/write; ", st.groups, " groups, max group ", st.max_group,
          ", avg group ", st.avg_group());
  CHECK(st.synced_records == 2 * k_per_thread);
  CHECK(st.syncs < st.synced_records);
  CHECK(st.max_group >= 2);

  // Every write is there, each thread's in its own order, sequences contiguous.
  replay r;
  auto w = open_wal(fs, k_dir, r);
  REQUIRE(r.batches.size() == 2 * k_per_thread);
  std::vector<int> next(2, 0);
  kv::sequence_number seq = 1;
  for (const auto& b : r.batches) {
    CHECK(b.sequence() == seq++);
    std::string key;
    REQUIRE(b.for_each([&](kv::value_kind, std::string_view k, std::string_view) { key = std::string(k); }).ok());
    const int t = key[1] - '0';
    CHECK(key == "t" + std::to_string(t) + "-" + std::to_string(next[static_cast<std::size_t>(t)]++));
  }
}

TEST_CASE("wal: a group never exceeds max_group_bytes (beyond its leader)") {
  auto mem = std::make_shared<io::memory_fs>();
  auto fs = std::make_shared<slow_sync_fs>(mem, std::chrono::microseconds(500));
  wal::options o;
  o.max_group_bytes = 1;  // every group is its leader alone
  replay r;
  auto w = open_wal(fs, k_dir, r, o);
  auto writer = [&] {
    for (int i = 0; i < 20; ++i) {
      auto b = workload_batch(i);
      CHECK(w.append(b, kv::write_options{true}).ok());
    }
  };
  std::thread a(writer), b(writer);
  a.join();
  b.join();
  CHECK(w.stats().max_group == 1);
  CHECK(w.stats().groups == 40);
}
