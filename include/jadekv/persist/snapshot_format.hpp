// snapshot_format: the byte layout of a snapshot file ("SNAPSHOT-000012"), a
// point-in-time image of every live key. Constants only; the one encoder and
// decoder are in persist/detail/snapshot_file.hpp.
//
// A snapshot is written to "SNAPSHOT-000012.tmp", fsynced, renamed into place
// and the directory fsynced, so a file with the final name was complete when
// it got that name. Every integer is little-endian. Header:
//
//   offset  size  field
//   0       8     magic       89 6a 6b 76 73 6e 70 0a  ("\x89jkvsnp\n")
//   8       4     version     fixed32, 1
//   12      4     flags       fixed32, 0 (reserved; a reader rejects others)
//   16      8     number      fixed64, the number in the file name
//   24      8     sequence    fixed64, S: the image holds every write with a
//                             sequence number <= S and none above
//   32      8     log start   fixed64, the first log segment whose records
//                             follow the image (0 when there is no log)
//   40      4     header crc  masked crc32c of bytes 0..39
//   44            the first chunk
//
// Then chunks, back to back:
//
//   offset  size  field
//   0       4     crc         masked crc32c of (the snapshot number as 8 bytes
//                             fixed64, not stored) followed by bytes
//                             4 .. 9+length-1: length, type and payload
//   4       4     length      fixed32, payload bytes
//   8       1     type        1 entries, 2 end
//   9       n     payload
//
//   entries payload: count varint32 (>= 1), then count times
//                    key (length-prefixed) and value (length-prefixed)
//   end payload:     16 bytes: entries fixed64 (total over all chunks),
//                    chunks fixed64 (number of entries chunks)
//
// The end chunk is the last thing in the file. A snapshot is valid only if
// the header and every chunk check out and the end chunk is present, ends the
// file and agrees with what precedes it. Recovery replays the entries, in file
// order, as puts numbered S - entries + 1 .. S (distinct numbers, all <= S).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace jadekv::inline v0::persist::snapshot_format {

inline constexpr std::string_view k_magic{"\x89jkvsnp\n", 8};
inline constexpr std::uint32_t k_version = 1;

inline constexpr std::size_t k_magic_offset = 0;
inline constexpr std::size_t k_version_offset = 8;
inline constexpr std::size_t k_flags_offset = 12;
inline constexpr std::size_t k_number_offset = 16;
inline constexpr std::size_t k_sequence_offset = 24;
inline constexpr std::size_t k_log_start_offset = 32;
inline constexpr std::size_t k_header_crc_offset = 40;
inline constexpr std::size_t k_header_size = 44;

inline constexpr std::size_t k_chunk_crc_offset = 0;
inline constexpr std::size_t k_chunk_length_offset = 4;
inline constexpr std::size_t k_chunk_type_offset = 8;
inline constexpr std::size_t k_chunk_header_size = 9;

enum class chunk_type : std::uint8_t { entries = 1, end = 2 };
inline constexpr std::size_t k_end_payload_size = 16;

// The writer closes an entries chunk once its payload reaches this size.
inline constexpr std::size_t k_target_chunk_payload = 1 << 20;

static_assert(k_magic.size() == k_version_offset - k_magic_offset);
static_assert(k_version_offset + 4 == k_flags_offset && k_flags_offset + 4 == k_number_offset);
static_assert(k_number_offset + 8 == k_sequence_offset && k_sequence_offset + 8 == k_log_start_offset);
static_assert(k_log_start_offset + 8 == k_header_crc_offset && k_header_crc_offset + 4 == k_header_size);
static_assert(k_chunk_crc_offset + 4 == k_chunk_length_offset && k_chunk_length_offset + 4 == k_chunk_type_offset);
static_assert(k_chunk_type_offset + 1 == k_chunk_header_size);

}  // namespace jadekv::inline v0::persist::snapshot_format
