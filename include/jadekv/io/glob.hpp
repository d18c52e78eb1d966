// glob_match: the small wildcard language fault_fs uses to pick paths.
//
// Thread safety: a pure function.
//
// Invariants:
//   1. '*' matches any run of characters, '/' included ("*/MANIFEST-*" matches
//      "/db/MANIFEST-000001"); '?' matches exactly one character; every other
//      character matches itself. There is no escaping and no character class.
//   2. The whole string must match, not a substring.
//   3. Linear in practice: backtracking only restarts the last '*'.
#pragma once

#include <cstddef>
#include <string_view>

namespace jadekv::inline v0::io {

inline bool glob_match(std::string_view pattern, std::string_view s) noexcept {
  constexpr std::size_t k_none = std::string_view::npos;
  std::size_t p = 0, i = 0, star = k_none, star_i = 0;
  while (i < s.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      star_i = i;
    } else if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == s[i])) {
      ++p;
      ++i;
    } else if (star != k_none) {
      p = star + 1;
      i = ++star_i;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

}  // namespace jadekv::inline v0::io
