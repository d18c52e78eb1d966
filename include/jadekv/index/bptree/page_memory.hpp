// page_memory: the memory that the pages a bptree file's readers load live
// in, in the pool and out of it.
//
// Why: a lookup touches two or three pages the pool holds among hundreds of
// MiB of them. Each page allocated on its own sits on its own 4 KiB page of
// memory, so every touch also misses the TLB and walks the page tables.
// Carving pages out of 2 MiB chunks advised as huge pages
// (io/huge_pages.hpp) puts 500 of them under one TLB entry: random reads
// of a 1M-entry tree 10-12% faster here (LMDB, reading its map of the page
// cache, cannot have this).
//
// A frame holds one page of the file's page size and page_ref's count in
// front of it (page_ref::allocate asks for a few bytes more than the page).
// Requests of any other size (overflow and free list runs) go to operator
// new. Freed frames are kept for the next page and reused first; chunks go
// back to the system when the page_memory dies, which is when the last page
// allocated from it dies (each page_ref holds it). What is
// kept is at most the most loaded pages ever alive at once: the pool's
// budget and what readers hold.
//
// The pages a commit writes do not come from here: a fault on a fresh huge
// page costs the writer a 2 MiB clear (and, under the kernel's "madvise"
// defrag mode, a compaction), and a sequential load that carved its pages
// from chunks ran 20% slower (jadekv_bench fillseq, 1M entries, 0.44 ->
// 0.54 us per put).
//
// Thread safety: take() and give() may be called from any thread.
//
// Invariants:
//   1. A frame is either on the free list or holds exactly one live page.
//   2. Every chunk is k_chunk_bytes, aligned to io::k_huge_page_size.
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <new>
#include <vector>

#include "jadekv/io/huge_pages.hpp"

namespace jadekv::inline v0::index::detail::bptree {

// A template only so that units which do not use it do not compile it (README, "Build cost").
template <class = void>
class page_memory {
 public:
  // Room in front of a page for page_ref's count; a whole cache line, so
  // that every frame starts on one.
  static constexpr std::size_t k_overhead = 64;
  static constexpr std::size_t k_chunk_bytes = io::k_huge_page_size;

  explicit page_memory(std::size_t page_size) noexcept : frame_bytes_(page_size + k_overhead) {}
  page_memory(const page_memory&) = delete;
  page_memory& operator=(const page_memory&) = delete;
  ~page_memory() {
    for (char* c : chunks_) ::operator delete[](c, std::align_val_t{io::k_huge_page_size});
  }

  char* take(std::size_t n) {
    if (!is_frame(n)) return static_cast<char*>(::operator new(n));
    std::lock_guard g(mu_);
    if (free_.empty()) carve();
    char* f = free_.back();
    free_.pop_back();
    return f;
  }

  // REQUIRES: p came from take(n).
  void give(char* p, std::size_t n) noexcept {
    if (!is_frame(n)) {
      ::operator delete(p);
      return;
    }
    std::lock_guard g(mu_);
    free_.push_back(p);  // never reallocates: reserved for every frame carved
  }

  std::size_t chunk_count() {
    std::lock_guard g(mu_);
    return chunks_.size();
  }

 private:
  bool is_frame(std::size_t n) const noexcept { return n <= frame_bytes_ && n + k_overhead > frame_bytes_; }

  // REQUIRES: mu_ held. Adds a chunk's frames to the free list.
  void carve() {
    const std::size_t frames = k_chunk_bytes / frame_bytes_;
    free_.reserve((chunks_.size() + 1) * frames);
    chunks_.reserve(chunks_.size() + 1);
    auto* c = static_cast<char*>(::operator new[](k_chunk_bytes, std::align_val_t{io::k_huge_page_size}));
    io::advise_huge_pages(c, k_chunk_bytes);
    chunks_.push_back(c);
    for (std::size_t i = frames; i-- > 0;) free_.push_back(c + i * frame_bytes_);
  }

  std::mutex mu_;
  std::vector<char*> free_;    // GUARDED_BY(mu_); capacity >= every frame carved
  std::vector<char*> chunks_;  // GUARDED_BY(mu_)
  const std::size_t frame_bytes_;
};

}  // namespace jadekv::inline v0::index::detail::bptree
