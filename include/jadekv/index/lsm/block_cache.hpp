// block_cache: the LRU cache (cache/lru.hpp) of data blocks shared by the
// tables of an LSM index, with a byte budget. A block is keyed by its
// table's cache id (unique in the process, given at open) and its offset.
//
// Thread safety: as cache::lru; next_table_id() is an atomic counter.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "jadekv/cache/lru.hpp"
#include "jadekv/index/lsm/block.hpp"

namespace jadekv::inline v0::index::sst {

struct block_key {
  std::uint64_t table_id = 0;
  std::uint64_t offset = 0;
  friend bool operator==(const block_key&, const block_key&) = default;
};

struct block_key_hash {
  std::size_t operator()(const block_key& k) const noexcept {
    std::uint64_t h = k.table_id * 0x9e3779b97f4a7c15ull ^ k.offset;
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ull;
    h ^= h >> 32;
    return static_cast<std::size_t>(h);
  }
};

using block_cache = cache::lru<block_key, block<>, block_key_hash>;

// A block cache of `bytes` bytes split into 2^shard_bits shards.
// A template only so that units which do not use it do not compile it (README, "Build cost").
template <class = void>
inline std::shared_ptr<block_cache> make_block_cache(std::size_t bytes, unsigned shard_bits = 4) {
  return std::make_shared<block_cache>(bytes, shard_bits);
}

// A process-wide unique id for a table's blocks in a shared cache.
template <class = void>
inline std::uint64_t next_table_id() noexcept {
  static std::atomic<std::uint64_t> next{1};
  return next.fetch_add(1, std::memory_order_relaxed);  // relaxed: uniqueness needs atomicity only
}

}  // namespace jadekv::inline v0::index::sst
