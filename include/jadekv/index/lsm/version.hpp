// version: the set of tables an LSM store holds at one moment, by level.
//
// A version is immutable once published and shared through
// std::shared_ptr<const version>: readers and iterators that hold one keep
// every table it names alive (the store deletes a table only when no live
// version names it). apply_edit builds the next version from the current one.
//
// Invariants of a published version:
//   1. Level 0 is ordered newest first: largest_seq descending, then file
//      number descending. Tables of level 0 may overlap, but their sequence
//      ranges do not interleave (each holds one flush, or a merge of
//      consecutive ones), so the first level-0 table that has a version of a
//      key visible at a sequence has the newest such version.
//   2. Levels >= 1 are ordered by smallest key, and their user-key ranges are
//      disjoint: a user key lives in at most one table per level.
//   3. A key's versions in level L are newer than its versions in level L+1.
//   4. No file number appears twice.
//
// Thread safety: a published version is read-only and may be shared freely.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "jadekv/core/internal_key.hpp"
#include "jadekv/core/result.hpp"
#include "jadekv/core/status.hpp"
#include "jadekv/detail/concat.hpp"
#include "jadekv/index/lsm/version_edit.hpp"

namespace jadekv::inline v0::index::lsm_detail {

// A template only so that units which do not use it do not compile it (README, "Build cost").
template <class = void>
struct version {
  std::vector<std::vector<file_ptr>> levels;
  sequence_number flushed_sequence = 0;

  explicit version(int num_levels) : levels(static_cast<std::size_t>(num_levels)) {}

  int num_levels() const noexcept { return static_cast<int>(levels.size()); }
  std::uint64_t level_bytes(int level) const noexcept {
    std::uint64_t n = 0;
    for (const auto& f : levels[static_cast<std::size_t>(level)]) n += f->size;
    return n;
  }
  std::uint64_t total_bytes() const noexcept {
    std::uint64_t n = 0;
    for (int l = 0; l < num_levels(); ++l) n += level_bytes(l);
    return n;
  }
  std::size_t total_files() const noexcept {
    std::size_t n = 0;
    for (const auto& l : levels) n += l.size();
    return n;
  }
};

using version_ptr = std::shared_ptr<const version<>>;

// Level-0 order (invariant 1): true when a sorts before b.
template <class = void>
inline bool newer_first(const file_ptr& a, const file_ptr& b) noexcept {
  if (a->largest_seq != b->largest_seq) return a->largest_seq > b->largest_seq;
  return a->number > b->number;
}

// Sorts the levels of v into the order of invariants 1 and 2. One
// comparator for every level, so std::sort is compiled once (2 KB less).
template <class Cmp, class D>
void sort_levels(version<D>& v, const Cmp& user_cmp) {
  const internal_key_comparator<Cmp> icmp(user_cmp);
  bool level0 = true;
  const auto before = [&](const file_ptr& a, const file_ptr& b) {
    return level0 ? newer_first(a, b) : icmp.compare(a->smallest, b->smallest) < 0;
  };
  for (std::size_t l = 0; l < v.levels.size(); ++l) {
    level0 = l == 0;
    std::sort(v.levels[l].begin(), v.levels[l].end(), before);
  }
}

// Applies edits to a version being built (recovery replays a manifest through
// one; the store applies each new edit through a fresh one). An edit that
// deletes a file the level does not hold or adds a number already present is
// corruption; a level past the version's is invalid_argument (the store was
// opened with fewer levels than wrote it). `where` names the source.
template <class D = void>
class version_builder {
 public:
  explicit version_builder(const version<D>& base) : v_(std::make_shared<version<D>>(base)) {
    for (const auto& l : v_->levels)
      for (const auto& f : l) numbers_.insert(f->number);
  }

  [[gnu::cold]] status apply(const version_edit<D>& e, std::string_view where) {
    auto bad = [&](const std::string& what) {
      return status::corruption(::jadekv::detail::concat({where, ": ", what}));
    };
    for (const auto& [level, number] : e.deleted_files) {
      if (level >= v_->num_levels()) {
        return bad(::jadekv::detail::concat({"deletes a file at level ", level, " of ", v_->num_levels()}));
      }
      auto& files = v_->levels[static_cast<std::size_t>(level)];
      auto it = std::find_if(files.begin(), files.end(), [n = number](const file_ptr& f) { return f->number == n; });
      if (it == files.end()) {
        return bad(::jadekv::detail::concat({"deletes table ", number, " that level ", level, " does not hold"}));
      }
      numbers_.erase(number);
      files.erase(it);
    }
    for (const auto& [level, f] : e.added_files) {
      if (level >= v_->num_levels()) {
        return status::invalid_argument(::jadekv::detail::concat(
            {where, ": names level ", level, " but the store is opened with num_levels = ", v_->num_levels()}));
      }
      if (!numbers_.insert(f->number).second)
        return bad(::jadekv::detail::concat({"adds table ", f->number, " twice"}));
      v_->levels[static_cast<std::size_t>(level)].push_back(f);
    }
    if (e.has_flushed_sequence) v_->flushed_sequence = e.flushed_sequence;
    return {};
  }

  // The built version, sorted. The builder is spent.
  template <class Cmp>
  std::shared_ptr<version<D>> finish(const Cmp& user_cmp) {
    sort_levels(*v_, user_cmp);
    return std::move(v_);
  }

 private:
  std::shared_ptr<version<D>> v_;
  // An ordered set: other headers instantiate std::set<std::uint64_t> already,
  // while <unordered_set> was included for this member alone (~20 ms of
  // every includer's compile time).
  std::set<std::uint64_t> numbers_;
};

// The next version: base with one edit applied.
template <class Cmp, class D>
result<std::shared_ptr<version<D>>> apply_edit(const version<D>& base, const version_edit<D>& e, const Cmp& user_cmp,
                                            std::string_view where) {
  version_builder<D> b(base);
  if (auto s = b.apply(e, where); !s.ok()) return s;
  return b.finish(user_cmp);
}

// An edit that adds every file of v (the first edit of a new manifest).
template <class D>
version_edit<D> snapshot_edit(const version<D>& v) {
  version_edit<D> e;
  e.set_flushed_sequence(v.flushed_sequence);
  for (int l = 0; l < v.num_levels(); ++l)
    for (const auto& f : v.levels[static_cast<std::size_t>(l)]) e.add_file(l, f);
  return e;
}

// Whether f's user-key range meets [lo, hi] (user keys, both inclusive).
template <class Cmp>
bool overlaps(const file_meta& f, std::string_view lo, std::string_view hi, const Cmp& cmp) {
  return cmp.compare(f.largest_user_key(), lo) >= 0 && cmp.compare(f.smallest_user_key(), hi) <= 0;
}

// Index of the first file of a sorted level (>= 1) whose largest user key is
// >= key, or files.size().
template <class Cmp>
std::size_t find_file(const std::vector<file_ptr>& files, std::string_view user_key, const Cmp& cmp) {
  std::size_t lo = 0, hi = files.size();
  while (lo < hi) {
    const std::size_t mid = lo + (hi - lo) / 2;
    if (cmp.compare(files[mid]->largest_user_key(), user_key) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

// Files of a level whose ranges meet [lo, hi] (user keys).
template <class Cmp, class D>
std::vector<file_ptr> overlapping_files(const version<D>& v, int level, std::string_view lo, std::string_view hi,
                                        const Cmp& cmp) {
  std::vector<file_ptr> out;
  for (const auto& f : v.levels[static_cast<std::size_t>(level)])
    if (overlaps(*f, lo, hi, cmp)) out.push_back(f);
  return out;
}

// Checks invariant 2 and that each file's range is ordered; the first problem.
template <class Cmp, class D>
status check_level_order(const version<D>& v, const Cmp& user_cmp) {
  const internal_key_comparator<Cmp> icmp(user_cmp);
  for (int l = 0; l < v.num_levels(); ++l) {
    const auto& files = v.levels[static_cast<std::size_t>(l)];
    for (std::size_t i = 0; i < files.size(); ++i) {
      if (icmp.compare(files[i]->smallest, files[i]->largest) > 0) {
        return status::corruption(::jadekv::detail::concat(
            {"table ", files[i]->number, " at level ", l, ": smallest key sorts after its largest"}));
      }
      if (l >= 1 && i > 0 && user_cmp.compare(files[i - 1]->largest_user_key(), files[i]->smallest_user_key()) >= 0) {
        return status::corruption(::jadekv::detail::concat({"level ", l, ": tables ", files[i - 1]->number, " and ",
                                                            files[i]->number, " overlap or are out of order"}));
      }
    }
  }
  return {};
}

}  // namespace jadekv::inline v0::index::lsm_detail
