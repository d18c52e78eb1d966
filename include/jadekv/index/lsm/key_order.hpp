// key_order: the internal-key order (core/internal_key.hpp) as the table
// layer compares it, with the user comparator's calls inlined: for
// bytewise_comparator, short keys are compared eight bytes at a time
// instead of through a call to memcmp (table lookups compare many short
// keys: the index search, the restart search and the scan in a block).
//
// Thread safety: immutable.
//
// Invariants:
//   1. key_order<Cmp>::compare_user agrees in sign with Cmp::compare on
//      every pair of keys.
#pragma once

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <type_traits>

#include "jadekv/core/comparator.hpp"
#include "jadekv/core/internal_key.hpp"

namespace jadekv::inline v0::index::sst {

namespace detail {

// memcmp order of unsigned bytes, shorter first on a common prefix.
inline int bytewise_compare(std::string_view a, std::string_view b) noexcept {
  const std::size_t n = std::min(a.size(), b.size());
  if (n > 64) {
    const int r = std::memcmp(a.data(), b.data(), n);
    if (r != 0) return r;
  } else {
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8) {
      std::uint64_t x, y;
      std::memcpy(&x, a.data() + i, 8);
      std::memcpy(&y, b.data() + i, 8);
      if (x != y) {
        if constexpr (std::endian::native == std::endian::little) {
          x = __builtin_bswap64(x);
          y = __builtin_bswap64(y);
        }
        return x < y ? -1 : 1;
      }
    }
    for (; i < n; ++i) {
      const auto x = static_cast<unsigned char>(a[i]), y = static_cast<unsigned char>(b[i]);
      if (x != y) return x < y ? -1 : 1;
    }
  }
  return a.size() < b.size() ? -1 : (a.size() > b.size() ? 1 : 0);
}

}  // namespace detail

template <comparator Cmp>
class key_order {
 public:
  key_order() = default;
  explicit key_order(const Cmp& user) : user_(user) {}

  const Cmp& user_comparator() const noexcept { return user_; }

  int compare_user(std::string_view a, std::string_view b) const {
    if constexpr (std::is_same_v<Cmp, bytewise_comparator>) return detail::bytewise_compare(a, b);
    else return user_.compare(a, b);
  }

  // (user key, tag) pairs: user key ascending, then tag descending.
  int compare(std::string_view a_user, std::uint64_t a_tag, std::string_view b_user, std::uint64_t b_tag) const {
    const int r = compare_user(a_user, b_user);
    return r != 0 ? r : compare_tags(a_tag, b_tag);
  }

  // Encoded internal keys. REQUIRES: both at least 8 bytes.
  int compare(std::string_view a, std::string_view b) const {
    return compare(extract_user_key(a), extract_tag(a), extract_user_key(b), extract_tag(b));
  }

 private:
  [[no_unique_address]] Cmp user_{};
};

}  // namespace jadekv::inline v0::index::sst
