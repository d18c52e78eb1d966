// compaction_plan: what one compaction reads and where it writes, as chosen
// by a compaction style (index::leveled, index::tiered) and carried out by
// the store.
//
// Invariants a style keeps when it builds a plan:
//   1. The inputs hold every version, in the levels they come from, that is
//      newer than the output's versions of the same keys: nothing outside
//      the inputs sits between an input and the output in age.
//   2. `older` lists, as groups each sorted by key and internally
//      non-overlapping, every table not among the inputs whose versions are
//      older than the output's. An erase may be dropped only when no table
//      there covers its key.
//
// Thread safety: plain values.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "jadekv/index/lsm/version.hpp"
#include "jadekv/index/lsm/version_edit.hpp"

namespace jadekv::inline v0::index::lsm_detail {

// A template only so that units which do not use it do not compile it (README, "Build cost").
template <class = void>
struct compaction_plan {
  // (level, files): level 0 newest first, other levels in key order.
  std::vector<std::pair<int, std::vector<file_ptr>>> inputs;
  int output_level = 0;
  // An output table is closed at the first user-key boundary past this size.
  std::uint64_t max_output_bytes = std::numeric_limits<std::uint64_t>::max();
  // The single input moves to output_level unchanged (nothing to merge with).
  bool trivial_move = false;
  std::vector<std::vector<file_ptr>> older;  // invariant 2
  const char* reason = "";

  std::size_t input_files() const noexcept {
    std::size_t n = 0;
    for (const auto& [l, f] : inputs) n += f.size();
    return n;
  }
  std::uint64_t input_bytes() const noexcept {
    std::uint64_t n = 0;
    for (const auto& [l, files] : inputs)
      for (const auto& f : files) n += f->size;
    return n;
  }
};

// What a style may keep between picks (leveled: where each level's last
// compaction ended, so that a level's files take turns), and what the store
// tells it about reads.
struct picker_state {
  std::vector<std::string> compact_pointer;  // per level; an internal key, or empty
  // A table that too many lookups searched in vain before finding their key
  // deeper (store::get), at seek_level: merging it into the next level
  // spares them a table. Styles that do not use it leave it; a pick that
  // does clears it.
  file_ptr seek_file;
  int seek_level = 0;
};

}  // namespace jadekv::inline v0::index::lsm_detail
