// index::bptree: flushed memtables live in one crash-safe paged B+tree file,
// as in LotusDB over bbolt. Writes go to the WAL and the memtable (the
// engine's job); a flush merges a sorted memtable into the tree in
// copy-on-write commits (up to eight, over key ranges), so the file is
// always consistent at its last commit and recovery is "newest valid meta
// page + WAL replay".
//
//   using db_t = jadekv::engine<memtable::skiplist<>, persist::wal<>,
//                               index::bptree<>, concurrency::striped<>>;
//   opt.index.page_size = 4096;            // new files; an existing file keeps its own
//   opt.index.cache_bytes = 64 << 20;      // buffer pool budget
//
// What users tune is bptree<>::options (bptree/options.hpp); the file format
// is drawn in bptree/format.hpp; the store's contract (crash safety, threads,
// sticky errors, one version per key) in bptree/store.hpp.
//
// Limits: keys up to max_key_size(page_size) bytes (983 with 4 KiB pages,
// 87 with 512-byte pages); a flush with a longer key fails with
// invalid_argument and commits nothing. Values up to 4 GiB; those too large
// to share a page go to overflow pages.
#pragma once

#include <string_view>

#include "jadekv/core/comparator.hpp"
#include "jadekv/index/bptree/options.hpp"
#include "jadekv/index/bptree/store.hpp"

namespace jadekv::inline v0::index {

// Reserved: the contract spells the policy `bptree<>`; tuning is runtime.
template <class Reserved = void>
struct bptree {
  using options = detail::bptree::options;
  static constexpr std::string_view name = "bptree";
  static constexpr bool on_disk = true;
  // The open form for the engine's user-key comparator (models index::store).
  template <comparator Cmp>
  using store = detail::bptree::store<Cmp>;
};

}  // namespace jadekv::inline v0::index
