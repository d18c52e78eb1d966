// tx_options: how an mvcc transaction reads and commits.
//
// snapshot: reads see the snapshot taken at begin(); commit fails with
// is_conflict() when another transaction committed a write to a key this one
// writes (first committer wins). Write skew stays possible.
// serializable: commit also fails when a key this transaction read changed
// since begin(), so committed transactions behave as if run one at a time.
#pragma once

#include <cstdint>

namespace jadekv::inline v0 {

enum class isolation : std::uint8_t { snapshot, serializable };

struct tx_options {
  bool read_only = false;
  ::jadekv::isolation isolation = ::jadekv::isolation::snapshot;
};

}  // namespace jadekv::inline v0
