// lsm options: the runtime tuning of index::lsm<Compaction>, reached by users
// as `engine::options::index` (index::lsm<>::options). Names follow LevelDB
// and RocksDB where they have one.
//
// Thread safety: a plain value, copied into the store at open.
#pragma once

#include <cstddef>
#include <cstdint>

namespace jadekv::inline v0::index::lsm_detail {

template <class CompactionOptions>
struct lsm_options {
  // How tables are written (the table layer's knobs).
  struct table_options {
    std::size_t block_size = 4096;  // target uncompressed data block size
    int restart_interval = 16;      // keys between restart points in a block
    int bloom_bits_per_key = 10;    // 0 writes no bloom filter (~1% false positives at 10)
  };
  table_options table;
  // Byte budget of the block cache shared by every table; 0 disables it.
  std::size_t block_cache_bytes = 8 << 20;
  // Tables kept open (their index and filter in memory) at once.
  int max_open_files = 1000;
  // Open tables are read through read-only mappings of their files where
  // the file system maps them (posix_fs does; memory_fs and fault_fs do not),
  // as LevelDB does on 64-bit hosts: a lookup then costs no syscall, copy or
  // allocation, and the OS page cache, not block_cache_bytes, holds their
  // data blocks (checksums are still verified on every read).
  bool map_tables = true;
  // Compaction outputs are cut at the first key boundary past this size.
  std::size_t target_file_bytes = 2 << 20;
  // Level-0 tables (runs, for tiered) that make a compaction due, slow each
  // write down by ~1 ms, and stop writes until a compaction catches up.
  int l0_compaction_trigger = 4;
  int l0_slowdown_trigger = 8;
  int l0_stop_trigger = 12;
  // Level 1 may hold this many bytes; each deeper level level_ratio times more.
  std::uint64_t max_bytes_for_level_base = 10 << 20;
  int level_ratio = 10;
  int num_levels = 7;
  // Compactions check the checksum of every block they read.
  bool verify_checksums_in_compaction = true;
  // Lookups that keep searching a table in vain before finding their key
  // deeper get it merged down (LevelDB's seek compaction; see store.hpp), so
  // a store that is only read settles into fewer tables per lookup.
  bool seek_compaction = true;
  // No background compaction: only compact() merges tables, and writers are
  // never slowed or stopped for level 0 (it grows without bound).
  bool disable_auto_compactions = false;
  // A manifest larger than this is replaced by a fresh one holding a single
  // snapshot edit, which bounds the work of the next open.
  std::uint64_t max_manifest_bytes = 64 << 20;
  // Knobs of the compaction style (index::tiered<>::options; leveled has none).
  CompactionOptions compaction;
};

}  // namespace jadekv::inline v0::index::lsm_detail
