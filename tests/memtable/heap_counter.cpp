// Replaces the global operator new/delete family with versions that count the
// requested bytes (in a header in front of each block), so tests can compare
// memory_usage() with what the heap really holds for a memtable.
#include "heap_counter.hpp"

#include <atomic>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <new>

namespace {

std::atomic<std::int64_t> g_live{0};

// Header in front of the block: the requested size and the header's own size.
constexpr std::size_t k_min_header = 16;

void* counted_alloc(std::size_t n, std::size_t align) noexcept {
  const std::size_t header = align < k_min_header ? k_min_header : align;
  const std::size_t total = (n + header + header - 1) / header * header;
  void* raw = std::aligned_alloc(header, total);
  if (raw == nullptr) return nullptr;
  char* user = static_cast<char*>(raw) + header;
  std::memcpy(user - 16, &n, sizeof n);
  std::memcpy(user - 8, &header, sizeof header);
  g_live.fetch_add(static_cast<std::int64_t>(n), std::memory_order_relaxed);
  return user;
}

void* counted_alloc_or_throw(std::size_t n, std::size_t align) {
  void* p = counted_alloc(n, align);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}

void counted_free(void* p) noexcept {
  if (p == nullptr) return;
  char* user = static_cast<char*>(p);
  std::size_t n = 0;
  std::size_t header = 0;
  std::memcpy(&n, user - 16, sizeof n);
  std::memcpy(&header, user - 8, sizeof header);
  g_live.fetch_sub(static_cast<std::int64_t>(n), std::memory_order_relaxed);
  std::free(user - header);
}

constexpr std::size_t k_default_align = __STDCPP_DEFAULT_NEW_ALIGNMENT__;

}  // namespace

std::int64_t heap_counter::live_bytes() noexcept { return g_live.load(std::memory_order_relaxed); }

void* operator new(std::size_t n) { return counted_alloc_or_throw(n, k_default_align); }
void* operator new[](std::size_t n) { return counted_alloc_or_throw(n, k_default_align); }
void* operator new(std::size_t n, std::align_val_t a) { return counted_alloc_or_throw(n, static_cast<std::size_t>(a)); }
void* operator new[](std::size_t n, std::align_val_t a) { return counted_alloc_or_throw(n, static_cast<std::size_t>(a)); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept { return counted_alloc(n, k_default_align); }
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept { return counted_alloc(n, k_default_align); }
void* operator new(std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  return counted_alloc(n, static_cast<std::size_t>(a));
}
void* operator new[](std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  return counted_alloc(n, static_cast<std::size_t>(a));
}

void operator delete(void* p) noexcept { counted_free(p); }
void operator delete[](void* p) noexcept { counted_free(p); }
void operator delete(void* p, std::size_t) noexcept { counted_free(p); }
void operator delete[](void* p, std::size_t) noexcept { counted_free(p); }
void operator delete(void* p, std::align_val_t) noexcept { counted_free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { counted_free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { counted_free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { counted_free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { counted_free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { counted_free(p); }
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { counted_free(p); }
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept { counted_free(p); }
