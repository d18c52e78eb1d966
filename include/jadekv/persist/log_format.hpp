// log_format: the byte layout of a write-ahead log segment file ("000007.log").
// Constants only; log_writer.hpp and log_reader.hpp in persist/detail/ are the
// one encoder and the one decoder.
//
// A segment is a run of blocks of `block size` bytes (the last one may be
// short). Every integer is little-endian. Block 0 opens with the header:
//
//   offset  size  field
//   0       8     magic       89 6a 6b 76 77 61 6c 0a  ("\x89jkvwal\n": the high
//                             byte catches 7-bit transfers, the \n newline mangling)
//   8       4     version     fixed32, 2 (1 is read too: see below)
//   12      4     block size  fixed32, a power of two in [64, 65536]
//   16      8     segment     fixed64, the number in the file name; a file
//                             renamed or copied to another number is rejected
//   24      8     first seq   fixed64, the sequence number the segment's first
//                             record has (last assigned + 1 when it was made):
//                             a missing segment shows as a gap, and a segment
//                             with no records still tells the last sequence
//   32      8     prev        fixed64, the number of the segment written just
//                             before this one, 0 if none
//   40      8     prev end    fixed64, where that segment's records ended when
//                             this one was made (its size once cut back)
//   48      4     header crc  masked crc32c of bytes 0..47
//   52            the first fragment
//
// prev and prev end exist because a writer does not fsync a segment when it
// moves on to the next one (only before a later synced write, and at close):
// after a power loss an older segment can end early. The next segment's
// header, fsynced when it was made, tells that loss (the segment named prev
// ends before prev end) from a missing segment (prev names another one).
//
// Version 1 (written before prev existed) is the same up to offset 32, then
//   32      4     header crc  masked crc32c of bytes 0..31
//   36            the first fragment
// and its writers fsynced every segment before starting the next.
//
// Then fragments, back to back; no fragment crosses a block boundary:
//
//   offset  size  field
//   0       4     crc         masked crc32c of (the segment number as 8 bytes
//                             fixed64, not stored here) followed by bytes
//                             4 .. 7+length-1 of this fragment: length, type
//                             and payload are all covered, and a fragment
//                             copied in from another segment fails the check
//   4       2     length      fixed16, payload bytes, 1 .. block size - 7
//   6       1     type        1 full, 2 first, 3 middle, 4 last
//   7       n     payload
//
// A record (one encoded write_batch, see core/write_batch.hpp) is either one
// `full` fragment, or `first`, any number of `middle`, and `last`, in that
// order, in consecutive blocks. When fewer than 8 bytes (a fragment header and
// one payload byte) remain in a block, the writer fills them with zeros, the
// trailer, and goes on at the next block; a reader requires them to be zero.
// Zero-length fragments are never written, so a run of zeros never parses as
// a fragment (type 0 is invalid too).
//
// A writer may reserve space ahead of its records (a mapped tail, see
// persist/detail/wal_core.hpp), so a segment left by a crash can end in
// zeros: where a fragment would start, zeros to the end of the file end
// the segment, cleanly.
//
// Reading a segment ends in one of three ways: at the end of the file, or at
// zeros that run to it, on a record boundary (clean), or at a bad fragment (bad crc, type, length or
// order, a nonzero trailer) or a record the file ends inside of. What recovery
// does with the last two depends on the recovery mode and on whether any
// valid record start follows the bad spot (see persist/recovery.hpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace jadekv::inline v0::persist::log_format {

inline constexpr std::string_view k_magic{"\x89jkvwal\n", 8};
inline constexpr std::uint32_t k_version = 2;  // written
inline constexpr std::uint32_t k_oldest_version = 1;  // still read

// Segment header (version 2): field offsets and total size.
inline constexpr std::size_t k_magic_offset = 0;
inline constexpr std::size_t k_version_offset = 8;
inline constexpr std::size_t k_block_size_offset = 12;
inline constexpr std::size_t k_number_offset = 16;
inline constexpr std::size_t k_first_sequence_offset = 24;
inline constexpr std::size_t k_prev_number_offset = 32;
inline constexpr std::size_t k_prev_end_offset = 40;
inline constexpr std::size_t k_header_crc_offset = 48;
inline constexpr std::size_t k_header_size = 52;
// Version 1: no prev fields, the crc at 32.
inline constexpr std::size_t k_v1_header_crc_offset = 32;
inline constexpr std::size_t k_v1_header_size = 36;

// Fragment header: field offsets and total size.
inline constexpr std::size_t k_crc_offset = 0;
inline constexpr std::size_t k_length_offset = 4;
inline constexpr std::size_t k_type_offset = 6;
inline constexpr std::size_t k_fragment_header_size = 7;
// A fragment is started only where at least this much of the block is left.
inline constexpr std::size_t k_min_fragment_room = k_fragment_header_size + 1;

enum class fragment_type : std::uint8_t { full = 1, first = 2, middle = 3, last = 4 };
inline constexpr std::uint8_t k_max_fragment_type = 4;

inline constexpr std::uint32_t k_default_block_size = 32 * 1024;
inline constexpr std::uint32_t k_min_block_size = 64;
inline constexpr std::uint32_t k_max_block_size = 64 * 1024;

constexpr bool valid_block_size(std::uint64_t b) noexcept {
  return b >= k_min_block_size && b <= k_max_block_size && (b & (b - 1)) == 0;
}

static_assert(k_magic.size() == k_version_offset - k_magic_offset);
static_assert(k_version_offset + 4 == k_block_size_offset && k_block_size_offset + 4 == k_number_offset);
static_assert(k_number_offset + 8 == k_first_sequence_offset && k_first_sequence_offset + 8 == k_prev_number_offset);
static_assert(k_prev_number_offset + 8 == k_prev_end_offset && k_prev_end_offset + 8 == k_header_crc_offset);
static_assert(k_header_crc_offset + 4 == k_header_size);
static_assert(k_first_sequence_offset + 8 == k_v1_header_crc_offset && k_v1_header_crc_offset + 4 == k_v1_header_size);
static_assert(k_crc_offset + 4 == k_length_offset && k_length_offset + 2 == k_type_offset);
static_assert(k_type_offset + 1 == k_fragment_header_size);
static_assert(k_header_size + k_min_fragment_room <= k_min_block_size, "block 0 holds the header and a fragment");
static_assert(k_max_block_size - k_fragment_header_size <= 0xffff, "a fragment length fits in 2 bytes");
static_assert(valid_block_size(k_default_block_size) && valid_block_size(k_min_block_size) &&
              valid_block_size(k_max_block_size) && !valid_block_size(k_min_block_size + 1));

}  // namespace jadekv::inline v0::persist::log_format
