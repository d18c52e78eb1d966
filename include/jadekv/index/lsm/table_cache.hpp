// table_cache: the open tables of one directory, by file number, at most
// `max_open_files` of them held open (an LRU over cache::lru with charge 1).
//
//   sst::table_cache<Cmp> tc(fs, dir, {.max_open_files = 1000, .block_cache = bc}, cmp);
//   status s = tc.get(number, file_size, sst::lookup_key(k, seq), value, r, ro);
//   auto it = tc.new_iterator(number, file_size, ro);   // errors show as it->status()
//   tc.evict(number);                                    // before deleting the file
//
// Tables live in files named table_file_name(number) ("000123.sst") under dir.
//
// Thread safety: every member may be called from any thread concurrently.
// Two threads missing on the same number at once may both open the file;
// one result is kept.
//
// Invariants:
//   1. The cache itself holds at most max_open_files tables. A table handed
//      out (find's shared_ptr, an iterator) stays open while it is held, even
//      after eviction: the limit counts what the cache keeps, so callers
//      should not hold tables longer than a read.
//   2. A failed open is not cached: the next call tries the file again.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "jadekv/cache/lru.hpp"
#include "jadekv/core/comparator.hpp"
#include "jadekv/core/read_options.hpp"
#include "jadekv/core/result.hpp"
#include "jadekv/core/status.hpp"
#include "jadekv/detail/error_iterator.hpp"
#include "jadekv/detail/internal_iterator.hpp"
#include "jadekv/index/lsm/block_cache.hpp"
#include "jadekv/index/lsm/table.hpp"
#include "jadekv/io/file_system.hpp"

namespace jadekv::inline v0::index::sst {

inline constexpr std::string_view k_table_suffix = ".sst";

// "000123.sst": the number zero-padded to at least six digits.
// A template only so that units which do not use it do not compile it (README, "Build cost").
template <class = void>
inline std::string table_file_name(std::uint64_t number) {
  std::string digits = std::to_string(number);
  if (digits.size() < 6) digits.insert(0, 6 - digits.size(), '0');
  return digits + std::string(k_table_suffix);
}

struct table_cache_options {
  // Tables the cache keeps open.
  std::size_t max_open_files = 1000;
  // log2 of the shards; lowered so that each shard holds at least 4 tables.
  unsigned shard_bits = 4;
  // Shared by every table opened; null reads blocks from the files.
  std::shared_ptr<::jadekv::index::sst::block_cache> block_cache;
  // Tables read through a mapping of their file where it can be mapped
  // (table_open_options::map): their data blocks bypass block_cache.
  bool map_tables = false;
};

template <comparator Cmp = bytewise_comparator>
class table_cache {
 public:
  using table_type = table<Cmp>;
  using table_ptr = std::shared_ptr<const table_type>;

  table_cache(std::shared_ptr<io::file_system> fs, std::filesystem::path dir, const table_cache_options& o = {},
              const Cmp& cmp = {})
      : fs_(std::move(fs)),
        dir_(std::move(dir)),
        block_cache_(o.block_cache),
        map_tables_(o.map_tables),
        cmp_(cmp),
        tables_(o.max_open_files, fitting_shard_bits(o.max_open_files, o.shard_bits)) {}

  // The open table of file `number` (size file_size; 0 asks the file system).
  result<table_ptr> find(std::uint64_t number, std::uint64_t file_size = 0) {
    if (table_ptr t = tables_.lookup(number)) return t;
    const std::filesystem::path p = dir_ / table_file_name(number);
    auto f = fs_->open(p, io::open_mode::read_only);
    if (!f) return f.status();
    if (file_size == 0) {
      auto n = (*f)->size();
      if (!n) return n.status();
      file_size = *n;
    }
    auto t = table_type::open(std::move(*f), file_size, {.cache = block_cache_, .map = map_tables_}, cmp_);
    if (!t) return t.status();
    return tables_.insert(number, std::move(*t), 1);
  }

  // table::get on file `number`.
  ::jadekv::status get(std::uint64_t number, std::uint64_t file_size, const lookup_key& k, std::string& value,
                       get_result& r, const read_options& ro = {}) {
    auto t = find(number, file_size);
    if (!t) return t.status();
    return (*t)->get(k, value, r, ro);
  }

  // A cursor over file `number`; when it cannot be opened, one with no
  // entries whose status() says why.
  std::unique_ptr<::jadekv::detail::internal_iterator> new_iterator(std::uint64_t number, std::uint64_t file_size,
                                                                    const read_options& ro = {}) {
    auto t = find(number, file_size);
    if (!t) return std::make_unique<::jadekv::detail::error_iterator>(t.status());
    return (*t)->new_iterator(ro);
  }

  // Forgets file `number` (before it is deleted); readers holding it keep it.
  void evict(std::uint64_t number) { tables_.erase(number); }

  // Tables the cache holds open now.
  std::size_t open_tables() const { return tables_.size(); }
  std::size_t max_open_files() const noexcept { return tables_.capacity(); }
  std::uint64_t hits() const noexcept { return tables_.hits(); }
  std::uint64_t misses() const noexcept { return tables_.misses(); }
  const std::shared_ptr<block_cache>& blocks() const noexcept { return block_cache_; }

 private:
  static unsigned fitting_shard_bits(std::size_t capacity, unsigned bits) noexcept {
    while (bits > 0 && (capacity >> bits) < 4) --bits;
    return bits;
  }

  std::shared_ptr<io::file_system> fs_;
  std::filesystem::path dir_;
  std::shared_ptr<block_cache> block_cache_;
  bool map_tables_;
  Cmp cmp_;
  cache::lru<std::uint64_t, table_type> tables_;
};

}  // namespace jadekv::inline v0::index::sst
