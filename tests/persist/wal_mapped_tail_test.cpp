// persist::wal over posix_fs appends through a mapped, reserved tail
// (wal_core.hpp): a process that dies without closing leaves its segment
// ending in zeros, which every recovery mode reads as the clean end; a switch
// or a close cuts the reservation off. And the reader's rule on its own: zeros
// to the end of a segment end it, zeros followed by anything else are damage.
#include <doctest/doctest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <jadekv/io/memory_fs.hpp>
#include <jadekv/io/posix_fs.hpp>
#include <jadekv/persist/detail/log_reader.hpp>
#include <jadekv/persist/detail/log_writer.hpp>
#include <jadekv/persist/file_names.hpp>
#include <jadekv/persist/wal.hpp>

#include "../io/fs_env.hpp"
#include "persist_env.hpp"

namespace {

namespace kv = jadekv;
namespace io = jadekv::io;
namespace persist = jadekv::persist;
using jadekv_test::fs_env;
using jadekv_test::in_child;
using persist_test::maps_run_out_fs;

kv::write_batch batch(int i) {
  kv::write_batch b;
  // Every 16th value spans several 32 KiB blocks.
  b.put("key" + std::to_string(i), std::string(i % 16 == 0 ? 70000 : 100, static_cast<char>('a' + i % 26)));
  return b;
}

std::vector<std::uint64_t> segment_sizes(const std::filesystem::path& dir) {
  std::vector<std::uint64_t> out;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    const auto info = persist::parse_file_name(e.path().filename().string());
    if (info && info->kind == persist::file_kind::segment) out.push_back(std::filesystem::file_size(e.path()));
  }
  return out;
}

struct replayed {
  std::vector<std::string> bodies;
  kv::status status;
  std::uint64_t dropped = 0;
  std::size_t ignored = 0;
};

replayed reopen(const std::filesystem::path& dir, persist::recovery_mode mode, bool append_one) {
  replayed r;
  persist::wal<>::options o;
  o.recovery = mode;
  auto w = persist::wal<>::open(io::default_fs(), dir, o);
  REQUIRE_MESSAGE(w, w.status().to_string());
  r.status = w->recover([&](const kv::write_batch& b) { r.bodies.emplace_back(b.data().substr(kv::write_batch::k_header_size)); });
  r.dropped = w->report().bytes_dropped;
  r.ignored = w->report().ignored.size();
  if (append_one) {
    kv::write_batch b = batch(1000);
    REQUIRE(w->append(b).ok());
  }
  REQUIRE(w->close().ok());
  return r;
}

TEST_CASE("wal over posix_fs: a process gone without close leaves a zero tail that every mode reads as the end") {
  fs_env<io::posix_fs> env;
  constexpr int k_batches = 200;
  const int code = in_child([&] {
    auto w = persist::wal<>::open(io::default_fs(), env.root);
    if (!w || !w->recover([](const kv::write_batch&) {}).ok()) return 1;
    for (int i = 0; i < k_batches; ++i) {
      kv::write_batch b = batch(i);
      if (!w->append(b).ok()) return 2;
    }
    ::_exit(0);  // no close, no destructor: as after kill -9
  });
  REQUIRE(code == 0);
  const auto left = segment_sizes(env.root);
  REQUIRE(left.size() == 1);
  // Space reserved ahead of the records, in whole windows: the tail was
  // mapped.
  std::uint64_t written = 0;
  for (int i = 0; i < k_batches; ++i) written += batch(i).data().size();
  CHECK(left[0] % kv::io::k_map_alignment == 0);
  CHECK(left[0] > written);

  std::vector<std::string> want;
  for (int i = 0; i < k_batches; ++i) want.emplace_back(batch(i).data().substr(kv::write_batch::k_header_size));
  for (auto mode : {persist::recovery_mode::tolerate_torn_tail, persist::recovery_mode::absolute_consistency,
                    persist::recovery_mode::point_in_time}) {
    const std::string mode_name(persist::to_string(mode));
    CAPTURE(mode_name);
    const bool first = mode == persist::recovery_mode::tolerate_torn_tail;
    const replayed r = reopen(env.root, mode, first);
    REQUIRE_MESSAGE(r.status.ok(), r.status.to_string());
    CHECK(r.dropped == 0);
    CHECK(r.ignored == 0);
    auto expect = want;
    if (!first) expect.emplace_back(batch(1000).data().substr(kv::write_batch::k_header_size));
    CHECK(r.bodies == expect);
  }
  // The segments written after the first reopen were closed: cut back to
  // their records, no reservation left.
  for (auto size : segment_sizes(env.root)) {
    if (size != left[0]) CHECK(size < persist::detail::k_tail_window);
  }
}

TEST_CASE("wal over posix_fs: appends alone, in groups and after the mapping gives out keep one gapless sequence in log order") {
  // A lone unsynced writer copies its record in under the lock; racing or
  // syncing writers form groups; once the file system stops mapping, both
  // go through write(). Every 16th value spans several blocks.
  fs_env<io::posix_fs> env;
  auto fs = std::make_shared<maps_run_out_fs>(7);
  constexpr int k_alone = 300, k_writers = 3, k_per_writer = 400;
  std::vector<std::string> alone;  // bodies in append order
  std::vector<std::vector<std::string>> racing(k_writers);
  {
    auto w = persist::wal<>::open(fs, env.root);
    REQUIRE(w);
    REQUIRE(w->recover([](const kv::write_batch&) {}).ok());
    kv::sequence_number expect = 1;
    for (int i = 0; i < k_alone; ++i) {
      kv::write_batch b = batch(i);
      REQUIRE(w->append(b).ok());
      CHECK(b.sequence() == expect);
      expect += b.count();
      alone.emplace_back(b.data().substr(kv::write_batch::k_header_size));
    }
    CHECK(w->stats().records == k_alone);
    std::vector<std::thread> threads;
    std::atomic<int> failures{0};
    for (int t = 0; t < k_writers; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < k_per_writer; ++i) {
          kv::write_batch b = batch(1 + t * 10000 + i);
          kv::write_options wo;
          wo.sync = i % 50 == 0;
          if (!w->append(b, wo).ok()) failures.fetch_add(1);
          racing[static_cast<std::size_t>(t)].emplace_back(b.data().substr(kv::write_batch::k_header_size));
        }
      });
    }
    for (auto& t : threads) t.join();
    CHECK(failures.load() == 0);
    CHECK(fs->maps_left() < 0);  // the later appends went through write()
    CHECK(w->last_sequence() == static_cast<kv::sequence_number>(k_alone + k_writers * k_per_writer));
    REQUIRE(w->close().ok());
  }
  auto w = persist::wal<>::open(io::default_fs(), env.root);
  REQUIRE(w);
  std::vector<std::string> got;
  kv::sequence_number next = 1;
  bool gapless = true;
  REQUIRE(w->recover([&](const kv::write_batch& b) {
               gapless = gapless && b.sequence() == next;
               next = b.sequence() + b.count();
               got.emplace_back(b.data().substr(kv::write_batch::k_header_size));
             }).ok());
  CHECK(gapless);
  REQUIRE(got.size() == static_cast<std::size_t>(k_alone + k_writers * k_per_writer));
  CHECK(std::vector<std::string>(got.begin(), got.begin() + k_alone) == alone);
  // The racing writers' records interleave, each writer's in its own order.
  std::vector<std::size_t> at(k_writers, 0);
  bool in_order = true;
  for (std::size_t i = k_alone; i < got.size(); ++i) {
    bool matched = false;
    for (std::size_t t = 0; t < k_writers && !matched; ++t) {
      if (at[t] < racing[t].size() && racing[t][at[t]] == got[i]) {
        ++at[t];
        matched = true;
      }
    }
    in_order = in_order && matched;
  }
  CHECK(in_order);
}

TEST_CASE("wal over posix_fs: a segment switched away from is cut back to its records") {
  fs_env<io::posix_fs> env;
  auto w = persist::wal<>::open(io::default_fs(), env.root);
  REQUIRE(w);
  REQUIRE(w->recover([](const kv::write_batch&) {}).ok());
  kv::write_batch b = batch(1);
  REQUIRE(w->append(b).ok());
  auto next = w->switch_segment();
  REQUIRE(next);
  auto sizes = segment_sizes(env.root);
  REQUIRE(sizes.size() == 2);
  // The old one: header and one record (well under a window); the new one:
  // its header and an untouched reservation not yet made (nothing appended).
  CHECK(std::min(sizes[0], sizes[1]) < 200);
  CHECK(std::max(sizes[0], sizes[1]) < 400);
  REQUIRE(w->close().ok());
}

std::string segment_with_records(int n) {
  namespace pd = persist::detail;
  std::string seg = pd::encode_segment_header(1, 128, 1);
  std::uint64_t end = seg.size();
  for (int i = 0; i < n; ++i) {
    kv::write_batch b = batch(i + 1);  // 100-byte values: records span 128-byte blocks
    b.set_sequence(static_cast<kv::sequence_number>(i + 1));
    end = pd::frame_record(seg, end, 128, pd::segment_seed(1), b.data());
  }
  return seg;
}

// Reads the whole segment: records, then how it ended.
std::pair<int, persist::detail::log_reader::event> read_all(const std::string& bytes, std::uint64_t& good_end) {
  io::memory_fs fs;
  REQUIRE(fs.mkdir("/d").ok());
  {
    auto f = fs.open("/d/s", io::open_mode::create);
    REQUIRE(f);
    REQUIRE((*f)->append(bytes).ok());
  }
  auto f = fs.open("/d/s", io::open_mode::read_only);
  REQUIRE(f);
  persist::detail::log_reader rd(**f, bytes.size(), 1);
  int records = 0;
  for (;;) {
    const auto e = rd.next();
    if (e != persist::detail::log_reader::event::record) {
      good_end = rd.good_end();
      return {records, e};
    }
    ++records;
  }
}

TEST_CASE("log_reader: zeros that run to the end of a segment end it cleanly; zeros then anything else are damage") {
  using event = persist::detail::log_reader::event;
  const std::string seg = segment_with_records(5);
  std::uint64_t good_end = 0;
  for (std::size_t zeros : {1, 6, 7, 100, 128, 5000}) {
    CAPTURE(zeros);
    auto [n, e] = read_all(seg + std::string(zeros, '\0'), good_end);
    CHECK(n == 5);
    CHECK(e == event::end);
    CHECK(good_end == seg.size());
    // One nonzero byte at the very end: not reserved space but a damaged log.
    auto [m, d] = read_all(seg + std::string(zeros, '\0') + "x", good_end);
    CHECK(m == 5);
    CHECK(d == event::damage);
  }
  // Zeros inside a record (after its first fragment) are damage, never an end.
  const std::string one = segment_with_records(1);
  const std::string torn = one.substr(0, 128 + 10) + std::string(one.size() - 128 - 10 + 64, '\0');
  auto [n, e] = read_all(torn, good_end);
  CHECK(n == 0);
  CHECK(e == event::damage);
}

}  // namespace
