// pager: one bptree data file as pages: positioned reads through the buffer
// pool, checksum and structure checks on every page that enters memory, and
// the page writes of a commit, coalesced into runs of adjacent pages.
//
// Thread safety: load_node and load_run may be called from any thread at
// once (they read through their own handle, `reader`). Everything that
// writes (the write_* members, sync) goes through a second handle and needs
// the store's writer lock; the file system contract lets two handles of one
// file be used concurrently.
//
// Invariants:
//   1. A page_ref handed out by load_node passed validate_node() for the
//      file's page count at load time; one from load_run passed the
//      checksum, type, id and length checks of its run.
//   2. write_pages() erases every page it writes from the pool before the
//      bytes reach the file, so no reader can find a stale cached copy of a
//      reused page id.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "jadekv/core/status.hpp"
#include "jadekv/detail/concat.hpp"
#include "jadekv/index/bptree/format.hpp"
#include "jadekv/index/bptree/node.hpp"
#include "jadekv/index/bptree/page_cache.hpp"
#include "jadekv/io/file_system.hpp"

namespace jadekv::inline v0::index::detail::bptree {

template <class Cmp>
class pager {
 public:
  pager(std::unique_ptr<io::file> reader, std::unique_ptr<io::file> writer, std::filesystem::path path,
        std::size_t page_size, std::size_t cache_bytes, const Cmp& cmp)
      : reader_(std::move(reader)),
        writer_(std::move(writer)),
        path_(std::move(path)),
        name_(path_.string()),
        page_size_(page_size),
        memory_(std::make_shared<page_memory<>>(page_size)),
        cache_(cache_bytes),
        cmp_(cmp) {}

  std::size_t page_size() const noexcept { return page_size_; }
  const std::string& name() const noexcept { return name_; }
  page_cache<>& cache() noexcept { return cache_; }

  // Memory for a page or run of n bytes that a read loads (page_memory.hpp).
  page_ref<> new_page(std::size_t n) const { return page_ref<>::allocate(n, memory_); }
  io::file& writer() noexcept { return *writer_; }
  io::file& reader() noexcept { return *reader_; }

  // The branch or leaf page `id`, checked against a file of page_count pages.
  // use_cache false reads the file even on a hit and caches nothing.
  status load_node(page_id id, std::uint64_t page_count, bool verify, bool use_cache, bool fill_cache,
                   page_ref<>& out) {
    if (use_cache) {
      out = cache_.find(id);
      if (out) {
        // Pages enter the pool validated for what they were read as; a
        // damaged file can name an overflow run's first page as a node.
        if (out.size() == page_size_ && (out.type() == page_type::leaf || out.type() == page_type::branch)) return {};
        out = {};
        return node_corruption(name_, id, "a node id that is the start of an overflow or free list run");
      }
    }
    if (id < k_first_data_page || id >= page_count) return node_corruption(name_, id, "page id out of range");
    page_ref<> p = new_page(page_size_);
    if (auto s = read(id, 1, p); !s.ok()) return s;
    if (auto s = check_node(p.data(), id, page_count, verify); !s.ok()) return s;
    if (use_cache && fill_cache) cache_.insert(id, p);
    out = std::move(p);
    return {};
  }

  // The run of `pages` pages at `id` of the given type (overflow, freelist).
  status load_run(page_id id, std::uint64_t pages, page_type type, std::uint64_t page_count, bool verify,
                  bool use_cache, bool fill_cache, page_ref<>& out) {
    if (use_cache) {
      out = cache_.find(id);
      if (out && out.size() == pages * page_size_ && out.type() == type) return {};
    }
    if (id < k_first_data_page || pages == 0 || id >= page_count || pages > page_count - id) {
      return node_corruption(name_, id, "run out of range");
    }
    page_ref<> p = new_page(static_cast<std::size_t>(pages * page_size_));
    if (auto s = read(id, pages, p); !s.ok()) return s;
    if (verify && !checksum_ok(p.data(), p.size())) return node_corruption(name_, id, "checksum mismatch");
    if (header_type(p.data()) != type) return node_corruption(name_, id, "unexpected page type");
    if (header_id(p.data()) != id) return node_corruption(name_, id, "page id mismatch (misplaced write)");
    if (header_extra(p.data()) != pages - 1) return node_corruption(name_, id, "run length mismatch");
    if (use_cache && fill_cache) cache_.insert(id, p);
    out = std::move(p);
    return {};
  }

  // The pages of the free list run at `id`, strictly ascending, each a data
  // page inside the file.
  status load_freelist(page_id id, std::uint64_t page_count, bool verify, std::vector<page_id>& ids,
                       std::uint64_t& run_length) {
    page_ref<> first = page_ref<>::allocate(page_size_);
    if (id < k_first_data_page || id >= page_count) return node_corruption(name_, id, "free list id out of range");
    if (auto s = read(id, 1, first); !s.ok()) return s;
    const std::uint64_t pages = std::uint64_t{header_extra(first.data())} + 1;
    page_ref<> run;
    if (auto s = load_run(id, pages, page_type::freelist, page_count, verify, false, false, run); !s.ok()) return s;
    const char* p = run.data() + k_header_size;
    const std::uint64_t room = (run.size() - k_header_size - 8) / 8;
    const std::uint64_t n = decode_fixed64(p);
    if (n > room) return node_corruption(name_, id, "free list count past its run");
    ids.clear();
    ids.reserve(static_cast<std::size_t>(n));
    for (std::uint64_t i = 0; i < n; ++i) {
      const page_id f = decode_fixed64(p + 8 + 8 * i);
      if (f < k_first_data_page || f >= page_count || (!ids.empty() && f <= ids.back())) {
        return node_corruption(name_, id, jadekv::detail::concat({"bad free page id ", f}));
      }
      ids.push_back(f);
    }
    run_length = pages;
    return {};
  }

  // Writes pages (each entry one page or run, keyed by its first id) to the
  // file, adjacent ones in one call. Runs are offered to the pool as they
  // are (the commit's own buffers: no copy, no fresh memory); branch and
  // leaf pages, which the pool keeps in its frames, are remembered for
  // warm_written(). Only ids no view reaches are written (the free list's
  // rule), so no reader can meet them before the commit's meta page.
  status write_pages(const std::map<page_id, page_ref<>>& pages) {
    for (const auto& [id, p] : pages) cache_.erase(id);
    std::string batch;
    page_id start = 0, next = 0;
    auto drain = [&]() -> status {
      if (batch.empty()) return {};
      auto s = writer_->write_at(start * page_size_, batch);
      // The commit's fsync then waits for what is still in flight, not for
      // all of it: the device works while the commit encodes its next pages.
      if (s.ok()) writer_->start_writeback(start * page_size_, batch.size());
      batch.clear();
      return s.ok() ? s : failed(s, "write");
    };
    for (const auto& [id, p] : pages) {
      if (batch.empty() || id != next || batch.size() >= k_max_write) {
        if (auto s = drain(); !s.ok()) return s;
        start = id;
      }
      batch.append(p.data(), p.size());
      next = id + p.size() / page_size_;
    }
    if (auto s = drain(); !s.ok()) return s;
    for (const auto& [id, p] : pages) {
      const bool node = p.size() == page_size_ && (p.type() == page_type::leaf || p.type() == page_type::branch);
      if (!node) cache_.offer(id, p);
      else if (written_.size() * page_size_ < cache_.budget()) written_.push_back(id);  // more would not fit
    }
    return {};
  }

  // Offers the branch and leaf pages written since the last call to the
  // pool: read back (from the OS page cache, which the writes just filled)
  // into page memory's frames and checked as load_node checks a page. So
  // the next reads of a freshly flushed tree hit, as LMDB's do in the OS
  // page cache. (A page a later commit of the same flush freed may go in
  // too: no reader looks it up, and writing its id again erases it first.)
  //
  // Why not at write time: the frames of a growing pool are fresh memory,
  // which costs about 1 ns a byte here (the kernel clears each huge page),
  // a quarter of a sequential load's flush. Done after the flush, it no
  // longer delays a writer waiting for that flush (the engine calls this
  // through store::after_flush). A page that fails its checks is left out;
  // a reader that needs it reports the error.
  void warm_written(std::uint64_t page_count, bool verify) {
    std::vector<page_id> ids = std::exchange(written_, {});
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    std::string run;
    for (std::size_t i = 0; i < ids.size();) {
      std::size_t n = 1;  // adjacent ids, read in one call
      while (i + n < ids.size() && ids[i + n] == ids[i] + n && n * page_size_ < k_max_write) ++n;
      run.resize(n * page_size_);
      auto r = reader_->read_at(ids[i] * page_size_, run.size(), run.data());
      const std::size_t got = r ? r->size() / page_size_ : 0;
      for (std::size_t k = 0; k < got; ++k) {
        const char* page = r->data() + k * page_size_;
        const page_id id = ids[i + k];
        if (!check_node(page, id, page_count, verify).ok()) continue;
        cache_.offer(id, page_size_, [&] {
          page_ref<> framed = new_page(page_size_);
          std::memcpy(framed.mutable_data(), page, page_size_);
          return framed;
        });
      }
      i += n;
    }
  }

  status write_raw(std::uint64_t offset, std::string_view bytes) {
    auto s = writer_->write_at(offset, bytes);
    return s.ok() ? s : failed(s, "write");
  }

  status sync() {
    auto s = writer_->datasync();
    return s.ok() ? s : failed(s, "sync");
  }

 private:
  static constexpr std::size_t k_max_write = std::size_t{1} << 20;

  // The checks a branch or leaf page passes before the pool holds it
  // (invariant 1), whether a reader loaded it or a flush wrote it.
  status check_node(const char* page, page_id id, std::uint64_t page_count, bool verify) const {
    if (verify && !checksum_ok(page, page_size_)) return node_corruption(name_, id, "checksum mismatch");
    return validate_node(page, page_size_, id, page_count, cmp_, name_);
  }

  // s (not ok), saying which operation on which file failed.
  [[gnu::cold]] status failed(const status& s, std::string_view op) const {
    return s.with_context(jadekv::detail::concat({"bptree ", op, " ", name_}));
  }

  status read(page_id id, std::uint64_t pages, const page_ref<>& into) {
    const std::size_t n = static_cast<std::size_t>(pages * page_size_);
    auto r = reader_->read_at(id * page_size_, n, into.mutable_data());
    if (!r) return r.status().with_context(jadekv::detail::concat({"bptree read ", name_, " page ", id}));
    if (r->size() != n) return node_corruption(name_, id, "page past the end of the file");
    if (r->data() != into.data()) std::memmove(into.mutable_data(), r->data(), n);
    return {};
  }

  std::unique_ptr<io::file> reader_;
  std::unique_ptr<io::file> writer_;
  std::filesystem::path path_;
  std::string name_;
  std::size_t page_size_;
  std::shared_ptr<page_memory<>> memory_;  // before cache_: pooled pages die first
  page_cache<> cache_;
  std::vector<page_id> written_;  // branch and leaf pages written, not yet offered (writer lock)
  Cmp cmp_;
};

}  // namespace jadekv::inline v0::index::detail::bptree
