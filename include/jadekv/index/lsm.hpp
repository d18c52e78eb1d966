// index::lsm<Compaction>: a log-structured merge tree, the index policy that
// keeps flushed memtables in sorted tables (SSTables) with bloom filters, a
// block cache, a manifest of versions, and background compaction.
//
//   using db_t = jadekv::engine<memtable::skiplist<>, persist::wal<>,
//                               index::lsm<>, concurrency::mvcc<>>;
//   db_t::options opt;
//   opt.index.block_cache_bytes = 64 << 20;
//   opt.index.table.bloom_bits_per_key = 10;
//
// The compaction style is the policy parameter:
//   index::lsm<index::leveled<>>  (the default; LevelDB's levels, best reads
//                                  and space, see index/lsm/leveled.hpp)
//   index::lsm<index::tiered<>>   (size-tiered runs, fewest rewrites for
//                                  write-heavy loads, see index/lsm/tiered.hpp;
//                                  its knobs are opt.index.compaction)
// index::lsm_leveled and index::lsm_tiered name the same two styles.
//
// Files in the engine's directory: NNNNNN.sst tables, MANIFEST-NNNNNN and
// CURRENT (index/lsm/manifest_file_names.hpp), beside the WAL's segments.
//
// Thread safety: see index/lsm/store.hpp; the engine drives the store as
// index/concepts.hpp describes.
#pragma once

#include <string_view>

#include "jadekv/index/lsm/leveled.hpp"
#include "jadekv/index/lsm/options.hpp"
#include "jadekv/index/lsm/store.hpp"
#include "jadekv/index/lsm/tiered.hpp"

namespace jadekv::inline v0::index {

template <class Compaction = leveled<>>
struct lsm {
  using compaction_style = Compaction;
  using options = lsm_detail::lsm_options<typename Compaction::options>;
  static constexpr std::string_view name = "lsm";
  static constexpr bool on_disk = true;
  template <class Cmp>
  using store = lsm_detail::store<Compaction, options, Cmp>;
};

}  // namespace jadekv::inline v0::index
