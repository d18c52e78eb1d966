// freelist: which pages of a bptree file a commit may write.
//
// A page freed by commit t is still reachable from every commit before t,
// so it waits in pending[t] until no reader pins a commit older than t; only
// then is it free. The persisted form (format.hpp) lists free and pending
// pages together: after a reopen no reader of an old commit exists.
//
// Thread safety: none; the store uses it under its writer lock only.
//
// Invariants:
//   1. A page id is in at most one of free_ and the pending lists, and never
//      reachable from the commit being built while it is in either.
//   2. allocate() never hands out a pending page, so a commit never
//      overwrites a page its predecessor (the fallback after a torn meta
//      write) or a pinned reader can reach.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <map>
#include <set>
#include <vector>

#include "jadekv/index/bptree/format.hpp"

namespace jadekv::inline v0::index::detail::bptree {

// A template only so that units which do not use it do not compile it (README, "Build cost").
template <class = void>
class freelist {
 public:
  void reset(const std::vector<page_id>& ids) {
    free_ = std::set<page_id>(ids.begin(), ids.end());
    pending_.clear();
  }

  // Frees what commits t <= oldest_pinned released: no reader can reach it.
  // on_free(id) is told each page that becomes free.
  template <class OnFree>
  void release(txid oldest_pinned, OnFree on_free) {
    for (auto it = pending_.begin(); it != pending_.end() && it->first <= oldest_pinned;) {
      for (const page_id id : it->second) on_free(id);
      free_.insert(it->second.begin(), it->second.end());
      it = pending_.erase(it);
    }
  }

  // Drops free pages at the end of the file, lowering page_count.
  void trim(std::uint64_t& page_count) {
    while (!free_.empty() && *free_.rbegin() == page_count - 1) {
      free_.erase(std::prev(free_.end()));
      --page_count;
    }
  }

  // The first page of n adjacent free pages, or new pages past page_count.
  page_id allocate(std::uint64_t n, std::uint64_t& page_count) {
    if (n == 1 && !free_.empty()) {
      const page_id id = *free_.begin();
      free_.erase(free_.begin());
      return id;
    }
    if (n > 1) {
      page_id start = 0;
      std::uint64_t len = 0;
      for (const page_id id : free_) {
        if (len != 0 && id == start + len) {
          ++len;
        } else {
          start = id;
          len = 1;
        }
        if (len == n) {
          free_.erase(free_.find(start), std::next(free_.find(start + n - 1)));
          return start;
        }
      }
    }
    const page_id id = page_count;
    page_count += n;
    return id;
  }

  // Pages [id, id + n) are no longer reachable from commit t.
  void release_later(txid t, page_id id, std::uint64_t n) {
    auto& v = pending_[t];
    for (std::uint64_t i = 0; i < n; ++i) v.push_back(id + i);
  }

  std::size_t size() const noexcept {
    std::size_t n = free_.size();
    for (const auto& [t, v] : pending_) n += v.size();
    return n;
  }

  // Free and pending pages, ascending: the persisted list.
  std::vector<page_id> all() const {
    std::vector<page_id> out(free_.begin(), free_.end());
    for (const auto& [t, v] : pending_) out.insert(out.end(), v.begin(), v.end());
    std::sort(out.begin(), out.end());
    return out;
  }

  std::size_t free_count() const noexcept { return free_.size(); }

 private:
  std::set<page_id> free_;
  std::map<txid, std::vector<page_id>> pending_;
};

}  // namespace jadekv::inline v0::index::detail::bptree
