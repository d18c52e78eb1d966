// The bytes of one memtable entry, shared by skiplist, rbtree and hash. Each
// structure puts its own links in front (a tower, tree links, a chain link);
// the entry itself is a key part and a value part:
//
//   key part    | varint32 n = key size + 8 | user key (n - 8 bytes) | tag (fixed64 LE) |
//   value part, as the structure chooses (its `values` policy):
//     inline_values:  | varint32 m = value size | value (m bytes) |
//     values apart:   a reference to a value record (detail/value_ref.hpp)
//
// The key part is the internal key of core/internal_key.hpp behind its
// length, so a flush can hand it to a table builder as it is. Entries are
// written once, before they are published, and never change afterwards.
//
// Thread safety: pure functions over immutable bytes.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string_view>
#include <type_traits>

#include "jadekv/core/coding.hpp"
#include "jadekv/core/comparator.hpp"
#include "jadekv/core/internal_key.hpp"
#include "jadekv/detail/contract.hpp"
#include "jadekv/memtable/concepts.hpp"

namespace jadekv::inline v0::memtable::detail {

using jadekv::detail::contract_violation;

// Aborts on the preconditions of insert() that are cheap to check up front.
inline void check_insert(sequence_number seq, value_kind kind, std::string_view key, std::string_view value) noexcept {
  constexpr std::size_t limit = std::numeric_limits<std::uint32_t>::max() - k_tag_size;
  if (seq > k_max_sequence) contract_violation("memtable insert: sequence number above k_max_sequence");
  if (!is_valid_kind(static_cast<std::uint8_t>(kind))) contract_violation("memtable insert: unknown value_kind");
  if (key.size() > limit || value.size() > limit) contract_violation("memtable insert: key or value of 4 GiB or more");
}

inline std::size_t key_part_size(std::size_t key_size) noexcept {
  const std::size_t ikey = key_size + k_tag_size;
  return static_cast<std::size_t>(varint_length(ikey)) + ikey;
}

// The size of an inline value part.
inline std::size_t value_part_size(std::size_t value_size) noexcept {
  return static_cast<std::size_t>(varint_length(value_size)) + value_size;
}

inline std::size_t entry_size(std::size_t key_size, std::size_t value_size) noexcept {
  return key_part_size(key_size) + value_part_size(value_size);
}

// Each writer returns one past the last byte it wrote.
inline char* encode_key_part(char* dst, std::string_view key, std::uint64_t tag) noexcept {
  return encode_internal_key(encode_varint32(dst, static_cast<std::uint32_t>(key.size() + k_tag_size)), key, tag);
}

// An inline value part, or a value record (detail/value_ref.hpp).
inline char* encode_value_part(char* dst, std::string_view value) noexcept {
  char* p = encode_varint32(dst, static_cast<std::uint32_t>(value.size()));
  if (!value.empty()) std::memcpy(p, value.data(), value.size());
  return p + value.size();
}

// An entry with its value inline. REQUIRES: entry_size(key.size(), value.size()) bytes at dst.
inline void encode_entry(char* dst, std::string_view key, std::uint64_t tag, std::string_view value) noexcept {
  encode_value_part(encode_key_part(dst, key, tag), value);
}

// Reads a varint32 length written by encode_entry and advances p past it.
inline std::uint32_t read_length(const char*& p) noexcept {
  const auto first = static_cast<unsigned char>(*p);
  if (first < 0x80) {  // keys and values under 128 bytes: one byte
    ++p;
    return first;
  }
  std::uint32_t v = 0;
  p = decode_varint32(p, p + k_max_varint32_bytes, v);  // our own bytes: always well formed
  return v;
}

struct entry_key {
  std::string_view user_key;
  std::uint64_t tag;
};

inline entry_key decode_key(const char* e) noexcept {
  const std::uint32_t n = read_length(e);
  return {std::string_view(e, n - k_tag_size), decode_fixed64(e + n - k_tag_size)};
}

// The first byte after the key part.
inline const char* value_part(const char* e) noexcept {
  const std::uint32_t n = read_length(e);
  return e + n;
}

// The value of an inline value part (or value record) at p.
inline std::string_view decode_value_part(const char* p) noexcept {
  const std::uint32_t m = read_length(p);
  return {p, m};
}

// The value policy of entries whose value part is inline.
struct inline_values {
  static std::string_view value(const char* e) noexcept { return decode_value_part(value_part(e)); }
};

// The order of bytewise_comparator (memcmp, shorter first on a common
// prefix), eight bytes at a time and inline: memtable searches compare short
// keys dozens of times per operation, where a call into memcmp dominates.
inline int compare_bytes(std::string_view a, std::string_view b) noexcept {
  const char* p = a.data();
  const char* q = b.data();
  std::size_t n = a.size() < b.size() ? a.size() : b.size();
  for (; n >= 8; p += 8, q += 8, n -= 8) {
    std::uint64_t x;
    std::uint64_t y;
    std::memcpy(&x, p, 8);
    std::memcpy(&y, q, 8);
    if (x != y) {
      if constexpr (std::endian::native == std::endian::little) {
        x = __builtin_bswap64(x);
        y = __builtin_bswap64(y);
      }
      return x < y ? -1 : 1;
    }
  }
  for (; n > 0; ++p, ++q, --n) {
    const auto x = static_cast<unsigned char>(*p);
    const auto y = static_cast<unsigned char>(*q);
    if (x != y) return x < y ? -1 : 1;
  }
  return a.size() < b.size() ? -1 : (a.size() > b.size() ? 1 : 0);
}

// cmp.compare(a, b), with bytewise_comparator's order computed inline.
template <class Cmp>
int compare_user_keys(const Cmp& cmp, std::string_view a, std::string_view b) {
  if constexpr (std::is_same_v<Cmp, bytewise_comparator>) {
    return compare_bytes(a, b);
  } else {
    return cmp.compare(a, b);
  }
}

// Internal-key order of entry e against (user_key, tag): <0, 0, >0.
template <class Cmp>
int compare_entry(const Cmp& cmp, const char* e, std::string_view user_key, std::uint64_t tag) {
  const std::uint32_t n = read_length(e);
  const int r = compare_user_keys(cmp, std::string_view(e, n - k_tag_size), user_key);
  return r != 0 ? r : compare_tags(decode_fixed64(e + n - k_tag_size), tag);  // the tag only on a tie
}

// The tag seek(key, seq) looks for: sorts before every entry (key, seq, kind).
constexpr std::uint64_t seek_tag(sequence_number seq) noexcept {
  return pack_tag(seq > k_max_sequence ? k_max_sequence : seq, k_max_value_kind);
}

// Aborts when entry e (may be null) already holds (user_key, seq).
template <class Cmp>
void check_new_version(const Cmp& cmp, const char* e, std::string_view user_key, sequence_number seq) noexcept {
  if (e == nullptr) return;
  const entry_key k = decode_key(e);
  if (tag_sequence(k.tag) == seq && compare_user_keys(cmp, k.user_key, user_key) == 0)
    contract_violation("memtable insert: an entry with this (key, seq) already exists");
}

// The answer of get(key, ...) given the entry it lands on, known to hold key.
// Values: the policy that reads a value part (inline_values, or the
// structure's own).
template <class Values = inline_values>
lookup lookup_of(const char* e) noexcept {
  const entry_key k = decode_key(e);
  if (tag_kind(k.tag) == value_kind::erase) return {lookup::erased, {}, tag_sequence(k.tag)};
  return {lookup::found, Values::value(e), tag_sequence(k.tag)};
}

// The answer of get(key, ...) given the first entry at or after the seek
// target (null when there is none).
template <class Values = inline_values, class Cmp>
lookup lookup_at(const Cmp& cmp, const char* e, std::string_view user_key) {
  if (e == nullptr || compare_user_keys(cmp, decode_key(e).user_key, user_key) != 0) return {};
  return lookup_of<Values>(e);
}

// The accessors every cursor offers, over the entry it stands on.
// Derived provides `const char* entry() const` (REQUIRES valid()).
template <class Derived, class Values = inline_values>
class entry_accessors {
 public:
  std::string_view user_key() const noexcept { return decode_key(self().entry()).user_key; }
  sequence_number seq() const noexcept { return tag_sequence(decode_key(self().entry()).tag); }
  value_kind kind() const noexcept { return tag_kind(decode_key(self().entry()).tag); }
  std::string_view value() const noexcept { return Values::value(self().entry()); }

 private:
  const Derived& self() const noexcept { return static_cast<const Derived&>(*this); }
};

}  // namespace jadekv::inline v0::memtable::detail
