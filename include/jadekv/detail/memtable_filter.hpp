// memtable_filter: a whole-key bloom filter in front of a memtable's
// lookups (RocksDB's memtable_whole_key_filtering).
//
// With an on-disk index most lookups ask for keys the memtable lacks, and
// each such miss costs a full memtable search: ~20-30 dependent cache misses
// in a skiplist of a few hundred thousand entries, more than the index's own
// lookup. The filter answers most of them from one cache line.
//
// Layout: L lines of 512 bits; a key with hash h (core/key_hash.hpp) sets
// k_probes bits of line ((h >> 32) * L) >> 32, bit i from the top nine bits
// of g_i = low32(h) * 0x9e3779b9^(i+1) (as index/lsm/bloom.hpp). L is set
// once from the memtable budget: one bit per 16 bytes of it, about 9 bits
// per entry of 16-byte keys and 100-byte values (a 1-2% false-positive
// rate), at most 16 MiB (a 2 GiB budget); smaller entries or larger budgets
// get fewer bits per key and more false positives, never a wrong answer.
//
// Thread safety: add() and may_contain() may run on any threads at once.
// add() sets bits with relaxed fetch_or before the entry is inserted; a
// reader that may see the entry learnt of it through the release/acquire
// pair that published its sequence number, which orders the bits before
// its load, so the filter never hides a key a reader may see.
//
// Invariants:
//   1. A key passed to add() always matches (no false negatives).
//   2. lines_ >= 1 and never changes.
//   3. empty_ turns false before the first key's bits are set, and stays so.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "jadekv/core/key_hash.hpp"

namespace jadekv::inline v0::detail {

class memtable_filter {
 public:
  static constexpr std::size_t k_budget_bytes_per_bit = 16;
  static constexpr int k_probes = 6;

  explicit memtable_filter(std::size_t budget_bytes)
      : lines_(std::clamp<std::size_t>(budget_bytes / k_budget_bytes_per_bit / k_line_bits, 1, k_max_lines)),
        table_(std::make_unique<line[]>(lines_)) {}

  void add(std::string_view key) noexcept {
    // Checked first so that adds after the first do not write the flag's
    // line. relaxed: ordered for readers as the bits are (above).
    if (empty_.load(std::memory_order_relaxed)) empty_.store(false, std::memory_order_relaxed);
    const std::uint64_t h = key_hash(key);
    std::atomic<std::uint64_t>* words = line_of(h).words;
    std::uint32_t g = static_cast<std::uint32_t>(h);
    for (int i = 0; i < k_probes; ++i) {
      g *= 0x9e3779b9u;
      const std::uint32_t b = g >> 23;
      // relaxed: ordered for readers by the publication of the entry (above).
      words[b >> 6].fetch_or(std::uint64_t{1} << (b & 63), std::memory_order_relaxed);
    }
  }

  // False only when key was never added.
  bool may_contain(std::string_view key) const noexcept {
    // An empty memtable (every one after a flush or a reopen, until the next
    // write) answers without touching a line of the table.
    if (empty_.load(std::memory_order_relaxed)) return false;  // relaxed: as the bits
    const std::uint64_t h = key_hash(key);
    const std::atomic<std::uint64_t>* words = line_of(h).words;
    std::uint32_t g = static_cast<std::uint32_t>(h);
    for (int i = 0; i < k_probes; ++i) {
      g *= 0x9e3779b9u;
      const std::uint32_t b = g >> 23;
      // relaxed: see the thread-safety note.
      if ((words[b >> 6].load(std::memory_order_relaxed) & (std::uint64_t{1} << (b & 63))) == 0) return false;
    }
    return true;
  }

  std::size_t memory_usage() const noexcept { return lines_ * sizeof(line); }

 private:
  static constexpr std::size_t k_line_bits = 512;
  static constexpr std::size_t k_line_words = k_line_bits / 64;
  static constexpr std::size_t k_max_lines = (std::size_t{16} << 20) / (k_line_bits / 8);

  // One cache line, so that a key's probes cost one miss.
  struct alignas(64) line {
    std::atomic<std::uint64_t> words[k_line_words];
  };
  static_assert(sizeof(line) == k_line_bits / 8);

  line& line_of(std::uint64_t h) const noexcept { return table_[static_cast<std::size_t>(((h >> 32) * lines_) >> 32)]; }

  std::size_t lines_;
  std::unique_ptr<line[]> table_;  // value-initialised: all bits clear
  std::atomic<bool> empty_{true};  // no key added yet
};

}  // namespace jadekv::inline v0::detail
