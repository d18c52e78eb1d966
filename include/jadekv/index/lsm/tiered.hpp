// index::tiered<>: a size-tiered compaction style, a policy of index::lsm.
//
//   index::lsm<index::tiered<>>
//
// Every flush is a sorted run, one table in level 0. Runs are kept newest
// first; a compaction merges a window of consecutive runs of similar size
// (the largest at most options.max_size_ratio times the smallest) once the
// window has options.min_merge_width runs, into one new run (one table, not
// split). Merging consecutive runs keeps their sequence ranges from
// interleaving, so reads still stop at the first run with a visible version.
// When level 0 reaches l0_slowdown_trigger runs and no window is similar
// enough, the cheapest window of min_merge_width runs is merged anyway, so
// writers are never stopped for good. Erases are dropped only by a merge that
// includes the oldest run. A manual compaction merges everything into one run.
// Tables in levels >= 1 (left by index::leveled<> on the same directory) count
// as runs older than level 0 and are merged only by a manual compaction.
//
// Costs: each byte is rewritten about log_{min_merge_width}(data / flush)
// times (far less than leveled), reads may visit every run, and a merge needs
// as much free space as its inputs.
//
// Thread safety: stateless functions over an immutable version.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string_view>
#include <vector>

#include "jadekv/index/lsm/compaction_plan.hpp"
#include "jadekv/index/lsm/version.hpp"

namespace jadekv::inline v0::index {

// Reserved: a policy is spelled with <>; runtime knobs are in options.
template <class Reserved = void>
struct tiered {
  struct options {
    int min_merge_width = 4;       // runs of similar size merged once this many are adjacent
    int max_merge_width = 32;      // at most this many runs per merge
    double max_size_ratio = 2.0;   // largest / smallest run size within one merge
  };
  static constexpr std::string_view name = "tiered";
  static constexpr int k_min_levels = 1;

  // Every flush is a new run in level 0.
  template <class Cmp, class StoreOptions, class D>
  static int flush_level(const lsm_detail::version<D>&, const StoreOptions&, std::string_view, std::string_view,
                         const Cmp&) {
    return 0;
  }

  template <class Cmp, class StoreOptions, class D>
  static std::optional<lsm_detail::compaction_plan<D>> pick(const lsm_detail::version<D>& v, const StoreOptions& o,
                                                         const Cmp&, lsm_detail::picker_state&) {
    const auto& runs = v.levels[0];
    const std::size_t n = runs.size();
    const auto min_w = static_cast<std::size_t>(std::max(2, o.compaction.min_merge_width));
    const auto max_w = std::max(min_w, static_cast<std::size_t>(o.compaction.max_merge_width));
    if (n < min_w) return std::nullopt;
    for (std::size_t start = 0; start + min_w <= n; ++start) {
      double lo = static_cast<double>(runs[start]->size), hi = lo;
      std::size_t end = start + 1;
      while (end < n && end - start < max_w) {
        const auto s = static_cast<double>(runs[end]->size);
        const double nlo = std::min(lo, s), nhi = std::max(hi, s);
        if (nhi > nlo * o.compaction.max_size_ratio) break;
        lo = nlo;
        hi = nhi;
        ++end;
      }
      if (end - start >= min_w) return plan(v, start, end, "similar runs");
    }
    if (n < static_cast<std::size_t>(o.l0_slowdown_trigger)) return std::nullopt;
    std::size_t best = 0;
    std::uint64_t best_bytes = std::numeric_limits<std::uint64_t>::max();
    for (std::size_t start = 0; start + min_w <= n; ++start) {
      std::uint64_t bytes = 0;
      for (std::size_t i = start; i < start + min_w; ++i) bytes += runs[i]->size;
      if (bytes < best_bytes) {
        best = start;
        best_bytes = bytes;
      }
    }
    return plan(v, best, best + min_w, "too many runs");
  }

  template <class Cmp, class StoreOptions, class D>
  static std::optional<lsm_detail::compaction_plan<D>> full(const lsm_detail::version<D>& v, const StoreOptions&,
                                                         const Cmp&) {
    lsm_detail::compaction_plan<D> p;
    for (int l = 0; l < v.num_levels(); ++l)
      if (!v.levels[static_cast<std::size_t>(l)].empty()) p.inputs.emplace_back(l, v.levels[static_cast<std::size_t>(l)]);
    if (p.inputs.empty()) return std::nullopt;
    p.output_level = 0;
    p.reason = "manual";
    return p;
  }

 private:
  template <class D>
  static lsm_detail::compaction_plan<D> plan(const lsm_detail::version<D>& v, std::size_t start, std::size_t end,
                                          const char* reason) {
    const auto& runs = v.levels[0];
    lsm_detail::compaction_plan<D> p;
    p.output_level = 0;
    p.reason = reason;
    p.inputs.emplace_back(0, std::vector<lsm_detail::file_ptr>(runs.begin() + static_cast<std::ptrdiff_t>(start),
                                                               runs.begin() + static_cast<std::ptrdiff_t>(end)));
    for (std::size_t i = end; i < runs.size(); ++i) p.older.push_back({runs[i]});
    for (int l = 1; l < v.num_levels(); ++l) {
      if (!v.levels[static_cast<std::size_t>(l)].empty()) p.older.push_back(v.levels[static_cast<std::size_t>(l)]);
    }
    return p;
  }
};

using lsm_tiered = tiered<>;

}  // namespace jadekv::inline v0::index
