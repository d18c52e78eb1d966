// visible_sequence: the newest sequence number readers may see.
//
// Writers take sequence ranges in log order (the persist policy assigns
// them), insert their entries, then publish. Publishing waits until every
// earlier range is published, so a reader never sees a batch while an older
// one is still half-inserted: batches are atomic to readers, and a read at
// sequence s sees exactly the writes numbered <= s.
//
// Thread safety: load() from any thread; publish() from any writer.
#pragma once

#include <atomic>
#include <thread>

#include "jadekv/core/internal_key.hpp"

namespace jadekv::inline v0::concurrency::detail {

class visible_sequence {
 public:
  // acquire: pairs with publish()'s release store, so every entry inserted
  // before a range was published is visible to a reader that sees the range.
  sequence_number load() const noexcept { return v_.load(std::memory_order_acquire); }

  // At open, after recovery; no writer runs yet.
  void reset(sequence_number s) noexcept { v_.store(s, std::memory_order_release); }

  // Makes [first, last] visible once every range before `first` is.
  // Concurrent = false: the caller is the only writer, so nothing to wait for.
  template <bool Concurrent>
  void publish(sequence_number first, sequence_number last) noexcept {
    if constexpr (Concurrent) {
      // acquire: we must not overtake a predecessor whose entries are not
      // yet visible; its release store tells us they are.
      for (unsigned spins = 0; v_.load(std::memory_order_acquire) != first - 1; ++spins)
        if (spins > 64) std::this_thread::yield();
    }
    v_.store(last, std::memory_order_release);
  }

 private:
  std::atomic<sequence_number> v_{0};
};

}  // namespace jadekv::inline v0::concurrency::detail
