// internal_key: a user key together with the version that wrote it.
//
// Every entry a memtable, an SSTable or the WAL holds is a versioned entry: the
// user key, the sequence number of the write and whether it put a value or
// erased the key. The version travels as an 8-byte tag after the user key:
//
//   internal key = | user key (n bytes) | tag (8 bytes, fixed64 little-endian) |
//
//   tag (as a 64-bit integer):
//     bit 63 ............................. bit 8 | bit 7 ..... bit 0
//     | sequence number (56 bits)                 | value_kind (8 bits) |
//
//   tag bytes as stored (little-endian):
//     byte 0    value_kind (0 = erase, 1 = put)
//     byte 1    sequence bits 0..7
//     ...
//     byte 7    sequence bits 48..55
//
// Order of internal keys (internal_key_comparator):
//   1. user key ascending, by the user comparator;
//   2. then sequence number DESCENDING: the newest version of a key first;
//   3. then kind descending (put before erase at the same sequence).
// Steps 2 and 3 together are "tag descending".
//
// Thread safety: pure functions and immutable comparators.
//
// Invariants:
//   1. sequence numbers fit in 56 bits: 0 <= seq <= k_max_sequence.
//   2. An encoded internal key is at least 8 bytes long; parse_internal_key
//      rejects anything shorter and any kind byte that is not a value_kind.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "jadekv/core/coding.hpp"
#include "jadekv/core/comparator.hpp"

namespace jadekv::inline v0 {

using sequence_number = std::uint64_t;

// The largest sequence number a tag can carry (56 bits).
inline constexpr sequence_number k_max_sequence = (sequence_number{1} << 56) - 1;

enum class value_kind : std::uint8_t { erase = 0, put = 1 };

// The largest kind byte; a lookup tag built with it sorts before every entry
// of the same sequence number.
inline constexpr value_kind k_max_value_kind = value_kind::put;

inline constexpr std::size_t k_tag_size = 8;

// (seq << 8) | kind. REQUIRES: seq <= k_max_sequence.
constexpr std::uint64_t pack_tag(sequence_number seq, value_kind kind) noexcept {
  return (seq << 8) | static_cast<std::uint64_t>(kind);
}

constexpr sequence_number tag_sequence(std::uint64_t tag) noexcept { return tag >> 8; }

// The kind byte as stored; not checked (see parse_internal_key for a checked read).
constexpr value_kind tag_kind(std::uint64_t tag) noexcept { return static_cast<value_kind>(tag & 0xffu); }

constexpr bool is_valid_kind(std::uint8_t byte) noexcept {
  return byte == static_cast<std::uint8_t>(value_kind::erase) || byte == static_cast<std::uint8_t>(value_kind::put);
}

static_assert(tag_sequence(pack_tag(k_max_sequence, value_kind::put)) == k_max_sequence);
static_assert(tag_kind(pack_tag(7, value_kind::erase)) == value_kind::erase);
static_assert(pack_tag(1, value_kind::erase) > pack_tag(0, value_kind::put), "sequence dominates kind in a tag");

struct parsed_internal_key {
  std::string_view user_key;
  sequence_number seq = 0;
  value_kind kind = value_kind::put;

  std::uint64_t tag() const noexcept { return pack_tag(seq, kind); }
};

inline std::size_t internal_key_size(std::size_t user_key_size) noexcept { return user_key_size + k_tag_size; }

// Writes user_key then the tag at dst; returns one past the last byte.
// REQUIRES: internal_key_size(user_key.size()) writable bytes at dst.
inline char* encode_internal_key(char* dst, std::string_view user_key, std::uint64_t tag) noexcept {
  if (!user_key.empty()) std::memcpy(dst, user_key.data(), user_key.size());
  encode_fixed64(dst + user_key.size(), tag);
  return dst + user_key.size() + k_tag_size;
}

inline void append_internal_key(std::string& dst, std::string_view user_key, sequence_number seq, value_kind kind) {
  dst.append(user_key);
  put_fixed64(dst, pack_tag(seq, kind));
}

inline std::string make_internal_key(std::string_view user_key, sequence_number seq, value_kind kind) {
  std::string out;
  out.reserve(internal_key_size(user_key.size()));
  append_internal_key(out, user_key, seq, kind);
  return out;
}

// The user key of an encoded internal key. REQUIRES: ikey.size() >= 8.
inline std::string_view extract_user_key(std::string_view ikey) noexcept {
  return ikey.substr(0, ikey.size() - k_tag_size);
}

// The tag of an encoded internal key. REQUIRES: ikey.size() >= 8.
inline std::uint64_t extract_tag(std::string_view ikey) noexcept {
  return decode_fixed64(ikey.data() + ikey.size() - k_tag_size);
}

// Checked decode of bytes that may come from a file: false when `ikey` is
// shorter than a tag or its kind byte is unknown; `out` views into `ikey`.
inline bool parse_internal_key(std::string_view ikey, parsed_internal_key& out) noexcept {
  if (ikey.size() < k_tag_size) return false;
  const std::uint64_t tag = extract_tag(ikey);
  if (!is_valid_kind(static_cast<std::uint8_t>(tag & 0xffu))) return false;
  out.user_key = extract_user_key(ikey);
  out.seq = tag_sequence(tag);
  out.kind = tag_kind(tag);
  return true;
}

// Orders tags newest first: <0 when tag a sorts before tag b.
constexpr int compare_tags(std::uint64_t a, std::uint64_t b) noexcept { return a > b ? -1 : (a < b ? 1 : 0); }

// The total order on internal keys described at the top of this file.
template <comparator Cmp = bytewise_comparator>
class internal_key_comparator {
 public:
  using user_comparator_type = Cmp;

  internal_key_comparator() = default;
  explicit internal_key_comparator(const Cmp& user) : user_(user) {}

  const Cmp& user_comparator() const noexcept { return user_; }

  // Compares two user keys with their tags.
  int compare(std::string_view a_user, std::uint64_t a_tag, std::string_view b_user, std::uint64_t b_tag) const {
    const int r = user_.compare(a_user, b_user);
    return r != 0 ? r : compare_tags(a_tag, b_tag);
  }

  int compare(const parsed_internal_key& a, const parsed_internal_key& b) const {
    return compare(a.user_key, a.tag(), b.user_key, b.tag());
  }

  // Compares two encoded internal keys. REQUIRES: both at least 8 bytes.
  int compare(std::string_view a, std::string_view b) const {
    return compare(extract_user_key(a), extract_tag(a), extract_user_key(b), extract_tag(b));
  }

 private:
  [[no_unique_address]] Cmp user_{};
};

}  // namespace jadekv::inline v0
