// Rewrites the checksums of a log segment (persist/log_format.hpp) in place:
// the header crc, then every fragment crc, following the framing as far as
// it is sane. A fuzzer cannot forge a CRC32C; resealed inputs let its
// mutations reach the code behind the checksums (lengths, fragment order,
// trailers, and the records' contents).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "jadekv/core/coding.hpp"
#include "jadekv/core/crc32c.hpp"
#include "jadekv/persist/detail/log_writer.hpp"
#include "jadekv/persist/log_format.hpp"

namespace fuzz {

inline void reseal_log_segment(std::string& seg) {
  namespace lf = jadekv::persist::log_format;
  namespace pd = jadekv::persist::detail;
  using jadekv::decode_fixed32;
  using jadekv::encode_fixed32;
  const bool v1 = seg.size() >= lf::k_v1_header_size && decode_fixed32(seg.data() + lf::k_version_offset) == 1;
  const std::size_t header = v1 ? lf::k_v1_header_size : lf::k_header_size;
  const std::size_t crc_at = v1 ? lf::k_v1_header_crc_offset : lf::k_header_crc_offset;
  if (seg.size() < header) return;
  encode_fixed32(seg.data() + crc_at, jadekv::crc32c::mask(jadekv::crc32c::value(seg.data(), crc_at)));
  const std::uint32_t bs = decode_fixed32(seg.data() + lf::k_block_size_offset);
  if (!lf::valid_block_size(bs)) return;
  const std::uint32_t seed = pd::segment_seed(jadekv::decode_fixed64(seg.data() + lf::k_number_offset));
  std::size_t pos = header;
  while (pos < seg.size()) {
    const std::size_t room = bs - pos % bs;
    if (room < lf::k_min_fragment_room) {
      pos += room;
      continue;
    }
    if (seg.size() - pos < lf::k_fragment_header_size) return;
    const std::size_t len = pd::decode_fixed16(seg.data() + pos + lf::k_length_offset);
    if (len == 0 || len > room - lf::k_fragment_header_size || len > seg.size() - pos - lf::k_fragment_header_size) {
      return;
    }
    encode_fixed32(seg.data() + pos + lf::k_crc_offset,
                   pd::fragment_crc(seed, seg.data() + pos + lf::k_length_offset, len));
    pos += lf::k_fragment_header_size + len;
  }
}

}  // namespace fuzz
