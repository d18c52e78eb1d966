// table_source: how the LSM store reaches the table layer (index::sst): a
// thin adapter over sst::table_cache that speaks file_meta and adds the file
// name to errors. Every use of the table layer by the store goes through
// here or through output_writer (store.hpp), so a change of the table API
// touches these two places only.
//
// Thread safety: every member may be called from any thread (sst::table_cache
// is thread safe). A table handed out stays usable after it leaves the cache
// or its file is removed (it holds its file handle).
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <utility>

#include "jadekv/core/read_options.hpp"
#include "jadekv/core/result.hpp"
#include "jadekv/core/status.hpp"
#include "jadekv/detail/concat.hpp"
#include "jadekv/detail/internal_iterator.hpp"
#include "jadekv/index/lsm/block_cache.hpp"
#include "jadekv/index/lsm/table.hpp"
#include "jadekv/index/lsm/table_cache.hpp"
#include "jadekv/index/lsm/version_edit.hpp"
#include "jadekv/io/file_system.hpp"

namespace jadekv::inline v0::index::lsm_detail {

template <class Cmp>
using table_ptr = std::shared_ptr<const sst::table<Cmp>>;

// A template only so that units which do not use it do not compile it (README, "Build cost").
template <class = void>
inline std::string table_name(std::uint64_t number) { return sst::table_file_name(number); }

template <class Cmp>
class table_source {
 public:
  table_source(std::shared_ptr<io::file_system> fs, std::filesystem::path dir, std::size_t max_open_files,
               std::shared_ptr<sst::block_cache> cache, bool map_tables, const Cmp& cmp)
      : cache_(cache),
        tables_(std::move(fs), std::move(dir), options(max_open_files, std::move(cache), map_tables), cmp) {}

  // The open table of f, opening it on a miss.
  result<table_ptr<Cmp>> find(const file_meta& f) {
    auto t = tables_.find(f.number, f.size);
    if (!t) return t.status().with_context(::jadekv::detail::concat({"lsm: open table ", table_name(f.number)}));
    return std::move(*t);
  }

  // A cursor over f's entries; it keeps the table open.
  result<std::unique_ptr<::jadekv::detail::internal_iterator>> open_iterator(const file_meta& f, const read_options& ro) {
    auto t = find(f);
    if (!t) return t.status();
    return (*t)->new_iterator(ro);
  }

  // Forgets f's table before its file is removed.
  void evict(std::uint64_t number) { tables_.evict(number); }

  std::uint64_t cache_hits() const { return cache_ ? cache_->hits() : 0; }
  std::uint64_t cache_misses() const { return cache_ ? cache_->misses() : 0; }

 private:
  static sst::table_cache_options options(std::size_t max_open_files, std::shared_ptr<sst::block_cache> cache,
                                          bool map_tables) {
    sst::table_cache_options o;
    o.map_tables = map_tables;
    o.max_open_files = max_open_files == 0 ? 1 : max_open_files;
    o.block_cache = std::move(cache);
    return o;
  }

  std::shared_ptr<sst::block_cache> cache_;
  sst::table_cache<Cmp> tables_;
};

}  // namespace jadekv::inline v0::index::lsm_detail
