// persist::wal: every single bit of a small log flipped, one at a time. Every
// flip is detected: absolute consistency always fails; tolerant recovery
// fails unless the flip is in the last record, which it then drops alone
// (and reports); point-in-time keeps exactly the records before the flip.
#include <doctest/doctest.h>

#include <cstdint>
#include <sstream>
#include <string>

#include "log_image.hpp"

namespace {

using namespace persist_test;
namespace f = persist::log_format;

struct flip_counts {
  int bits = 0;
  int recoveries = 0;
  int failures = 0;
};

template <std::size_t BlockSize>
flip_counts flip_every_bit(const log_image& img) {
  flip_counts c;
  const std::size_t n = img.batches.size();
  const std::uint64_t size = img.bytes.size();
  for (std::uint64_t byte = 0; byte < size; ++byte) {
    // What a flip here spoils: point-in-time keeps `keep` records and drops
    // from `from` on; tolerant survives only a flip in the last record.
    std::size_t keep = 0;
    std::uint64_t from = 0;
    if (byte >= f::k_header_size) {
      while (keep < n && img.ends[keep] <= byte) ++keep;
      REQUIRE(keep < n);
      from = byte >= img.starts[keep] ? img.starts[keep] : img.ends[keep - 1];  // in the record, or the trailer before it
    }
    const bool in_last = keep == n - 1 && byte >= img.starts[n - 1];
    for (int bit = 0; bit < 8; ++bit) {
      std::string bytes = img.bytes;
      bytes[byte] = static_cast<char>(bytes[byte] ^ (1 << bit));
      std::ostringstream why;
      auto prefix_ok = [&](const recovered& r, std::size_t k) {
        if (r.r.batches.size() != k) return false;
        for (std::size_t i = 0; i < k; ++i) {
          if (!(r.r.batches[i] == img.batches[i])) return false;
        }
        return true;
      };

      auto a = recover_bytes<BlockSize>(img.name, bytes, persist::recovery_mode::absolute_consistency);
      if (!a.status.is_corruption()) why << " absolute: " << a.status.to_string() << ";";

      auto t = recover_bytes<BlockSize>(img.name, bytes, persist::recovery_mode::tolerate_torn_tail);
      if (in_last) {
        if (!t.status.ok() || !prefix_ok(t, n - 1) || t.report.bytes_dropped != size - img.starts[n - 1]) {
          why << " tolerant (flip in the last record): " << t.status.to_string() << ", " << t.r.batches.size()
              << " batches, dropped " << t.report.bytes_dropped << ";";
        }
      } else if (!t.status.is_corruption()) {
        why << " tolerant accepted a flip before the tail: " << t.status.to_string() << ";";
      }

      auto p = recover_bytes<BlockSize>(img.name, bytes, persist::recovery_mode::point_in_time);
      if (!p.status.ok() || !prefix_ok(p, keep) || p.report.bytes_dropped != size - from || !p.report.stopped_early) {
        why << " point_in_time: " << p.status.to_string() << ", " << p.r.batches.size() << " batches (want " << keep
            << "), dropped " << p.report.bytes_dropped << " (want " << size - from << ");";
      }

      ++c.bits;
      c.recoveries += 3;
      const std::string problems = why.str();
      if (!problems.empty()) ++c.failures;
      CHECK_MESSAGE(problems.empty(), "byte ", byte, " bit ", bit, ":", problems);
    }
  }
  return c;
}

}  // namespace

TEST_CASE("wal: every bit flip of a small log with 64-byte blocks is detected") {
  const auto img = make_log_image<64>(assorted_batches(6, 70));
  const auto c = flip_every_bit<64>(img);
  MESSAGE("bit flips, 64-byte blocks: ", c.bits, " bits of a ", img.bytes.size(), "-byte log (", img.batches.size(),
          " records, header, trailers) x 3 modes = ", c.recoveries, " recoveries, ", c.failures, " failures");
  CHECK(c.failures == 0);
}

TEST_CASE("wal: every bit flip of a small log with 32 KiB blocks is detected") {
  const auto img = make_log_image<persist::log_format::k_default_block_size>(assorted_batches(5, 20));
  const auto c = flip_every_bit<persist::log_format::k_default_block_size>(img);
  MESSAGE("bit flips, 32 KiB blocks: ", c.bits, " bits of a ", img.bytes.size(), "-byte log (", img.batches.size(),
          " records) x 3 modes = ", c.recoveries, " recoveries, ", c.failures, " failures");
  CHECK(c.failures == 0);
}
