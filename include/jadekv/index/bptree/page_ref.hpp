// page_ref: the bytes of one page or run, shared by the pool and every reader
// that holds them, with their reference count in front of them.
//
// Why not std::shared_ptr<char[]>: its control block sits after the array
// (libstdc++), 4 KiB from the page's header, so a reader taking a pooled page
// missed the cache twice before its search began: once on the count, then
// on the header, and the locked increment kept the second load from
// starting early. Here the count and the first bytes of the page share a
// cache line (a frame of page_memory starts on one), so taking the page
// fetches the line the search reads first.
//
// A page_ref is one pointer (a pool's table cell is an id and a page_ref:
// 16 bytes, four to a cache line). Layout of an allocation:
//   0   8   reference count
//   8   8   size(): bytes of the page or run
//  16  16   the page_memory the bytes came from (keeps it alive), or empty
//           when they came from operator new
//  32       the page or run
//
// Thread safety: as a std::shared_ptr: copies of one page_ref may be made
// and destroyed on any threads; the bytes are immutable once shared.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <utility>

#include "jadekv/index/bptree/format.hpp"
#include "jadekv/index/bptree/page_memory.hpp"

namespace jadekv::inline v0::index::detail::bptree {

// A template only so that units which do not use it do not compile it (README, "Build cost").
template <class = void>
class page_ref {
 public:
  page_ref() = default;
  page_ref(const page_ref& o) noexcept : block_(o.block_) {
    if (block_ != nullptr) block_->refs.fetch_add(1, std::memory_order_relaxed);
  }
  page_ref(page_ref&& o) noexcept : block_(std::exchange(o.block_, nullptr)) {}
  page_ref& operator=(page_ref o) noexcept {
    std::swap(block_, o.block_);
    return *this;
  }
  ~page_ref() { release(); }

  const char* data() const noexcept { return bytes(); }
  char* mutable_data() const noexcept { return bytes(); }
  std::size_t size() const noexcept { return block_ != nullptr ? block_->size : 0; }
  explicit operator bool() const noexcept { return block_ != nullptr; }
  page_type type() const noexcept { return header_type(bytes()); }
  std::uint16_t count() const noexcept { return header_count(bytes()); }

  // n bytes from operator new.
  static page_ref allocate(std::size_t n) { return make(n, nullptr); }
  // In a frame of `memory` when n is its page size (page_memory.hpp).
  static page_ref allocate(std::size_t n, const std::shared_ptr<page_memory<>>& memory) { return make(n, memory); }

 private:
  struct block {
    std::atomic<std::uint64_t> refs{1};
    std::size_t size = 0;
    std::shared_ptr<page_memory<>> memory;
  };
  static constexpr std::size_t k_block_bytes = sizeof(block);
  static_assert(k_block_bytes <= page_memory<>::k_overhead, "a frame has room for the count in front of its page");
  static_assert(alignof(block) <= alignof(std::max_align_t));

  explicit page_ref(block* b) noexcept : block_(b) {}

  char* bytes() const noexcept { return reinterpret_cast<char*>(block_) + k_block_bytes; }

  static page_ref make(std::size_t n, const std::shared_ptr<page_memory<>>& memory) {
    char* raw = memory != nullptr ? memory->take(k_block_bytes + n) : static_cast<char*>(::operator new(k_block_bytes + n));
    auto* b = ::new (raw) block{};
    b->size = n;
    b->memory = memory;
    return page_ref(b);
  }

  void release() noexcept {
    if (block_ == nullptr || block_->refs.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
    std::shared_ptr<page_memory<>> memory = std::move(block_->memory);
    const std::size_t n = k_block_bytes + block_->size;
    block_->~block();
    char* raw = reinterpret_cast<char*>(block_);
    if (memory != nullptr) memory->give(raw, n);
    else ::operator delete(raw);
  }

  block* block_ = nullptr;
};

}  // namespace jadekv::inline v0::index::detail::bptree
