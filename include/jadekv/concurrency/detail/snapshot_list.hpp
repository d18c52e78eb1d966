// snapshot_list: the sequence numbers of the live snapshots of one engine.
//
// A snapshot takes its sequence number inside acquire(), under the list's
// mutex, and flushes ask oldest() under the same mutex, so a flush either
// sees the snapshot or runs entirely before it exists (and then everything
// it drops is older than what the snapshot can read).
//
// Thread safety: every member may be called from any thread.
#pragma once

#include <cstddef>
#include <map>
#include <mutex>

#include "jadekv/core/internal_key.hpp"

namespace jadekv::inline v0::concurrency::detail {

class snapshot_list {
 public:
  // Registers and returns visible(), read under the lock.
  template <class Visible>
  sequence_number acquire(Visible&& visible) {
    std::lock_guard g(mu_);
    const sequence_number s = visible();
    ++live_[s];
    return s;
  }

  void release(sequence_number s) noexcept {
    std::lock_guard g(mu_);
    if (auto it = live_.find(s); it != live_.end() && --it->second == 0) live_.erase(it);
  }

  // The oldest live snapshot's sequence number, or `otherwise` when that is older.
  sequence_number oldest(sequence_number otherwise) const {
    std::lock_guard g(mu_);
    return live_.empty() || live_.begin()->first > otherwise ? otherwise : live_.begin()->first;
  }

 private:
  mutable std::mutex mu_;
  std::map<sequence_number, std::size_t> live_;  // sequence -> snapshots at it
};

}  // namespace jadekv::inline v0::concurrency::detail
