// tx_options: how a transaction (concurrency::mvcc engines) reads and commits.
//
//   snapshot      reads come from the transaction's snapshot; commit fails
//                 with is_conflict() when another commit since the snapshot
//                 wrote a key this one writes (first committer wins). Write
//                 skew is possible.
//   serializable  as snapshot, and commit also fails when a key (or an
//                 iterator's range) this transaction read was written since
//                 its snapshot, which rules out write skew.
#pragma once

#include <cstdint>

namespace jadekv::inline v0 {

enum class isolation : std::uint8_t { snapshot, serializable };

struct tx_options {
  // A read-only transaction refuses writes and never conflicts.
  bool read_only = false;
  ::jadekv::isolation isolation = ::jadekv::isolation::snapshot;
};

}  // namespace jadekv::inline v0
