// table_source: how the LSM store reaches the table layer (index::sst): the
// open tables of a directory, kept in an LRU of at most max_open_files
// entries, and the few calls the store makes on a table. Every use of the
// table layer by the store goes through here.
//
// Thread safety: every member may be called from any thread. A table handed
// out stays usable after it leaves the cache or its file is removed (it holds
// its file handle).
//
// Invariants:
//   1. At most one open table per file number is in the cache; two threads
//      that miss together may both open the file, and one copy is kept.
//   2. The cache holds at most max(1, max_open_files) tables.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>

#include "jadekv/core/read_options.hpp"
#include "jadekv/core/result.hpp"
#include "jadekv/core/status.hpp"
#include "jadekv/detail/internal_iterator.hpp"
#include "jadekv/index/lsm/block_cache.hpp"
#include "jadekv/index/lsm/manifest_file_names.hpp"
#include "jadekv/index/lsm/table.hpp"
#include "jadekv/index/lsm/table_builder.hpp"
#include "jadekv/index/lsm/table_options.hpp"
#include "jadekv/index/lsm/version_edit.hpp"
#include "jadekv/io/file_system.hpp"

namespace jadekv::inline v0::index::lsm_detail {

template <class Cmp>
using table_ptr = std::shared_ptr<const sst::table<Cmp>>;

inline std::string table_name(std::uint64_t number) { return padded_file_number(number) + std::string(k_table_suffix); }

template <class Cmp>
class table_source {
 public:
  table_source(std::shared_ptr<io::file_system> fs, std::filesystem::path dir, std::size_t max_open_files,
               std::shared_ptr<sst::block_cache> cache, const Cmp& cmp)
      : fs_(std::move(fs)),
        dir_(std::move(dir)),
        capacity_(max_open_files == 0 ? 1 : max_open_files),
        cache_(std::move(cache)),
        cmp_(cmp) {}

  // The open table of f, opening it on a miss.
  result<table_ptr<Cmp>> find(const file_meta& f) {
    {
      std::lock_guard g(mu_);
      if (auto it = map_.find(f.number); it != map_.end()) {
        lru_.splice(lru_.begin(), lru_, it->second.pos);
        return it->second.table;
      }
    }
    const std::string name = table_name(f.number);
    auto file = fs_->open(dir_ / name, io::open_mode::read_only);
    if (!file) return file.status().with_context("lsm: open table " + name);
    sst::table_open_options o;
    o.cache = cache_;
    auto t = sst::table<Cmp>::open(std::move(*file), f.size, o, cmp_);
    if (!t) return t.status().with_context("lsm: table " + name);
    std::lock_guard g(mu_);
    if (auto it = map_.find(f.number); it != map_.end()) return it->second.table;
    lru_.push_front(f.number);
    map_.emplace(f.number, entry{*t, lru_.begin()});
    while (map_.size() > capacity_) {
      map_.erase(lru_.back());
      lru_.pop_back();
    }
    return std::move(*t);
  }

  // A cursor over f's entries; it keeps the table open.
  result<std::unique_ptr<::jadekv::detail::internal_iterator>> open_iterator(const file_meta& f, const read_options& ro) {
    auto t = find(f);
    if (!t) return t.status();
    return (*t)->new_iterator(ro);
  }

  void evict(std::uint64_t number) {
    std::lock_guard g(mu_);
    if (auto it = map_.find(number); it != map_.end()) {
      lru_.erase(it->second.pos);
      map_.erase(it);
    }
  }

  std::uint64_t cache_hits() const { return cache_ ? cache_->hits() : 0; }
  std::uint64_t cache_misses() const { return cache_ ? cache_->misses() : 0; }

 private:
  struct entry {
    table_ptr<Cmp> table;
    std::list<std::uint64_t>::iterator pos;
  };

  std::shared_ptr<io::file_system> fs_;
  std::filesystem::path dir_;
  std::size_t capacity_;
  std::shared_ptr<sst::block_cache> cache_;
  Cmp cmp_;
  std::mutex mu_;
  std::list<std::uint64_t> lru_;  // GUARDED_BY(mu_), most recent first
  std::unordered_map<std::uint64_t, entry> map_;  // GUARDED_BY(mu_)
};

}  // namespace jadekv::inline v0::index::lsm_detail
