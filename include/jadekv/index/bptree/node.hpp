// bptree node: the slotted branch and leaf pages of format.hpp, seen two
// ways: unchecked accessors and binary searches over a page that
// validate_node() accepted; and the in-memory items a commit builds pages
// from (leaf_item, branch_item) with their exact encoded sizes and the
// encoder.
//
// Thread safety: pure functions over immutable pages.
//
// Invariants:
//   1. The unchecked accessors are only called on pages validate_node()
//      accepted (every slot, varint and length inside the page, keys strictly
//      ascending, each beginning with the page's prefix and matching its
//      slot's head, child and overflow ids inside the file), so they never
//      read past the page whatever the file held, and a search by heads
//      finds what a search by keys finds.
//   2. No single cell takes more than max_cell() bytes with its slot, so any
//      page holds at least four cells and a split always succeeds.
#pragma once

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "jadekv/core/coding.hpp"
#include "jadekv/core/comparator.hpp"
#include "jadekv/core/internal_key.hpp"
#include "jadekv/core/status.hpp"
#include "jadekv/detail/concat.hpp"
#include "jadekv/index/bptree/format.hpp"
#include "jadekv/index/bptree/page_ref.hpp"

namespace jadekv::inline v0::index::detail::bptree {

// Asks for every cache line holding a byte of [begin, end). By lines of the
// address, not of the page: a page starts inside a line (page_ref.hpp).
inline void prefetch_lines(const char* begin, const char* end) noexcept {
  const std::uintptr_t start = reinterpret_cast<std::uintptr_t>(begin);
  for (const char* line = begin - start % 64; line < end; line += 64) __builtin_prefetch(line);
}

// ---- sizes -----------------------------------------------------------------

// The largest cell plus its slot a page of size p accepts (invariant 2).
constexpr std::size_t max_cell(std::size_t p) noexcept { return (p - k_header_size) / 4; }

// The longest user key a tree of page size p stores: a leaf cell with an
// overflow value and a branch cell must both stay within max_cell().
constexpr std::size_t max_key_size(std::size_t p) noexcept {
  return max_cell(p) - k_slot_size - (k_max_varint32_bytes + 1 + k_max_varint64_bytes + k_max_varint32_bytes + 8);
}

constexpr std::size_t vlen(std::uint64_t v) noexcept { return static_cast<std::size_t>(varint_length(v)); }

// A leaf entry as a commit holds it: views into a pinned page or into the
// flush's copy of the memtable entries.
struct leaf_item {
  std::string_view key;
  sequence_number seq = 0;
  std::string_view value;        // the value bytes when not yet in a run (new puts)
  std::uint32_t value_len = 0;   // total value bytes
  page_id overflow = 0;          // the run already holding the value, 0 if none
  bool spill = false;            // the value lives (or will live) in an overflow run

  // Encoded cell size plus its slot.
  std::size_t size() const noexcept {
    const std::size_t head = vlen(key.size()) + key.size() + 1 + vlen(seq) + vlen(value_len);
    return k_slot_size + head + (spill ? 8 : value_len);
  }
};

// Whether a value of this length must go to an overflow run.
inline bool needs_spill(std::size_t page_size, std::string_view key, sequence_number seq, std::size_t value_len) {
  const std::size_t inline_size =
      k_slot_size + vlen(key.size()) + key.size() + 1 + vlen(seq) + vlen(value_len) + value_len;
  return inline_size > max_cell(page_size);
}

struct branch_item {
  std::string_view key;
  page_id child = 0;

  std::size_t size() const noexcept { return k_slot_size + vlen(key.size()) + key.size() + 8; }
};

// ---- key heads and page prefixes (format.hpp) -----------------------------

// The four bytes of key after its first `skip` as a big-endian number, zeros
// past its end. REQUIRES: skip <= key.size().
inline std::uint32_t key_head(std::string_view key, std::size_t skip) noexcept {
  std::uint32_t h = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    const std::size_t at = skip + i;
    h = (h << 8) | (at < key.size() ? static_cast<unsigned char>(key[at]) : 0u);
  }
  return h;
}

// Eight bytes a step: a flush measures it against every key it packs.
inline std::size_t common_prefix(std::string_view a, std::string_view b, std::size_t cap) noexcept {
  const std::size_t n = std::min({a.size(), b.size(), cap});
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    std::uint64_t x, y;
    std::memcpy(&x, a.data() + i, 8);
    std::memcpy(&y, b.data() + i, 8);
    if (x != y) {
      const std::uint64_t d = x ^ y;  // the first differing byte is the lowest one in memory order
      return i + static_cast<std::size_t>(std::endian::native == std::endian::little ? std::countr_zero(d)
                                                                                      : std::countl_zero(d)) / 8;
    }
  }
  while (i < n && a[i] == b[i]) ++i;
  return i;
}

// The prefix length a page of these sorted items records: what their first
// and last keys share, at most k_max_prefix, and only as much as the page
// has room for beside its slots and cells (`used` bytes). A page with no
// room left records none; its heads are then its keys' first bytes.
template <class Item>
std::size_t prefix_for(std::span<const Item> items, std::size_t used, std::size_t page_size) noexcept {
  if (items.empty() || used >= page_size) return 0;
  return std::min(common_prefix(items.front().key, items.back().key, k_max_prefix), page_size - used);
}

// ---- unchecked accessors (REQUIRE: the page passed validate_node) ------------

inline const char* cell_at(const char* p, std::size_t i) noexcept {
  return p + decode_fixed16(p + k_header_size + k_slot_size * i);
}

inline std::uint32_t slot_head(const char* p, std::size_t i) noexcept {
  return decode_fixed32(p + k_header_size + k_slot_size * i + 2);
}

// The bytes every key of the page begins with (format.hpp).
inline std::string_view page_prefix(const char* p) noexcept {
  return {p + k_header_size + k_slot_size * header_count(p), header_prefix(p)};
}

// A key length of two or more varint bytes (keys of 128 bytes and more).
[[gnu::noinline]] inline const char* decode_long_key_length(const char* c, std::uint32_t& n) noexcept {
  return decode_varint32(c, c + k_max_varint32_bytes, n);
}

// The key of cell i and, through `rest`, the first byte after it. Inlined
// into the binary searches: it runs for every probe of every page a read
// passes.
[[gnu::always_inline]] inline std::string_view cell_key(const char* p, std::size_t i,
                                                        const char** rest = nullptr) noexcept {
  const char* c = cell_at(p, i);
  std::uint32_t n = static_cast<unsigned char>(*c);
  if (n < 0x80) [[likely]] {
    ++c;
  } else {
    c = decode_long_key_length(c, n);
  }
  if (rest != nullptr) *rest = c + n;
  return {c, n};
}

inline page_id branch_child(const char* p, std::size_t i) noexcept {
  const char* rest;
  (void)cell_key(p, i, &rest);
  return decode_fixed64(rest);
}

struct leaf_cell {
  std::string_view key;
  sequence_number seq = 0;
  std::uint32_t value_len = 0;
  std::string_view value;  // inline value; empty when in a run
  page_id overflow = 0;    // first page of the run, 0 when inline
};

// A varint inside a page validate_node() accepted, which decoded it within
// the page already (invariant 1): no bound to check again. A scan decodes
// two per entry.
[[gnu::always_inline]] inline const char* page_varint(const char* c, std::uint64_t& v) noexcept {
  std::uint64_t r = 0;
  for (unsigned shift = 0;; shift += 7) {
    const auto b = static_cast<unsigned char>(*c++);
    r |= std::uint64_t{b & 0x7fu} << shift;
    if (b < 0x80) break;
  }
  v = r;
  return c;
}

inline leaf_cell leaf_at(const char* p, std::size_t i) noexcept {
  leaf_cell out;
  const char* c;
  out.key = cell_key(p, i, &c);
  const auto flags = static_cast<unsigned char>(*c++);
  std::uint64_t seq = 0;
  c = page_varint(c, seq);
  out.seq = seq;
  std::uint64_t value_len = 0;
  c = page_varint(c, value_len);
  out.value_len = static_cast<std::uint32_t>(value_len);
  if ((flags & k_flag_overflow) != 0) {
    out.overflow = decode_fixed64(c);
  } else {
    out.value = {c, out.value_len};
  }
  return out;
}

inline leaf_item leaf_item_at(const char* p, std::size_t i) noexcept {
  const leaf_cell c = leaf_at(p, i);
  return {c.key, c.seq, c.value, c.value_len, c.overflow, c.overflow != 0};
}

// The number of cells whose key is < key, or <= key with OrEqual, by the
// comparator on the cells. Each probe reads a cell the page has not had
// cached: before comparing, it starts fetching both cells the next probe
// may read, so that probe's miss overlaps this one's.
template <bool OrEqual, class Cmp>
std::size_t cells_before_by_cells(const char* p, std::size_t lo, std::size_t hi, std::string_view key,
                                  const Cmp& cmp) noexcept {
  while (lo < hi) {
    const std::size_t mid = lo + (hi - lo) / 2;
    if (lo < mid) __builtin_prefetch(cell_at(p, lo + (mid - lo) / 2));
    if (mid + 1 < hi) __builtin_prefetch(cell_at(p, mid + 1 + (hi - mid - 1) / 2));
    const int c = cmp.compare(cell_key(p, mid), key);
    if (OrEqual ? c <= 0 : c < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

// The same for the bytewise order, from the slots: a key outside the page's
// prefix is below or above every cell; otherwise the cells whose heads are
// below key's head are below it, those above are above, and only cells of
// an equal head (usually at most one) are compared whole.
template <bool OrEqual>
std::size_t cells_before_by_heads(const char* p, std::string_view key) noexcept {
  const std::size_t count = header_count(p);
  const std::string_view prefix = page_prefix(p);
  // The probes below read a chain of slot lines, each depending on the
  // last: ask for all of them at once, so their misses overlap.
  prefetch_lines(p, prefix.data() + prefix.size());
  const std::size_t shared = std::min(prefix.size(), key.size());
  if (const int c = shared == 0 ? 0 : std::memcmp(key.data(), prefix.data(), shared); c != 0) return c < 0 ? 0 : count;
  if (key.size() < prefix.size()) return 0;  // a proper prefix of every key
  const std::uint32_t h = key_head(key, prefix.size());
  std::size_t lo = 0, hi = count;
  while (lo < hi) {
    const std::size_t mid = lo + (hi - lo) / 2;
    if (slot_head(p, mid) < h) lo = mid + 1;
    else hi = mid;
  }
  std::size_t end = lo;
  while (end < count && slot_head(p, end) == h) ++end;
  return cells_before_by_cells<OrEqual>(p, lo, end, key, bytewise_comparator{});
}

template <bool OrEqual, class Cmp>
std::size_t cells_before(const char* p, std::string_view key, const Cmp& cmp) noexcept {
  if constexpr (std::is_same_v<Cmp, bytewise_comparator>) {
    return cells_before_by_heads<OrEqual>(p, key);
  } else {
    return cells_before_by_cells<OrEqual>(p, 0, header_count(p), key, cmp);
  }
}

// First cell whose key is >= key (count when none).
template <class Cmp>
std::size_t lower_bound(const char* p, std::string_view key, const Cmp& cmp) noexcept {
  return cells_before<false>(p, key, cmp);
}

// The child of a branch whose range holds key: the last cell with a key <=
// key, or cell 0 when key is below them all.
template <class Cmp>
std::size_t child_index(const char* p, std::string_view key, const Cmp& cmp) noexcept {
  const std::size_t n = cells_before<true>(p, key, cmp);
  return n == 0 ? 0 : n - 1;
}

// ---- validation ----------------------------------------------------------

[[gnu::cold]] inline status node_corruption(std::string_view file, page_id id, std::string_view what) {
  return status::corruption(jadekv::detail::concat({file, ": page ", id, ": ", what}));
}

// Checks that the branch or leaf page `id` (of a file of page_count pages)
// is whole and self-consistent, so the accessors above are safe on it.
template <class Cmp>
status validate_node(const char* p, std::size_t page_size, page_id id, std::uint64_t page_count, const Cmp& cmp,
                     std::string_view file) {
  const page_type t = header_type(p);
  if (t != page_type::branch && t != page_type::leaf) return node_corruption(file, id, "not a branch or leaf page");
  if (header_id(p) != id) return node_corruption(file, id, "page id mismatch (misplaced write)");
  if (header_extra(p) != 0 || decode_fixed32(p + 20) != 0) return node_corruption(file, id, "bad header");
  const std::size_t count = header_count(p);
  if (count == 0) return node_corruption(file, id, "empty node");
  const std::size_t plen = header_prefix(p);
  if (plen > k_max_prefix) return node_corruption(file, id, "prefix longer than the format allows");
  const std::size_t cells_begin = k_header_size + k_slot_size * count + plen;
  if (cells_begin > page_size) return node_corruption(file, id, "slot array past the page");
  const std::string_view prefix = page_prefix(p);
  const char* limit = p + page_size;
  std::string_view prev;
  for (std::size_t i = 0; i < count; ++i) {
    const std::size_t off = decode_fixed16(p + k_header_size + k_slot_size * i);
    if (off < cells_begin || off >= page_size) return node_corruption(file, id, "cell offset out of range");
    const char* c = p + off;
    std::uint32_t klen = 0;
    c = decode_varint32(c, limit, klen);
    if (c == nullptr || klen > static_cast<std::size_t>(limit - c)) return node_corruption(file, id, "truncated key");
    const std::string_view key(c, klen);
    c += klen;
    if (i > 0 && cmp.compare(prev, key) >= 0) return node_corruption(file, id, "keys out of order");
    if (!key.starts_with(prefix)) return node_corruption(file, id, "key without the page's prefix");
    if (slot_head(p, i) != key_head(key, plen)) return node_corruption(file, id, "key head does not match its key");
    prev = key;
    if (t == page_type::branch) {
      if (limit - c < 8) return node_corruption(file, id, "truncated child id");
      const page_id child = decode_fixed64(c);
      if (child < k_first_data_page || child >= page_count) return node_corruption(file, id, "child id out of range");
      continue;
    }
    if (c >= limit) return node_corruption(file, id, "truncated cell");
    const auto flags = static_cast<unsigned char>(*c++);
    if ((flags & ~k_flag_overflow) != 0) return node_corruption(file, id, "unknown cell flags");
    std::uint64_t seq = 0;
    std::uint32_t len = 0;
    c = decode_varint64(c, limit, seq);
    if (c == nullptr || seq > k_max_sequence) return node_corruption(file, id, "bad sequence");
    c = decode_varint32(c, limit, len);
    if (c == nullptr) return node_corruption(file, id, "bad value length");
    if ((flags & k_flag_overflow) != 0) {
      if (limit - c < 8) return node_corruption(file, id, "truncated overflow id");
      const page_id run = decode_fixed64(c);
      if (run < k_first_data_page || run >= page_count || run_pages(page_size, len) > page_count - run) {
        return node_corruption(file, id, "overflow run out of range");
      }
    } else if (len > static_cast<std::size_t>(limit - c)) {
      return node_corruption(file, id, "truncated value");
    }
  }
  return {};
}

// ---- encoding ------------------------------------------------------------

// Bytes a node of these items takes (header, slots and cells).
template <class Item>
std::size_t node_bytes(std::span<const Item> items) noexcept {
  std::size_t n = k_header_size;
  for (const auto& it : items) n += it.size();
  return n;
}

// One slot (format.hpp); returns the next.
inline char* encode_slot(char* slot, std::size_t cell_offset, std::string_view key, std::size_t plen) noexcept {
  encode_fixed16(slot, static_cast<std::uint16_t>(cell_offset));
  encode_fixed32(slot + 2, key_head(key, plen));
  return slot + k_slot_size;
}

// Writes the prefix after the slots, zeroes the free gap and seals the page.
inline void finish_node(char* p, std::size_t page_size, char* slots_end, std::size_t cells_begin,
                        std::string_view prefix) noexcept {
  if (!prefix.empty()) std::memcpy(slots_end, prefix.data(), prefix.size());
  char* gap = slots_end + prefix.size();
  std::memset(gap, 0, static_cast<std::size_t>(p + cells_begin - gap));
  seal(p, page_size);
}

// Writes a leaf page. REQUIRES: node_bytes(items) <= page_size; every spilled
// item has its run id in `overflow`.
inline void encode_leaf(char* p, std::size_t page_size, page_id id, std::span<const leaf_item> items) noexcept {
  write_header(p, page_type::leaf, static_cast<std::uint16_t>(items.size()), id, 0);
  const std::size_t plen = prefix_for(items, node_bytes(items), page_size);
  p[k_off_prefix] = static_cast<char>(plen);
  std::size_t top = page_size;
  char* slot = p + k_header_size;
  for (const auto& it : items) {
    const std::size_t cell = it.size() - k_slot_size;
    top -= cell;
    char* c = p + top;
    c = encode_varint32(c, static_cast<std::uint32_t>(it.key.size()));
    if (!it.key.empty()) std::memcpy(c, it.key.data(), it.key.size());
    c += it.key.size();
    *c++ = static_cast<char>(it.spill ? k_flag_overflow : 0);
    c = encode_varint64(c, it.seq);
    c = encode_varint32(c, it.value_len);
    if (it.spill) {
      encode_fixed64(c, it.overflow);
    } else if (it.value_len != 0) {
      std::memcpy(c, it.value.data(), it.value_len);
    }
    slot = encode_slot(slot, top, it.key, plen);
  }
  finish_node(p, page_size, slot, top, items.front().key.substr(0, plen));
}

inline void encode_branch(char* p, std::size_t page_size, page_id id, std::span<const branch_item> items) noexcept {
  write_header(p, page_type::branch, static_cast<std::uint16_t>(items.size()), id, 0);
  const std::size_t plen = prefix_for(items, node_bytes(items), page_size);
  p[k_off_prefix] = static_cast<char>(plen);
  std::size_t top = page_size;
  char* slot = p + k_header_size;
  for (const auto& it : items) {
    top -= it.size() - k_slot_size;
    char* c = p + top;
    c = encode_varint32(c, static_cast<std::uint32_t>(it.key.size()));
    if (!it.key.empty()) std::memcpy(c, it.key.data(), it.key.size());
    encode_fixed64(c + it.key.size(), it.child);
    slot = encode_slot(slot, top, it.key, plen);
  }
  finish_node(p, page_size, slot, top, items.front().key.substr(0, plen));
}

}  // namespace jadekv::inline v0::index::detail::bptree
