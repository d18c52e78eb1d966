// What the conformance and model suites need to open any composition: a
// fresh in-memory file system per test, and traits of the composition.
#pragma once

#include <doctest/doctest.h>

#include <memory>
#include <string>

#include <jadekv/engine.hpp>
#include <jadekv/io/memory_fs.hpp>

namespace conformance {

namespace kv = jadekv;

// Whether the composition flushes memtables into an on-disk index.
template <class E>
inline constexpr bool on_disk = E::index_type::on_disk;

// Whether acknowledged writes survive a clean close and reopen (an on-disk
// index flushes the memtable at close when nothing logs it).
template <class E>
inline constexpr bool survives_close = !kv::detail::is_persist_none<typename E::persist_type> || on_disk<E>;

// Small sizes for on-disk indexes, so a short test crosses many flushes,
// splits and compactions; fields an index does not have are skipped.
template <class IndexOptions>
void shrink(IndexOptions& o) {
  if constexpr (requires { o.target_file_bytes; }) o.target_file_bytes = 4 << 10;
  if constexpr (requires { o.max_bytes_for_level_base; }) o.max_bytes_for_level_base = 16 << 10;
  if constexpr (requires { o.table.block_size; }) o.table.block_size = 256;
  if constexpr (requires { o.l0_compaction_trigger; }) o.l0_compaction_trigger = 2;
  if constexpr (requires { o.page_size; }) o.page_size = 512;
  if constexpr (requires { o.cache_bytes; }) o.cache_bytes = 16 << 10;
  if constexpr (requires { o.block_cache_bytes; }) o.block_cache_bytes = 16 << 10;
}

template <class E>
inline constexpr bool thread_safe = E::concurrency_type::thread_safe;

template <class E>
struct harness {
  std::shared_ptr<kv::io::memory_fs> fs = std::make_shared<kv::io::memory_fs>();

  typename E::options options() const {
    typename E::options o;
    o.dir = "/db";
    o.fs = fs;
    if constexpr (on_disk<E>) {
      // Arena blocks well below the memtable budget, or every write rotates.
      o.memtable_bytes = 32 << 10;
      if constexpr (requires { o.memtable.arena_block_size; }) o.memtable.arena_block_size = 1 << 10;
      if constexpr (requires { o.memtable.arena_shards; }) o.memtable.arena_shards = 1;
      if constexpr (requires { o.memtable.initial_buckets; }) o.memtable.initial_buckets = 16;
      shrink(o.index);
    } else if constexpr (E::concurrency_type::snapshots) {
      // The memory index under mvcc collects old versions as it grows by this.
      o.memtable_bytes = 16 << 10;
      if constexpr (requires { o.memtable.arena_block_size; }) o.memtable.arena_block_size = 1 << 10;
    }
    return o;
  }

  E open() const { return open(options()); }

  static E open(const typename E::options& o) {
    auto r = E::open(o);
    if (!r) FAIL("open failed: " << r.status().to_string());
    return std::move(*r);
  }

  // Closes db and opens the same directory again.
  E reopen(E& db) const {
    REQUIRE(db.close().ok());
    return open();
  }
};

}  // namespace conformance
