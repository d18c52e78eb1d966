// bptree format: the page layout of a bptree data file ("data.jkb").
//
// The file is an array of pages of one size P (a power of two in
// [512, 65536], chosen at creation and recorded in the meta pages). Page n
// lives at byte offset n * P. Pages 0 and 1 are the two meta pages; every
// other page belongs to exactly one of: the tree (branch, leaf), an overflow
// run, the free list run, or the free list itself (listed as free).
// A run is 1 + extra pages that are contiguous in the file and carry one
// header and one checksum (overflow values and the free list use runs).
//
// Every page (or run) starts with this header, all integers little-endian:
//
//   offset size
//    0     4   masked CRC32C of bytes [4, (1 + extra) * P) of the page or run
//    4     1   type: 1 meta, 2 branch, 3 leaf, 4 overflow, 5 freelist
//    5     1   prefix length n of a branch or leaf page (at most 64); 0 elsewhere
//    6     2   count: cells in a branch or leaf page; 0 elsewhere
//    8     8   the page's own id (catches writes that landed at the wrong place)
//   16     4   extra: pages of the run after this one (overflow, freelist); 0 elsewhere
//   20     4   reserved, 0
//   24         body
//
// Meta page (pages 0 and 1; the commit with transaction id t writes page t % 2):
//   24  4  magic "JKBT" (0x54424b4a)
//   28  4  format version (2; 1 had 2-byte slots and no prefix)
//   32  4  page size P
//   36  4  reserved, 0
//   40  8  txid of the commit (strictly increasing; the newer valid meta wins)
//   48  8  root page id, 0 for an empty tree
//   56  8  free list run's first page id, 0 when there is none
//   64  8  page count: pages [0, count) are in use; bytes past them are ignored
//   72  8  flushed sequence: every entry with seq <= it is in the tree
//   80  8  entries: keys in the tree
//   88  1  length n of the comparator name (at most 255)
//   89  n  comparator name
//
// Branch and leaf pages are slotted: after the header come `count` slots in
// key order, then the page's key prefix; cells are packed at the end of the
// page, growing downwards; the gap between is free.
//
//   slot:    fixed16 cell offset (from the page start) | fixed32 key head
//   prefix:  n bytes that begin every key of the page
//   key head: the 4 key bytes after the prefix as a big-endian number, zeros
//            past the key's end. Heads order as their keys do, bytewise,
//            ties aside, so a bytewise search compares slots, not cells: a
//            probe stays in the slot array instead of missing the cache on
//            a cell (the "poor man's normalized keys" of Graefe's "Modern
//            B-Tree Techniques", kept in the slot as LeanStore does).
//
//   branch cell:  varint32 key length | key | fixed64 child page id
//     Child i holds the keys k with key_i <= k < key_(i+1); key_0 is the
//     first key of child 0, but a lookup below it still goes to child 0.
//   leaf cell:    varint32 key length | key | u8 flags | varint64 seq |
//                 varint32 value length | value bytes, or fixed64 first page
//                 of the overflow run holding them (flags bit 0 set)
//     flags: bit 0 overflow; every other bit is reserved and must be 0 (an
//     MVCC tree will mark erased versions with bit 1).
//
// Overflow run: header, then the value bytes; the run is
// ceil((24 + value length) / P) pages.
//
// Free list run: header, then fixed64 n, then n fixed64 page ids in
// ascending order: the pages free as of the commit, including those freed by
// it (no reader survives a reopen, so all of them are reusable then); zeros
// pad the rest of the run. The run itself is not listed.
//
// Thread safety: constants and pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "jadekv/core/coding.hpp"
#include "jadekv/core/crc32c.hpp"

namespace jadekv::inline v0::index::detail::bptree {

using page_id = std::uint64_t;
using txid = std::uint64_t;

inline constexpr std::string_view k_file_name = "data.jkb";
inline constexpr std::size_t k_min_page_size = 512;
inline constexpr std::size_t k_max_page_size = 65536;
inline constexpr std::uint32_t k_magic = 0x54424b4au;  // "JKBT" as little-endian bytes
inline constexpr std::uint32_t k_version = 2;

inline constexpr std::size_t k_header_size = 24;
inline constexpr std::size_t k_slot_size = 6;
inline constexpr std::size_t k_max_prefix = 64;
inline constexpr page_id k_first_data_page = 2;  // pages 0 and 1 are the metas
// Deeper than any tree of 2^64 pages can be: a walk past it met a cycle.
inline constexpr std::size_t k_max_depth = 64;

enum class page_type : std::uint8_t { meta = 1, branch = 2, leaf = 3, overflow = 4, freelist = 5 };

inline constexpr std::uint8_t k_flag_overflow = 1;

// Header field offsets.
inline constexpr std::size_t k_off_crc = 0;
inline constexpr std::size_t k_off_type = 4;
inline constexpr std::size_t k_off_prefix = 5;
inline constexpr std::size_t k_off_count = 6;
inline constexpr std::size_t k_off_id = 8;
inline constexpr std::size_t k_off_extra = 16;

// Meta body offsets.
inline constexpr std::size_t k_meta_magic = 24;
inline constexpr std::size_t k_meta_version = 28;
inline constexpr std::size_t k_meta_page_size = 32;
inline constexpr std::size_t k_meta_txid = 40;
inline constexpr std::size_t k_meta_root = 48;
inline constexpr std::size_t k_meta_freelist = 56;
inline constexpr std::size_t k_meta_page_count = 64;
inline constexpr std::size_t k_meta_flushed = 72;
inline constexpr std::size_t k_meta_entries = 80;
inline constexpr std::size_t k_meta_cmp_len = 88;
inline constexpr std::size_t k_meta_cmp_name = 89;
inline constexpr std::size_t k_max_cmp_name = 255;
static_assert(k_meta_cmp_name + k_max_cmp_name <= k_min_page_size, "a meta page fits the smallest page size");
static_assert(k_max_page_size <= 65536, "slot offsets are fixed16");

constexpr bool valid_page_size(std::size_t p) noexcept {
  return p >= k_min_page_size && p <= k_max_page_size && (p & (p - 1)) == 0;
}

// Pages a run of `body` bytes after the header takes.
constexpr std::uint64_t run_pages(std::size_t page_size, std::uint64_t body) noexcept {
  return (k_header_size + body + page_size - 1) / page_size;
}

inline page_type header_type(const char* p) noexcept { return static_cast<page_type>(static_cast<unsigned char>(p[k_off_type])); }
inline std::uint16_t header_count(const char* p) noexcept {
  return static_cast<std::uint16_t>(static_cast<unsigned char>(p[k_off_count]) |
                                    (static_cast<unsigned>(static_cast<unsigned char>(p[k_off_count + 1])) << 8));
}
inline std::size_t header_prefix(const char* p) noexcept { return static_cast<unsigned char>(p[k_off_prefix]); }
inline page_id header_id(const char* p) noexcept { return decode_fixed64(p + k_off_id); }
inline std::uint32_t header_extra(const char* p) noexcept { return decode_fixed32(p + k_off_extra); }

inline std::uint16_t decode_fixed16(const char* p) noexcept {
  return static_cast<std::uint16_t>(static_cast<unsigned char>(p[0]) |
                                    (static_cast<unsigned>(static_cast<unsigned char>(p[1])) << 8));
}
inline void encode_fixed16(char* p, std::uint16_t v) noexcept {
  p[0] = static_cast<char>(v & 0xffu);
  p[1] = static_cast<char>(v >> 8);
}

// Zeroes the header and fills every field but the CRC.
inline void write_header(char* p, page_type t, std::uint16_t count, page_id id, std::uint32_t extra) noexcept {
  std::memset(p, 0, k_header_size);
  p[k_off_type] = static_cast<char>(t);
  encode_fixed16(p + k_off_count, count);
  encode_fixed64(p + k_off_id, id);
  encode_fixed32(p + k_off_extra, extra);
}

// Stores the CRC of bytes [4, n) at the front. REQUIRES: n >= k_header_size.
inline void seal(char* p, std::size_t n) noexcept {
  encode_fixed32(p + k_off_crc, crc32c::mask(crc32c::value(p + 4, n - 4)));
}

inline bool checksum_ok(const char* p, std::size_t n) noexcept {
  return decode_fixed32(p + k_off_crc) == crc32c::mask(crc32c::value(p + 4, n - 4));
}

// The decoded body of a meta page.
struct meta {
  std::uint32_t page_size = 0;
  txid tx = 0;
  page_id root = 0;
  page_id freelist = 0;
  std::uint64_t page_count = k_first_data_page;
  std::uint64_t flushed = 0;
  std::uint64_t entries = 0;
  std::string comparator;
};

// Fills page[0, P) with the meta page for `m` (at page m.tx % 2), sealed.
// REQUIRES: m.comparator.size() <= k_max_cmp_name.
inline void encode_meta(char* page, const meta& m) noexcept {
  std::memset(page, 0, m.page_size);
  write_header(page, page_type::meta, 0, m.tx % 2, 0);
  encode_fixed32(page + k_meta_magic, k_magic);
  encode_fixed32(page + k_meta_version, k_version);
  encode_fixed32(page + k_meta_page_size, m.page_size);
  encode_fixed64(page + k_meta_txid, m.tx);
  encode_fixed64(page + k_meta_root, m.root);
  encode_fixed64(page + k_meta_freelist, m.freelist);
  encode_fixed64(page + k_meta_page_count, m.page_count);
  encode_fixed64(page + k_meta_flushed, m.flushed);
  encode_fixed64(page + k_meta_entries, m.entries);
  page[k_meta_cmp_len] = static_cast<char>(m.comparator.size());
  if (!m.comparator.empty()) std::memcpy(page + k_meta_cmp_name, m.comparator.data(), m.comparator.size());
  seal(page, m.page_size);
}

// The format version a sealed meta page of this size records, 0 when it is
// not one (so an old file is told apart from a damaged one).
inline std::uint32_t meta_version(const char* page, std::size_t page_size) noexcept {
  if (!checksum_ok(page, page_size) || header_type(page) != page_type::meta) return 0;
  if (decode_fixed32(page + k_meta_magic) != k_magic) return 0;
  return decode_fixed32(page + k_meta_version);
}

// Decodes the meta page that should be page `slot` of a file of pages of
// size `page_size`; false unless its checksum and every field are sound.
// REQUIRES: page_size readable bytes at page.
inline bool decode_meta(const char* page, std::size_t page_size, page_id slot, meta& out) {
  if (!checksum_ok(page, page_size)) return false;
  if (header_type(page) != page_type::meta || header_id(page) != slot) return false;
  if (decode_fixed32(page + k_meta_magic) != k_magic || decode_fixed32(page + k_meta_version) != k_version) return false;
  if (decode_fixed32(page + k_meta_page_size) != page_size) return false;
  meta m;
  m.page_size = static_cast<std::uint32_t>(page_size);
  m.tx = decode_fixed64(page + k_meta_txid);
  m.root = decode_fixed64(page + k_meta_root);
  m.freelist = decode_fixed64(page + k_meta_freelist);
  m.page_count = decode_fixed64(page + k_meta_page_count);
  m.flushed = decode_fixed64(page + k_meta_flushed);
  m.entries = decode_fixed64(page + k_meta_entries);
  if (m.tx % 2 != slot || m.page_count < k_first_data_page) return false;
  if ((m.root != 0 && (m.root < k_first_data_page || m.root >= m.page_count)) ||
      (m.freelist != 0 && (m.freelist < k_first_data_page || m.freelist >= m.page_count))) {
    return false;
  }
  const auto n = static_cast<unsigned char>(page[k_meta_cmp_len]);
  m.comparator.assign(page + k_meta_cmp_name, n);
  out = std::move(m);
  return true;
}

}  // namespace jadekv::inline v0::index::detail::bptree
