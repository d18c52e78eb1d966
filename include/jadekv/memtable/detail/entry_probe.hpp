// entry_probe: a search target (user key, tag) prepared once, then compared
// against many entries (detail/entry.hpp layout).
//
// A search compares one target against dozens of entries. entry_probe does
// the per-target work once, so each comparison costs as few instructions as
// possible. For bytewise_comparator and a key of at most 16 bytes it holds
// the key as two big-endian words, zero-padded; an entry whose key has the
// same length then compares with at most two integer comparisons and, on a
// tie, the tag. Any other entry, and any other comparator, takes the general
// path (compare_entry).
//
// Thread safety: immutable after construction; it views the caller's key,
// which must outlive it.
//
// Invariants (bytewise fast path):
//   1. fast_ilen_ is the one-byte varint of the entry's key part length that
//      the fast path accepts (key size + 8), or 0 (never a key part length)
//      when the key is longer than 16 bytes.
//   2. word_[i] is bytes [8i, 8i + 8) of the key read big-endian, the bytes
//      past the key zero; mask_[i] keeps exactly the key's bytes of a word.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <type_traits>

#include "jadekv/core/comparator.hpp"
#include "jadekv/core/internal_key.hpp"
#include "jadekv/memtable/detail/entry.hpp"

namespace jadekv::inline v0::memtable::detail {

// 8 bytes at p as a big-endian integer: integer order is memcmp order.
inline std::uint64_t load_be64(const char* p) noexcept {
  std::uint64_t v;
  std::memcpy(&v, p, sizeof v);
  if constexpr (std::endian::native == std::endian::little) v = __builtin_bswap64(v);
  return v;
}

template <class Cmp>
class entry_probe {
 public:
  entry_probe(const Cmp& cmp, std::string_view user_key, std::uint64_t tag) noexcept
      : cmp_(cmp), user_key_(user_key), tag_(tag) {}

  // True when entry e sorts strictly before the target.
  bool entry_before(const char* e) const { return compare_entry(cmp_, e, user_key_, tag_) < 0; }
  // True when entry e holds the target's user key.
  bool same_user_key(const char* e) const { return compare_user_keys(cmp_, decode_key(e).user_key, user_key_) == 0; }

  std::string_view user_key() const noexcept { return user_key_; }
  std::uint64_t tag() const noexcept { return tag_; }

 private:
  const Cmp& cmp_;
  std::string_view user_key_;
  std::uint64_t tag_;
};

template <>
class entry_probe<bytewise_comparator> {
 public:
  static constexpr std::size_t k_fast_key_size = 16;

  entry_probe(const bytewise_comparator&, std::string_view user_key, std::uint64_t tag) noexcept
      : user_key_(user_key), tag_(tag) {
    const std::size_t n = user_key.size();
    if (n > k_fast_key_size) return;
    fast_ilen_ = static_cast<unsigned char>(n + k_tag_size);
    char buf[k_fast_key_size] = {};
    if (n > 0) std::memcpy(buf, user_key.data(), n);
    for (std::size_t i = 0; i < 2; ++i) {
      word_[i] = load_be64(buf + 8 * i);
      const std::size_t have = n > 8 * i ? n - 8 * i : 0;  // key bytes in word i
      mask_[i] = have >= 8 ? ~std::uint64_t{0} : (have == 0 ? 0 : ~(~std::uint64_t{0} >> (8 * have)));
    }
    two_words_ = n > 8;
  }

  bool entry_before(const char* e) const noexcept {
    if (static_cast<unsigned char>(*e) == fast_ilen_) {
      // Same key length, at most 16 bytes: the entry's key part is followed
      // by its 8-byte tag, so each 8-byte load stays inside the entry.
      const std::uint64_t x = load_be64(e + 1) & mask_[0];
      if (x != word_[0]) return x < word_[0];
      if (two_words_) {
        const std::uint64_t y = load_be64(e + 9) & mask_[1];
        if (y != word_[1]) return y < word_[1];
      }
      return decode_fixed64(e + fast_ilen_ - k_tag_size + 1) > tag_;  // tags sort descending
    }
    return compare_entry(bytewise_comparator{}, e, user_key_, tag_) < 0;
  }

  bool same_user_key(const char* e) const noexcept {
    if (static_cast<unsigned char>(*e) == fast_ilen_) {
      return (load_be64(e + 1) & mask_[0]) == word_[0] && (!two_words_ || (load_be64(e + 9) & mask_[1]) == word_[1]);
    }
    return compare_bytes(decode_key(e).user_key, user_key_) == 0;
  }

  std::string_view user_key() const noexcept { return user_key_; }
  std::uint64_t tag() const noexcept { return tag_; }

 private:
  std::string_view user_key_;
  std::uint64_t tag_;
  std::uint64_t word_[2] = {};
  std::uint64_t mask_[2] = {};
  unsigned char fast_ilen_ = 0;  // invariant 1
  bool two_words_ = false;
};

}  // namespace jadekv::inline v0::memtable::detail
