// persist::wal: a log cut at every byte offset. In every recovery mode the
// records that come back are exactly the ones complete before the cut, never
// more and never part of a batch; tolerant and point-in-time recovery report
// the bytes they dropped, absolute consistency refuses anything but a clean
// end; and after a tolerant recovery the log takes new writes and reopens
// cleanly.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <set>
#include <sstream>
#include <string>

#include "log_image.hpp"

namespace {

using namespace persist_test;
namespace f = persist::log_format;

// Checks every recovery mode on the first `cut` bytes of img; returns the
// number of recoveries run and adds the mismatches to `failures`.
template <std::size_t BlockSize>
int check_cut(const log_image& img, std::uint64_t cut, int& failures) {
  const std::string_view prefix = std::string_view(img.bytes).substr(0, cut);
  const std::size_t k = img.complete_in(cut);
  const std::uint64_t start = img.start_after(k);
  // A cut inside the header drops it all; one inside a trailer, none; and
  // one that leaves only zero bytes of the next record, none: zeros that run
  // to the end are space a writer reserved, a clean end (log_format.hpp).
  const bool zeros_left =
      cut > start && std::all_of(prefix.begin() + static_cast<std::ptrdiff_t>(start), prefix.end(),
                                 [](char c) { return c == 0; });
  const std::uint64_t dropped = cut < f::k_header_size ? cut : (cut <= start || zeros_left ? 0 : cut - start);
  const bool clean = cut >= f::k_header_size && dropped == 0;
  std::ostringstream why;
  auto same_batches = [&](const recovered& r) {
    if (r.r.batches.size() != k) return false;
    for (std::size_t i = 0; i < k; ++i) {
      if (!(r.r.batches[i] == img.batches[i])) return false;
    }
    return true;
  };

  // tolerate_torn_tail: ok, the complete records, the rest dropped; then a
  // new synced write, and a reopen that sees k + 1 records and drops nothing.
  bool reopened_ok = false;
  auto t = recover_bytes<BlockSize>(
      img.name, prefix, persist::recovery_mode::tolerate_torn_tail,
      [&](persist::wal<BlockSize>& w, std::shared_ptr<io::file_system> fs) {
        kv::write_batch b;
        b.put("after", "the cut");
        if (!w.append(b, kv::write_options{true}).ok() || !w.close().ok()) return;
        auto again = persist::wal<BlockSize>::open(fs, "/db");
        if (!again) return;
        replay r;
        reopened_ok = again->recover(r.fn()).ok() && r.batches.size() == k + 1 &&
                      again->report().bytes_dropped == 0 && body(r.batches.back()) == body(b) &&
                      r.batches.back().sequence() == (k == 0 ? 1 : img.batches[k - 1].sequence() +
                                                                       img.batches[k - 1].count());
      });
  if (!t.status.ok()) why << " tolerant failed: " << t.status.to_string() << ";";
  if (!same_batches(t)) why << " tolerant returned " << t.r.batches.size() << " batches, want " << k << ";";
  if (t.report.bytes_dropped != dropped) why << " tolerant dropped " << t.report.bytes_dropped << ", want " << dropped << ";";
  if (!reopened_ok) why << " write and reopen after the tolerant recovery failed;";

  // absolute_consistency: only a clean end opens.
  auto a = recover_bytes<BlockSize>(img.name, prefix, persist::recovery_mode::absolute_consistency);
  if (clean) {
    if (!a.status.ok() || !same_batches(a)) why << " absolute failed on a clean cut: " << a.status.to_string() << ";";
  } else if (!a.status.is_corruption()) {
    why << " absolute accepted a torn log: " << a.status.to_string() << ";";
  }

  // point_in_time: as tolerant here (the damage is at the end).
  auto p = recover_bytes<BlockSize>(img.name, prefix, persist::recovery_mode::point_in_time);
  if (!p.status.ok() || !same_batches(p) || p.report.bytes_dropped != dropped || p.report.stopped_early == clean) {
    why << " point_in_time: " << p.status.to_string() << ", " << p.r.batches.size() << " batches, dropped "
        << p.report.bytes_dropped << ";";
  }

  const std::string problems = why.str();
  if (!problems.empty()) ++failures;
  CHECK_MESSAGE(problems.empty(), "cut at ", cut, " of ", img.bytes.size(), ":", problems);
  return 3;
}

}  // namespace

TEST_CASE("wal: truncation at every byte offset (128-byte blocks, records spanning blocks)") {
  const auto img = make_log_image<128>(assorted_batches(16, 300));
  std::uint64_t multi = 0;
  for (std::size_t i = 0; i < img.starts.size(); ++i) multi += (img.ends[i] - img.starts[i] > 128) ? 1 : 0;
  REQUIRE(multi >= 3);  // the image really fragments records
  int recoveries = 0, failures = 0;
  for (std::uint64_t cut = 0; cut <= img.bytes.size(); ++cut) recoveries += check_cut<128>(img, cut, failures);
  MESSAGE("truncation, 128-byte blocks: ", img.bytes.size() + 1, " offsets (", img.batches.size(), " records, ",
          multi, " spanning blocks) x 3 modes = ", recoveries, " recoveries, ", failures, " failures");
  CHECK(failures == 0);
}

TEST_CASE("wal: truncation near every boundary of a 32 KiB-block log") {
  const auto img = make_log_image<persist::log_format::k_default_block_size>(assorted_batches(12, 40000));
  std::set<std::uint64_t> cuts;
  auto around = [&](std::uint64_t at) {
    for (std::uint64_t d = 0; d <= 24; ++d) {
      if (at >= d) cuts.insert(at - d);
      if (at + d <= img.bytes.size()) cuts.insert(at + d);
    }
  };
  for (auto s : img.starts) around(s);
  for (auto e : img.ends) around(e);
  for (std::uint64_t b = 0; b <= img.bytes.size(); b += persist::log_format::k_default_block_size) around(b);
  for (std::uint64_t c = 0; c <= img.bytes.size(); c += 997) cuts.insert(c);
  int recoveries = 0, failures = 0;
  for (auto cut : cuts) recoveries += check_cut<persist::log_format::k_default_block_size>(img, cut, failures);
  MESSAGE("truncation, 32 KiB blocks: ", cuts.size(), " offsets of ", img.bytes.size() + 1, " (every one within 24 ",
          "bytes of a record or block boundary, and every 997th) x 3 modes = ", recoveries, " recoveries, ", failures,
          " failures");
  CHECK(failures == 0);
}
