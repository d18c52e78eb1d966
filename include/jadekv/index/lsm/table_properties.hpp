// table_properties: what a table holds, written once in its properties block
// and read at open.
//
// Properties block contents, in this order:
//   entries            varint64   versioned entries (puts + erases)
//   puts               varint64
//   data blocks        varint64
//   user key bytes     varint64   sum of user key sizes over all entries
//   value bytes        varint64   sum of value sizes
//   smallest seq       varint64   0 when entries = 0
//   largest seq        varint64
//   smallest key       length-prefixed internal key (empty when entries = 0)
//   largest key        length-prefixed internal key
//   comparator         length-prefixed name of the user comparator
//   bits per key       varint32   of the filter; 0 when there is none
//   restart interval   varint32   of the data blocks
// A reader ignores bytes after the last field it knows (later versions
// append fields).
//
// Thread safety: a plain value; pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "jadekv/core/coding.hpp"
#include "jadekv/core/internal_key.hpp"

namespace jadekv::inline v0::index::sst {

struct table_properties {
  std::uint64_t entries = 0;
  std::uint64_t puts = 0;
  std::uint64_t data_blocks = 0;
  std::uint64_t user_key_bytes = 0;
  std::uint64_t value_bytes = 0;
  sequence_number smallest_seq = 0;
  sequence_number largest_seq = 0;
  std::string smallest_key;  // internal keys
  std::string largest_key;
  std::string comparator;
  std::uint32_t bits_per_key = 0;
  std::uint32_t restart_interval = 0;

  std::uint64_t erases() const noexcept { return entries - puts; }
  std::string_view smallest_user_key() const noexcept {
    return smallest_key.size() >= k_tag_size ? extract_user_key(smallest_key) : std::string_view{};
  }
  std::string_view largest_user_key() const noexcept {
    return largest_key.size() >= k_tag_size ? extract_user_key(largest_key) : std::string_view{};
  }
};

inline void encode_properties(std::string& dst, const table_properties& p) {
  put_varint64(dst, p.entries);
  put_varint64(dst, p.puts);
  put_varint64(dst, p.data_blocks);
  put_varint64(dst, p.user_key_bytes);
  put_varint64(dst, p.value_bytes);
  put_varint64(dst, p.smallest_seq);
  put_varint64(dst, p.largest_seq);
  put_length_prefixed(dst, p.smallest_key);
  put_length_prefixed(dst, p.largest_key);
  put_length_prefixed(dst, p.comparator);
  put_varint32(dst, p.bits_per_key);
  put_varint32(dst, p.restart_interval);
}

// False when a field is truncated or the values contradict each other.
inline bool decode_properties(std::string_view in, table_properties& p) {
  std::string_view smallest, largest, cmp;
  if (!get_varint64(in, p.entries) || !get_varint64(in, p.puts) || !get_varint64(in, p.data_blocks) ||
      !get_varint64(in, p.user_key_bytes) || !get_varint64(in, p.value_bytes) ||
      !get_varint64(in, p.smallest_seq) || !get_varint64(in, p.largest_seq) ||
      !get_length_prefixed(in, smallest) || !get_length_prefixed(in, largest) || !get_length_prefixed(in, cmp) ||
      !get_varint32(in, p.bits_per_key) || !get_varint32(in, p.restart_interval))
    return false;
  p.smallest_key.assign(smallest);
  p.largest_key.assign(largest);
  p.comparator.assign(cmp);
  if (p.puts > p.entries || p.smallest_seq > p.largest_seq) return false;
  parsed_internal_key a, b;
  if (p.entries == 0) return smallest.empty() && largest.empty() && p.data_blocks == 0;
  return p.data_blocks != 0 && parse_internal_key(smallest, a) && parse_internal_key(largest, b);
}

}  // namespace jadekv::inline v0::index::sst
