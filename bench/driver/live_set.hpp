// live_set: which user keys the database holds, so space amplification can be
// computed without asking the engine: a bitmap over db_bench's key numbers
// [0, num) plus a count of other keys (YCSB records, keys a census found).
//
// Thread safety: insert/erase/add_other may race from many threads (atomic
// read-modify-writes on 64-bit words); reset and the queries need quiescence.
#pragma once

#include <atomic>
#include <bit>
#include <cstdint>
#include <memory>

namespace bench {

class live_set {
 public:
  // Empty, tracking key numbers [0, num).
  void reset(std::uint64_t num) {
    num_ = num;
    words_ = std::make_unique<std::atomic<std::uint64_t>[]>((num + 63) / 64);  // value-initialised: zero
    other_keys_ = 0;
    other_bytes_ = 0;
  }
  // REQUIRES: n < num.
  void insert(std::uint64_t n) noexcept { words_[n / 64].fetch_or(bit(n), std::memory_order_relaxed); }
  void erase(std::uint64_t n) noexcept { words_[n / 64].fetch_and(~bit(n), std::memory_order_relaxed); }
  bool tracks(std::uint64_t n) const noexcept { return n < num_; }
  void add_other(std::uint64_t keys, std::uint64_t bytes) noexcept {
    other_keys_.fetch_add(keys, std::memory_order_relaxed);
    other_bytes_.fetch_add(bytes, std::memory_order_relaxed);
  }

  // Live keys, and their key + value bytes when every tracked key holds
  // `entry_bytes` (16-byte key + value_size).
  std::uint64_t keys() const noexcept { return tracked() + other_keys_.load(std::memory_order_relaxed); }
  std::uint64_t bytes(std::uint64_t entry_bytes) const noexcept {
    return tracked() * entry_bytes + other_bytes_.load(std::memory_order_relaxed);
  }

 private:
  static std::uint64_t bit(std::uint64_t n) noexcept { return std::uint64_t{1} << (n % 64); }
  std::uint64_t tracked() const noexcept {
    std::uint64_t c = 0;
    for (std::uint64_t i = 0; i < (num_ + 63) / 64; ++i)
      c += static_cast<std::uint64_t>(std::popcount(words_[i].load(std::memory_order_relaxed)));
    return c;
  }

  std::uint64_t num_ = 0;
  std::unique_ptr<std::atomic<std::uint64_t>[]> words_;
  std::atomic<std::uint64_t> other_keys_{0}, other_bytes_{0};
};

}  // namespace bench
