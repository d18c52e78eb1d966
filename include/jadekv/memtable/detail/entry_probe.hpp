// entry_probe: a search target (user key, tag) prepared once, then compared
// against many entries (detail/entry.hpp layout).
//
// A search compares one target against dozens of entries. entry_probe does
// the per-target work once, so each comparison costs as few instructions as
// possible. For bytewise_comparator and a key of at most 16 bytes it holds
// the key as big-endian words, zero-padded; an entry whose key has the same
// length then compares with one or two integer comparisons and, on a tie,
// the tag. specialize() hands a search a word_probe, the same test with the
// key's word count fixed at compile time and nothing else in it, so a search
// loop keeps it in registers. Any other entry, and any other comparator,
// takes the general path (compare_entry).
//
// Thread safety: immutable after construction; it views the caller's key,
// which must outlive it (and every word_probe made from it).
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

using jadekv::detail::load_be64;

template <class Cmp>
class entry_probe {
 public:
  entry_probe(const Cmp& cmp, std::string_view user_key, std::uint64_t tag) noexcept
      : cmp_(cmp), user_key_(user_key), tag_(tag) {}

  // f(*this): no faster form for a user comparator.
  template <class F>
  decltype(auto) specialize(F&& f) const {
    return f(*this);
  }

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

// The bytewise fast path for keys of 8 * Words bytes or fewer (more than
// 8 * (Words - 1)): the key as Words big-endian words, zero-padded, the last
// one masked to the key's bytes. Small enough to live in registers for a
// whole search. An entry whose key length differs goes to `slow`.
template <int Words, class Slow>
struct word_probe {
  std::uint64_t word[Words];
  std::uint64_t last_mask;  // the key's bytes of word[Words - 1]
  std::uint64_t tag;
  unsigned char ilen;  // the fast path's one-byte key part length: key size + 8
  const Slow* slow;

  bool entry_before(const char* e) const noexcept {
    if (static_cast<unsigned char>(*e) != ilen) [[unlikely]]
      return slow->entry_before_slow(e);
    // Same key length, at most 16 bytes: the entry's key is followed by its
    // 8-byte tag, so each 8-byte load stays inside the entry.
    const std::uint64_t x = load_be64(e + 1) & (Words == 1 ? last_mask : ~std::uint64_t{0});
    if (x != word[0]) return x < word[0];
    if constexpr (Words == 2) {
      const std::uint64_t y = load_be64(e + 9) & last_mask;
      if (y != word[1]) return y < word[1];
    }
    return decode_fixed64(e + 1 + ilen - k_tag_size) > tag;  // tags sort descending
  }
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
    constexpr std::uint64_t all = ~std::uint64_t{0};
    const char* k = user_key.data();
    if (n > 8) {
      // Bytes 8..n-1 are the last n - 8 of the eight ending at the key's end.
      const auto drop = static_cast<unsigned>(8 * (k_fast_key_size - n));
      word_[0] = load_be64(k);
      mask_[0] = all;
      word_[1] = load_be64(k + n - 8) << drop;
      mask_[1] = all << drop;
    } else if (n > 0) {
      char buf[8] = {};
      std::memcpy(buf, k, n);
      word_[0] = load_be64(buf);
      mask_[0] = all << (8 * (8 - n));
    }
  }

  // Returns f(p) where p has the same entry_before() as this probe, built
  // for the key's length: a word_probe for keys up to 16 bytes, else this.
  template <class F>
  decltype(auto) specialize(F&& f) const {
    const std::size_t n = user_key_.size();
    if (n <= 8) return f(word_probe<1, entry_probe>{{word_[0]}, mask_[0], tag_, fast_ilen_, this});
    if (n <= k_fast_key_size) return f(word_probe<2, entry_probe>{{word_[0], word_[1]}, mask_[1], tag_, fast_ilen_, this});
    return f(*this);
  }

  bool entry_before(const char* e) const noexcept {
    if (static_cast<unsigned char>(*e) == fast_ilen_) {
      const std::uint64_t x = load_be64(e + 1) & mask_[0];
      if (x != word_[0]) return x < word_[0];
      if (fast_ilen_ > 8 + k_tag_size) {
        const std::uint64_t y = load_be64(e + 9) & mask_[1];
        if (y != word_[1]) return y < word_[1];
      }
      return decode_fixed64(e + 1 + fast_ilen_ - k_tag_size) > tag_;  // tags sort descending
    }
    return entry_before_slow(e);
  }

  // The general path: any key length, and varint lengths of several bytes.
  [[gnu::noinline]] bool entry_before_slow(const char* e) const noexcept {
    return compare_entry(bytewise_comparator{}, e, user_key_, tag_) < 0;
  }

  bool same_user_key(const char* e) const noexcept {
    if (static_cast<unsigned char>(*e) == fast_ilen_) {
      return (load_be64(e + 1) & mask_[0]) == word_[0] &&
             (fast_ilen_ <= 8 + k_tag_size || (load_be64(e + 9) & mask_[1]) == word_[1]);
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
};

}  // namespace jadekv::inline v0::memtable::detail
