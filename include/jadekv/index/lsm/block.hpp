// block: reading one data or index block (layout in table_format.hpp).
//
//   block_view     the parsed shape of a block's contents: where the entries
//                  end and the restart array begins; parse() checks the
//                  restart array once, so cursors can trust it
//   block          an immutable block read from a file: contents + trailer in
//                  one buffer, its view, and whether its crc was checked; the
//                  block cache holds these behind shared_ptr<const block>
//   block_cursor   a cursor over the entries of a view: seek by binary search
//                  over the restart points then a short linear scan, next,
//                  prev; keys are rebuilt in a reused buffer
//
// Thread safety: a block is immutable once built (its `verified` flag is an
// atomic that only goes from false to true) and may be shared by any number
// of threads; a cursor belongs to one thread.
//
// Invariants:
//   1. A cursor never reads outside [data, data + restarts_offset) for
//      entries nor outside the restart array; a malformed entry (truncated,
//      shared longer than the previous key, a key shorter than a tag or with
//      an unknown kind byte, a restart entry with shared != 0) makes the
//      cursor invalid with a corruption status.
//   2. Every key a valid cursor shows is a well-formed internal key.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

#include "jadekv/core/coding.hpp"
#include "jadekv/core/internal_key.hpp"
#include "jadekv/core/status.hpp"
#include "jadekv/index/lsm/table_format.hpp"

namespace jadekv::inline v0::index::sst {

// ---- block_view -----------------------------------------------------------

struct block_view {
  const char* data = nullptr;
  std::uint32_t restarts_offset = 0;  // entries occupy [0, restarts_offset)
  std::uint32_t num_restarts = 0;

  std::uint32_t restart_point(std::uint32_t i) const noexcept {
    return decode_fixed32(data + restarts_offset + 4 * static_cast<std::size_t>(i));
  }

  // Parses `contents`; false when the restart array is malformed (count
  // too large, restart[0] != 0, points not increasing or past the entries).
  static bool parse(std::string_view contents, block_view& out) noexcept {
    if (contents.size() < 8 || contents.size() > k_max_block_contents) return false;
    const std::uint32_t n = decode_fixed32(contents.data() + contents.size() - 4);
    const std::size_t room = (contents.size() - 4) / 4;
    if (n == 0 || n > room) return false;
    block_view v;
    v.data = contents.data();
    v.restarts_offset = static_cast<std::uint32_t>(contents.size() - 4 - 4 * static_cast<std::size_t>(n));
    v.num_restarts = n;
    if (v.restart_point(0) != 0) return false;
    std::uint32_t prev = 0;
    for (std::uint32_t i = 1; i < n; ++i) {
      const std::uint32_t r = v.restart_point(i);
      if (r <= prev || r >= v.restarts_offset) return false;
      prev = r;
    }
    out = v;
    return true;
  }
};

// ---- block ----------------------------------------------------------------

// A template only so that units which do not use it do not compile it (README, "Build cost").
template <class = void>
class block {
 public:
  // Takes `bytes`: `size` bytes of contents followed by the 5-byte trailer.
  // REQUIRES: view parsed from bytes[0, size).
  block(std::unique_ptr<char[]> bytes, std::size_t size, block_view view, bool verified) noexcept
      : bytes_(std::move(bytes)), size_(size), view_(view), verified_(verified) {}

  block(const block&) = delete;
  block& operator=(const block&) = delete;

  const block_view& view() const noexcept { return view_; }
  std::string_view contents() const noexcept { return {bytes_.get(), size_}; }
  // Bytes the block holds, for a cache's charge.
  std::size_t charge() const noexcept { return size_ + k_block_trailer_size + sizeof(block); }

  // Checks the trailer's crc once; later calls answer from a flag.
  bool verify() const noexcept {
    if (verified_.load(std::memory_order_acquire)) return true;
    if (!block_crc_matches(bytes_.get(), size_)) return false;
    verified_.store(true, std::memory_order_release);  // acquire/release: a reader of true sees a checked buffer
    return true;
  }

 private:
  std::unique_ptr<char[]> bytes_;
  std::size_t size_;
  block_view view_;
  mutable std::atomic<bool> verified_;
};

namespace detail {

// A growable byte buffer that keeps short keys inline: a cursor on the stack
// rebuilds keys without touching the heap. Not movable (data() points inside).
template <class = void>
class key_buffer {
 public:
  static constexpr std::size_t k_inline = 128;

  key_buffer() = default;
  key_buffer(const key_buffer&) = delete;
  key_buffer& operator=(const key_buffer&) = delete;

  const char* data() const noexcept { return heap_ ? heap_.get() : inline_; }
  std::size_t size() const noexcept { return size_; }
  std::string_view view() const noexcept { return {data(), size_}; }

  // Keeps the first n bytes (REQUIRES: n <= size()) and appends p[0, m).
  void assign_prefix(std::size_t n, const char* p, std::size_t m) {
    const std::size_t need = n + m;
    if (need > cap_) grow(need, n);
    char* d = heap_ ? heap_.get() : inline_;
    if (m != 0) std::memcpy(d + n, p, m);
    size_ = need;
  }
  void assign(std::string_view s) { assign_prefix(0, s.data(), s.size()); }
  void clear() noexcept { size_ = 0; }

 private:
  void grow(std::size_t need, std::size_t keep) {
    const std::size_t cap = std::max(need, 2 * cap_);
    auto fresh = std::make_unique<char[]>(cap);
    if (keep != 0) std::memcpy(fresh.get(), data(), keep);
    heap_ = std::move(fresh);
    cap_ = cap;
  }

  std::unique_ptr<char[]> heap_;
  std::size_t size_ = 0;
  std::size_t cap_ = k_inline;
  char inline_[k_inline];
};

}  // namespace detail

// ---- block_cursor ---------------------------------------------------------

template <class = void>
class block_cursor {
 public:
  block_cursor() = default;
  explicit block_cursor(const block_view& v) noexcept { reset(v); }

  // Points the cursor at another block; it is left invalid with an ok status.
  void reset(const block_view& v) noexcept {
    v_ = v;
    current_ = next_ = v.restarts_offset;
    key_.clear();
    value_ = {};
    status_ = {};
  }

  bool valid() const noexcept { return current_ < v_.restarts_offset; }
  const ::jadekv::status& status() const noexcept { return status_; }

  // The current entry. REQUIRES: valid().
  std::string_view key() const noexcept { return key_.view(); }
  std::string_view user_key() const noexcept { return {key_.data(), key_.size() - k_tag_size}; }
  std::uint64_t tag() const noexcept { return decode_fixed64(key_.data() + key_.size() - k_tag_size); }
  std::string_view value() const noexcept { return value_; }

  void seek_to_first() {
    seek_to_restart(0);
    parse_next();
  }

  void seek_to_last() {
    seek_to_restart(v_.num_restarts - 1);
    while (parse_next() && next_ < v_.restarts_offset) {
    }
  }

  // Lands on the first entry whose key is not before the target:
  // before(key) is true when the internal key sorts before the target.
  template <class Before>
  void seek(Before&& before) {
    std::uint32_t left = 0, right = v_.num_restarts - 1;
    while (left < right) {  // the last restart point whose key is before the target
      const std::uint32_t mid = left + (right - left + 1) / 2;
      std::string_view k;
      if (!restart_key(mid, k)) return;
      if (before(k)) left = mid;
      else right = mid - 1;
    }
    seek_to_restart(left);
    while (parse_next() && before(key_.view())) {
    }
  }

  // REQUIRES: valid().
  void next() { parse_next(); }

  // REQUIRES: valid().
  void prev() {
    const std::uint32_t original = current_;
    // Restart points before the current entry: restart[0, r).
    std::uint32_t lo = 0, hi = v_.num_restarts;
    while (lo < hi) {
      const std::uint32_t mid = lo + (hi - lo) / 2;
      if (v_.restart_point(mid) < original) lo = mid + 1;
      else hi = mid;
    }
    if (lo == 0) {  // the current entry is the first
      current_ = next_ = v_.restarts_offset;
      return;
    }
    seek_to_restart(lo - 1);
    while (parse_next() && next_ < original) {
    }
  }

 private:
  void seek_to_restart(std::uint32_t i) noexcept {
    key_.clear();
    next_ = v_.restart_point(i);
    current_ = v_.restarts_offset;  // invalid until parse_next succeeds
  }

  // Decodes the header of the entry at offset `at`; nullptr when it is malformed.
  const char* decode_header(std::uint32_t at, std::uint32_t& shared, std::uint32_t& unshared,
                            std::uint32_t& value_size) const noexcept {
    const char* p = v_.data + at;
    const char* limit = v_.data + v_.restarts_offset;
    if (limit - p < 3) return nullptr;
    shared = static_cast<unsigned char>(p[0]);
    unshared = static_cast<unsigned char>(p[1]);
    value_size = static_cast<unsigned char>(p[2]);
    if ((shared | unshared | value_size) < 128) {
      p += 3;
    } else {
      if ((p = decode_varint32(p, limit, shared)) == nullptr) return nullptr;
      if ((p = decode_varint32(p, limit, unshared)) == nullptr) return nullptr;
      if ((p = decode_varint32(p, limit, value_size)) == nullptr) return nullptr;
    }
    if (static_cast<std::uint64_t>(limit - p) < std::uint64_t{unshared} + value_size) return nullptr;
    return p;
  }

  static bool well_formed(const char* key, std::size_t n) noexcept {
    return n >= k_tag_size && is_valid_kind(static_cast<std::uint8_t>(key[n - k_tag_size]));
  }

  // The key of restart point i, read in place.
  bool restart_key(std::uint32_t i, std::string_view& k) {
    std::uint32_t shared, unshared, value_size;
    const char* p = decode_header(v_.restart_point(i), shared, unshared, value_size);
    if (p == nullptr || shared != 0 || !well_formed(p, unshared)) {
      corrupt();
      return false;
    }
    k = {p, unshared};
    return true;
  }

  // Moves to the entry at next_; false at the end or on corruption.
  bool parse_next() {
    if (next_ >= v_.restarts_offset) {  // past the last entry
      current_ = next_ = v_.restarts_offset;
      return false;
    }
    const std::uint32_t at = next_;
    std::uint32_t shared, unshared, value_size;
    const char* p = decode_header(at, shared, unshared, value_size);
    if (p == nullptr || shared > key_.size()) return corrupt();
    key_.assign_prefix(shared, p, unshared);
    if (!well_formed(key_.data(), key_.size())) return corrupt();
    value_ = {p + unshared, value_size};
    current_ = at;
    next_ = static_cast<std::uint32_t>(p + unshared + value_size - v_.data);
    return true;
  }

  [[gnu::cold]] bool corrupt() {
    current_ = next_ = v_.restarts_offset;
    key_.clear();
    value_ = {};
    if (status_.ok()) status_ = ::jadekv::status::corruption("table block: malformed entry");
    return false;
  }

  block_view v_;
  std::uint32_t current_ = 0;        // offset of the current entry; restarts_offset when invalid
  std::uint32_t next_ = 0;           // offset of the entry after it
  detail::key_buffer<> key_;
  std::string_view value_;
  ::jadekv::status status_;
};

}  // namespace jadekv::inline v0::index::sst
