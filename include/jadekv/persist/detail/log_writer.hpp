// log_writer: the one encoder of the segment format in persist/log_format.hpp:
// the segment header and the fragmentation of records into blocks. Plain
// functions over bytes; the file I/O is the WAL's.
//
// Thread safety: pure functions.
//
// Invariants:
//   1. frame_record never lets a fragment cross a block boundary, never
//      writes a zero-length fragment, and fills the last < 8 bytes of a block
//      with zeros before moving on.
//   2. The bytes it appends are exactly those a log_reader accepts as the
//      same record at the same offset.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "jadekv/core/coding.hpp"
#include "jadekv/core/crc32c.hpp"
#include "jadekv/detail/contract.hpp"
#include "jadekv/persist/log_format.hpp"

namespace jadekv::inline v0::persist::detail {

// The crc32c state every fragment checksum of a segment starts from: the
// checksum of the segment number (log_format.hpp, fragment crc).
inline std::uint32_t segment_seed(std::uint64_t segment) noexcept {
  char buf[8];
  encode_fixed64(buf, segment);
  return crc32c::value(buf, sizeof buf);
}

inline void encode_fixed16(char* dst, std::uint16_t v) noexcept {
  dst[0] = static_cast<char>(v & 0xffu);
  dst[1] = static_cast<char>(v >> 8);
}

inline std::uint16_t decode_fixed16(const char* src) noexcept {
  return static_cast<std::uint16_t>(static_cast<unsigned char>(src[0]) |
                                    (static_cast<unsigned>(static_cast<unsigned char>(src[1])) << 8));
}

// The masked checksum of a fragment whose length/type/payload bytes
// (fragment offsets 4 .. 7+length-1) start at p.
inline std::uint32_t fragment_crc(std::uint32_t seed, const char* p, std::size_t length) noexcept {
  return crc32c::mask(crc32c::extend(seed, p, log_format::k_fragment_header_size - log_format::k_length_offset + length));
}

// The segment header (the current version). prev/prev_end: the segment
// written just before this one and where its records ended, 0 and 0 if none.
inline std::string encode_segment_header(std::uint64_t segment, std::uint32_t block_size, std::uint64_t first_sequence,
                                         std::uint64_t prev = 0, std::uint64_t prev_end = 0) {
  namespace f = log_format;
  std::string h(f::k_header_size, '\0');
  h.replace(f::k_magic_offset, f::k_magic.size(), f::k_magic);
  encode_fixed32(h.data() + f::k_version_offset, f::k_version);
  encode_fixed32(h.data() + f::k_block_size_offset, block_size);
  encode_fixed64(h.data() + f::k_number_offset, segment);
  encode_fixed64(h.data() + f::k_first_sequence_offset, first_sequence);
  encode_fixed64(h.data() + f::k_prev_number_offset, prev);
  encode_fixed64(h.data() + f::k_prev_end_offset, prev_end);
  encode_fixed32(h.data() + f::k_header_crc_offset, crc32c::mask(crc32c::value(h.data(), f::k_header_crc_offset)));
  return h;
}

// Where the next fragment goes when a record has `left` payload bytes still
// to place at file offset `offset`: the trailer to fill with zeros first (0
// when the block has room for a fragment) and the fragment's payload length.
struct fragment_place {
  std::size_t trailer;
  std::size_t length;
};
inline fragment_place next_fragment(std::uint64_t offset, std::uint32_t block_size, std::size_t left) noexcept {
  namespace f = log_format;
  const std::size_t room = block_size - static_cast<std::size_t>(offset % block_size);
  const std::size_t trailer = room < f::k_min_fragment_room ? room : 0;
  return {trailer, std::min((trailer != 0 ? block_size : room) - f::k_fragment_header_size, left)};
}

// The file offset just past the fragments of a record of `n` payload bytes
// placed at file offset `offset`.
// REQUIRES: valid_block_size(block_size); offset >= the header size.
inline std::uint64_t framed_end(std::uint64_t offset, std::uint32_t block_size, std::size_t n) noexcept {
  while (n > 0) {
    const fragment_place at = next_fragment(offset, block_size, n);
    offset += at.trailer + log_format::k_fragment_header_size + at.length;
    n -= at.length;
  }
  return offset;
}

// Writes the fragments of one record placed at file offset `offset` to dst,
// which has room for framed_end(offset, block_size, payload.size()) - offset
// bytes; returns that end.
// REQUIRES: payload not empty; valid_block_size(block_size); offset >= the header size.
inline std::uint64_t frame_record(char* dst, std::uint64_t offset, std::uint32_t block_size, std::uint32_t seed,
                                  std::string_view payload) {
  namespace f = log_format;
  if (payload.empty()) ::jadekv::detail::contract_violation("frame_record: empty record");
  bool first = true;
  while (!payload.empty()) {
    const fragment_place at = next_fragment(offset, block_size, payload.size());
    std::memset(dst, 0, at.trailer);  // the trailer
    dst += at.trailer;
    offset += at.trailer;
    const std::size_t n = at.length;
    const bool last = n == payload.size();
    const auto type = first ? (last ? f::fragment_type::full : f::fragment_type::first)
                            : (last ? f::fragment_type::last : f::fragment_type::middle);
    encode_fixed16(dst + f::k_length_offset, static_cast<std::uint16_t>(n));
    dst[f::k_type_offset] = static_cast<char>(type);
    std::memcpy(dst + f::k_fragment_header_size, payload.data(), n);
    encode_fixed32(dst + f::k_crc_offset, fragment_crc(seed, dst + f::k_length_offset, n));
    dst += f::k_fragment_header_size + n;
    offset += f::k_fragment_header_size + n;
    payload.remove_prefix(n);
    first = false;
  }
  return offset;
}

// Appends to `out` the fragments of one record placed at file offset
// `offset`; returns the file offset just past them.
// REQUIRES: as above.
inline std::uint64_t frame_record(std::string& out, std::uint64_t offset, std::uint32_t block_size, std::uint32_t seed,
                                  std::string_view payload) {
  if (payload.empty()) ::jadekv::detail::contract_violation("frame_record: empty record");
  const std::size_t at = out.size();
  out.resize(at + static_cast<std::size_t>(framed_end(offset, block_size, payload.size()) - offset));
  return frame_record(out.data() + at, offset, block_size, seed, payload);
}

}  // namespace jadekv::inline v0::persist::detail
