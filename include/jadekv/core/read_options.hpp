// read_options: how a get() or an iterator reads.
//
// Bounds are owned copies, so a read_options may outlive the strings it was
// built from. An iterator never leaves [lower_bound, upper_bound): seek()
// below the lower bound lands on it, and the iterator becomes invalid at the
// upper bound (exclusive) instead of scanning past it.
#pragma once

#include <optional>
#include <string>

namespace jadekv::inline v0 {

class snapshot;  // a pinned view, defined by concurrency::mvcc

struct read_options {
  // Read as of this snapshot (mvcc engines only); null reads the newest data.
  const ::jadekv::snapshot* snapshot = nullptr;
  // Inclusive lower bound of keys an iterator visits.
  std::optional<std::string> lower_bound;
  // Exclusive upper bound of keys an iterator visits.
  std::optional<std::string> upper_bound;
  // Verify the checksum of every block or page read (indexes that store them).
  bool verify_checksums = true;
  // Let blocks and pages read by this call enter the cache.
  bool fill_cache = true;
};

}  // namespace jadekv::inline v0
