// index::leveled<>: the LevelDB compaction style, a policy of index::lsm.
//
//   index::lsm<index::leveled<>>   (the default: index::lsm<>)
//
// Level 0 holds flushed tables, which may overlap (a flush that overlaps
// nothing on its way goes deeper: flush_level). Every level L >= 1 is one
// sorted run split into tables of about target_file_bytes, and holds at most
// max_bytes_for_level_base * level_ratio^(L-1) bytes. A compaction is due when
// level 0 has l0_compaction_trigger tables or a level outgrows its target;
// the most urgent (largest ratio of what a level holds to what it may hold)
// goes first:
//   - level 0: every level-0 table plus the level-1 tables they overlap,
//     merged into level 1;
//   - level L: its next table in turn (round robin over the key space) plus
//     the level L+1 tables it overlaps, merged into level L+1. A table that
//     overlaps nothing below moves down without being rewritten.
// When neither is due, a table that lookups keep searching in vain
// (picker_state::seek_file, as LevelDB's allowed_seeks) is merged the same
// way, so that a store that is only read settles into fewer tables per lookup.
// A manual compaction merges every table into the last level.
//
// Costs: reads touch at most one table per level >= 1; each byte is
// rewritten about level_ratio times per level it descends (write
// amplification ~ level_ratio * levels), in exchange for space amplification
// near 1.1. Choose index::tiered<> when writes dominate.
//
// Thread safety: stateless functions over an immutable version.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "jadekv/core/internal_key.hpp"
#include "jadekv/index/lsm/compaction_plan.hpp"
#include "jadekv/index/lsm/version.hpp"

namespace jadekv::inline v0::index {

// Reserved: a policy is spelled with <>; the style has no compile-time knobs.
template <class Reserved = void>
struct leveled {
  // The tuning of this style is in lsm<>::options (level sizes, triggers).
  struct options {};
  static constexpr std::string_view name = "leveled";
  static constexpr int k_min_levels = 2;

  // The byte budget of level L >= 1.
  template <class StoreOptions>
  static double level_target(const StoreOptions& o, int level) {
    double t = static_cast<double>(o.max_bytes_for_level_base);
    for (int l = 1; l < level; ++l) t *= o.level_ratio;
    return t;
  }

  // The most urgent compaction of v, if any is due.
  template <class Cmp, class StoreOptions, class D>
  static std::optional<lsm_detail::compaction_plan<D>> pick(const lsm_detail::version<D>& v, const StoreOptions& o,
                                                         const Cmp& cmp, lsm_detail::picker_state& st) {
    const int n = v.num_levels();
    int best = -1;
    double best_score = 1.0;
    const double l0 = static_cast<double>(v.levels[0].size()) / static_cast<double>(o.l0_compaction_trigger);
    if (l0 >= best_score) {
      best = 0;
      best_score = l0;
    }
    for (int l = 1; l + 1 < n; ++l) {
      const double score = static_cast<double>(v.level_bytes(l)) / level_target(o, l);
      if (score > best_score) {
        best = l;
        best_score = score;
      }
    }
    if (best >= 0) return plan_level(v, o, cmp, st, best, nullptr);
    const lsm_detail::file_ptr seek = std::exchange(st.seek_file, nullptr);
    if (seek == nullptr || st.seek_level < 0 || st.seek_level + 1 >= n) return std::nullopt;
    const auto& files = v.levels[static_cast<std::size_t>(st.seek_level)];
    if (std::find(files.begin(), files.end(), seek) == files.end()) return std::nullopt;  // compacted meanwhile
    return plan_level(v, o, cmp, st, st.seek_level, seek);
  }

  // The level for a flushed table of user keys [lo, hi]: 0, or deeper (as
  // LevelDB places memtable output), at most to level 2, while the levels on
  // the way hold nothing it overlaps and two levels below it would overlap at
  // most 10 target files (a later merge into them stays bounded). Such a
  // table needs no merge to get there: a sequential load, or the first flush
  // into an empty store, skips the rewrites through levels 0 and 1.
  // REQUIRES: no compaction in flight (its output could land on the way).
  template <class Cmp, class StoreOptions, class D>
  static int flush_level(const lsm_detail::version<D>& v, const StoreOptions& o, std::string_view lo,
                         std::string_view hi, const Cmp& cmp) {
    constexpr int k_max_flush_level = 2;
    const int n = v.num_levels();
    if (!lsm_detail::overlapping_files(v, 0, lo, hi, cmp).empty()) return 0;
    int level = 0;
    while (level < k_max_flush_level && level + 1 < n) {
      if (!lsm_detail::overlapping_files(v, level + 1, lo, hi, cmp).empty()) break;
      if (level + 2 < n) {
        std::uint64_t below = 0;
        for (const auto& f : lsm_detail::overlapping_files(v, level + 2, lo, hi, cmp)) below += f->size;
        if (below > 10 * static_cast<std::uint64_t>(o.target_file_bytes)) break;
      }
      ++level;
    }
    return level;
  }

  // Everything merged into the last level; nullopt when v holds no table.
  template <class Cmp, class StoreOptions, class D>
  static std::optional<lsm_detail::compaction_plan<D>> full(const lsm_detail::version<D>& v, const StoreOptions& o,
                                                         const Cmp&) {
    lsm_detail::compaction_plan<D> p;
    for (int l = 0; l < v.num_levels(); ++l)
      if (!v.levels[static_cast<std::size_t>(l)].empty()) p.inputs.emplace_back(l, v.levels[static_cast<std::size_t>(l)]);
    if (p.inputs.empty()) return std::nullopt;
    p.output_level = v.num_levels() - 1;
    p.max_output_bytes = o.target_file_bytes;
    p.reason = "manual";
    return p;
  }

 private:
  // The compaction of `level` into the next; `seek` (of that level) names
  // the table to merge for a seek-triggered one, null picks by size.
  template <class Cmp, class StoreOptions, class D>
  [[gnu::cold]] static lsm_detail::compaction_plan<D> plan_level(const lsm_detail::version<D>& v, const StoreOptions& o, const Cmp& cmp,
                                                lsm_detail::picker_state& st, int level,
                                                const lsm_detail::file_ptr& seek) {
    lsm_detail::compaction_plan<D> p;
    p.output_level = level + 1;
    p.max_output_bytes = o.target_file_bytes;
    std::vector<lsm_detail::file_ptr> picked;
    if (level == 0) {
      // Level-0 tables overlap, and a newer one must not stay above an older
      // one that moves down: all of them go.
      picked = v.levels[0];
      p.reason = seek ? "seeks" : "level 0 table count";
    } else if (seek) {
      picked.push_back(seek);
      p.reason = "seeks";
    } else {
      const auto& files = v.levels[static_cast<std::size_t>(level)];
      const internal_key_comparator<Cmp> icmp(cmp);
      if (st.compact_pointer.size() < v.levels.size()) st.compact_pointer.resize(v.levels.size());
      const std::string& ptr = st.compact_pointer[static_cast<std::size_t>(level)];
      lsm_detail::file_ptr f = files.front();
      if (!ptr.empty()) {
        for (const auto& c : files) {
          if (icmp.compare(c->largest, ptr) > 0) {
            f = c;
            break;
          }
        }
      }
      st.compact_pointer[static_cast<std::size_t>(level)] = f->largest;
      picked.push_back(f);
      p.reason = "level size";
    }
    std::string_view lo = picked.front()->smallest_user_key(), hi = picked.front()->largest_user_key();
    for (const auto& f : picked) {
      if (cmp.compare(f->smallest_user_key(), lo) < 0) lo = f->smallest_user_key();
      if (cmp.compare(f->largest_user_key(), hi) > 0) hi = f->largest_user_key();
    }
    auto below = lsm_detail::overlapping_files(v, level + 1, lo, hi, cmp);
    p.trivial_move = picked.size() == 1 && below.empty();
    p.inputs.emplace_back(level, std::move(picked));
    if (!below.empty()) p.inputs.emplace_back(level + 1, std::move(below));
    for (int l = level + 2; l < v.num_levels(); ++l) {
      if (!v.levels[static_cast<std::size_t>(l)].empty()) p.older.push_back(v.levels[static_cast<std::size_t>(l)]);
    }
    return p;
  }
};

using lsm_leveled = leveled<>;

}  // namespace jadekv::inline v0::index
