// table_format: the byte layout of a sorted table file ("000123.sst"), the
// files an LSM index flushes memtables into and compacts. Constants, the
// block handle, the file header and the footer live here; block_builder.hpp
// and block.hpp own the block encoding, bloom.hpp the filter block,
// table_properties.hpp the properties block, table_builder.hpp the one
// writer and table.hpp the one reader.
//
// A table is written once, front to back, and never modified. Integers are
// little-endian; varints are LEB128 (core/coding.hpp).
//
//   offset              size   what
//   0                   16     file header
//   16                         data block 0 + trailer, data block 1 + trailer, ...
//   filter offset              filter block + trailer (absent when bits per key is 0)
//   properties offset          properties block + trailer
//   index offset               index block + trailer
//   file size - 64      64     footer
//
// The regions are back to back: every byte of the file belongs to the header,
// to one block or its trailer, or to the footer, and each of these carries a
// CRC32C, so table::verify() detects a change to any byte.
//
// File header (16 bytes):
//   0   8   magic      89 6a 6b 76 73 73 74 0a  ("\x89jkvsst\n")
//   8   4   version    fixed32, 1
//   12  4   crc        masked crc32c of bytes 0..11
//
// Block trailer (5 bytes, right after every block's contents):
//   0   1   type       0 = raw; other values are reserved for compression
//   1   4   crc        masked crc32c of the contents followed by the type byte
//
// A block handle names a block's contents: (offset, size); the trailer is at
// offset + size. In the index block a handle is two varint64s, in the footer
// two fixed64s.
//
// Data and index blocks (block_builder.hpp):
//   entry 0 | entry 1 | ... | restart[0..n) fixed32 each | n fixed32
//   entry:  shared varint32 | unshared varint32 | value size varint32 |
//           key bytes [shared, shared + unshared) | value bytes
//   An entry's key is the first `shared` bytes of the previous entry's key
//   followed by its own `unshared` bytes. Every restart-interval-th entry is
//   a restart point: shared = 0, its offset listed in restart[] (increasing,
//   restart[0] = 0, n >= 1). Every key is an internal key (user key + 8-byte
//   tag, core/internal_key.hpp); keys increase in internal-key order.
//   - data block: value = the entry's value (empty for an erase).
//   - index block (restart interval 1): entry i has key S_i with
//     last key of data block i <= S_i < first key of data block i + 1
//     (S_i may be a shortened separator with user key between the two and
//     the largest tag), and value = data block i's handle as two varint64s.
//
// Filter block (bloom.hpp): a blocked bloom filter over the distinct user keys.
//   lines * 64 bytes of bits | probes (1 byte) | lines fixed32
//
// Properties block (table_properties.hpp): varints and length-prefixed
// strings in a fixed order; a reader ignores bytes after the fields it knows.
//
// Footer (64 bytes, the last bytes of the file):
//   0   8   filter offset       fixed64  } both 0 when there is no filter
//   8   8   filter size         fixed64  }
//   16  8   properties offset   fixed64
//   24  8   properties size     fixed64
//   32  8   index offset        fixed64
//   40  8   index size          fixed64
//   48  4   version             fixed32, 1
//   52  4   crc                 masked crc32c of bytes 0..51
//   56  8   magic               as in the header
//
// Thread safety: pure functions and constants.
//
// Invariants:
//   1. Decoders here never read outside the bytes given; decode_footer and
//      check_header reject a wrong magic, version or crc as corruption.
//   2. Every handle a reader follows lies inside the file, after the header
//      and before the footer (checked before the read).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "jadekv/core/coding.hpp"
#include "jadekv/core/crc32c.hpp"
#include "jadekv/core/status.hpp"
#include "jadekv/detail/concat.hpp"

namespace jadekv::inline v0::index::sst {

inline constexpr std::string_view k_magic{"\x89jkvsst\n", 8};
inline constexpr std::uint32_t k_format_version = 1;

inline constexpr std::size_t k_header_size = 16;
inline constexpr std::size_t k_header_version_offset = 8;
inline constexpr std::size_t k_header_crc_offset = 12;

inline constexpr std::size_t k_block_trailer_size = 5;
inline constexpr std::size_t k_block_type_offset = 0;  // within the trailer
inline constexpr std::size_t k_block_crc_offset = 1;   // within the trailer

inline constexpr std::size_t k_footer_size = 64;
inline constexpr std::size_t k_footer_version_offset = 48;
inline constexpr std::size_t k_footer_crc_offset = 52;
inline constexpr std::size_t k_footer_magic_offset = 56;

// A file can hold nothing smaller than a header and a footer.
inline constexpr std::size_t k_min_table_size = k_header_size + k_footer_size;

enum class block_type : std::uint8_t { raw = 0 };

// Restart offsets are fixed32: a block's contents stay below 4 GiB.
inline constexpr std::uint64_t k_max_block_contents = 0xffff'ffffu - 8;

static_assert(k_magic.size() == k_header_version_offset);
static_assert(k_header_version_offset + 4 == k_header_crc_offset && k_header_crc_offset + 4 == k_header_size);
static_assert(k_block_crc_offset + 4 == k_block_trailer_size);
static_assert(6 * 8 == k_footer_version_offset && k_footer_version_offset + 4 == k_footer_crc_offset);
static_assert(k_footer_crc_offset + 4 == k_footer_magic_offset && k_footer_magic_offset + 8 == k_footer_size);

struct block_handle {
  std::uint64_t offset = 0;
  std::uint64_t size = 0;  // contents only, without the trailer

  // One past the block's trailer.
  std::uint64_t end() const noexcept { return offset + size + k_block_trailer_size; }
  friend bool operator==(const block_handle&, const block_handle&) = default;
};

inline constexpr std::size_t k_max_handle_size = 2 * k_max_varint64_bytes;

inline void put_block_handle(std::string& dst, const block_handle& h) {
  put_varint64(dst, h.offset);
  put_varint64(dst, h.size);
}

// Decodes a handle that fills `in` exactly; false on anything else.
inline bool decode_block_handle(std::string_view in, block_handle& h) noexcept {
  return get_varint64(in, h.offset) && get_varint64(in, h.size) && in.empty();
}

struct footer {
  block_handle filter;  // size 0 and offset 0: no filter
  block_handle properties;
  block_handle index;
};

// ---- header ---------------------------------------------------------------

inline void encode_header(char* dst) noexcept {
  std::memcpy(dst, k_magic.data(), k_magic.size());
  encode_fixed32(dst + k_header_version_offset, k_format_version);
  encode_fixed32(dst + k_header_crc_offset, crc32c::mask(crc32c::value(dst, k_header_crc_offset)));
}

// REQUIRES: in.size() == k_header_size.
// A template only so that units which do not use it do not compile it (README, "Build cost").
template <class = void>
inline status check_header(std::string_view in) {
  if (in.size() != k_header_size) return status::corruption("table header truncated");
  if (in.substr(0, k_magic.size()) != k_magic) return status::corruption("table header: bad magic");
  if (crc32c::unmask(decode_fixed32(in.data() + k_header_crc_offset)) !=
      crc32c::value(in.data(), k_header_crc_offset))
    return status::corruption("table header: checksum mismatch");
  if (const auto v = decode_fixed32(in.data() + k_header_version_offset); v != k_format_version)
    return status::corruption(::jadekv::detail::concat({"table header: unsupported format version ", v}));
  return {};
}

// ---- footer ---------------------------------------------------------------

inline void encode_footer(char* dst, const footer& f) noexcept {
  encode_fixed64(dst + 0, f.filter.offset);
  encode_fixed64(dst + 8, f.filter.size);
  encode_fixed64(dst + 16, f.properties.offset);
  encode_fixed64(dst + 24, f.properties.size);
  encode_fixed64(dst + 32, f.index.offset);
  encode_fixed64(dst + 40, f.index.size);
  encode_fixed32(dst + k_footer_version_offset, k_format_version);
  encode_fixed32(dst + k_footer_crc_offset, crc32c::mask(crc32c::value(dst, k_footer_crc_offset)));
  std::memcpy(dst + k_footer_magic_offset, k_magic.data(), k_magic.size());
}

// Decodes and checks a footer read from the end of a file of `file_size`
// bytes: magic, crc, version, and every handle inside the block region.
template <class = void>
inline status decode_footer(std::string_view in, std::uint64_t file_size, footer& f) {
  if (in.size() != k_footer_size) return status::corruption("table footer truncated");
  if (in.substr(k_footer_magic_offset) != k_magic) return status::corruption("table footer: bad magic");
  if (crc32c::unmask(decode_fixed32(in.data() + k_footer_crc_offset)) !=
      crc32c::value(in.data(), k_footer_crc_offset))
    return status::corruption("table footer: checksum mismatch");
  if (const auto v = decode_fixed32(in.data() + k_footer_version_offset); v != k_format_version)
    return status::corruption(::jadekv::detail::concat({"table footer: unsupported format version ", v}));
  const char* p = in.data();
  f.filter = {decode_fixed64(p + 0), decode_fixed64(p + 8)};
  f.properties = {decode_fixed64(p + 16), decode_fixed64(p + 24)};
  f.index = {decode_fixed64(p + 32), decode_fixed64(p + 40)};
  const std::uint64_t limit = file_size - k_footer_size;  // file_size >= k_min_table_size
  auto inside = [&](const block_handle& h) {
    return h.offset >= k_header_size && h.offset <= limit && h.size <= k_max_block_contents &&
           h.size + k_block_trailer_size <= limit - h.offset;
  };
  const bool no_filter = f.filter.offset == 0 && f.filter.size == 0;
  if ((!no_filter && !inside(f.filter)) || !inside(f.properties) || !inside(f.index))
    return status::corruption("table footer: block handle outside the file");
  return {};
}

// ---- block trailer --------------------------------------------------------

// The masked crc a trailer stores for `contents` followed by `type`.
inline std::uint32_t block_crc(const char* contents, std::size_t n, block_type type) noexcept {
  const char t = static_cast<char>(type);
  return crc32c::mask(crc32c::extend(crc32c::value(contents, n), &t, 1));
}

// Appends contents and its trailer to dst.
inline void append_block(std::string& dst, std::string_view contents, block_type type = block_type::raw) {
  dst.append(contents);
  dst.push_back(static_cast<char>(type));
  put_fixed32(dst, block_crc(contents.data(), contents.size(), type));
}

// Checks the trailer at data[n, n + 5) against contents data[0, n).
inline bool block_crc_matches(const char* data, std::size_t n) noexcept {
  const std::uint32_t stored = decode_fixed32(data + n + k_block_crc_offset);
  return crc32c::unmask(stored) == crc32c::value(data, n + 1);
}

}  // namespace jadekv::inline v0::index::sst
