// comparator: the total order on user keys.
//
// A user comparator is any type modelling `jadekv::comparator`:
//
//   struct my_order {
//     static constexpr std::string_view name() { return "my.order.v1"; }
//     int compare(std::string_view a, std::string_view b) const;   // <0, 0, >0
//   };
//
// name() is written into every file whose order depends on it, so a database
// opened with a different comparator fails with invalid_argument instead of
// returning wrong answers. Change the name whenever the order changes.
//
// Optional capability (tested with `shortenable_comparator`): shortest
// separators and successors let an index store shorter keys in its blocks;
// a comparator without them still works everywhere.
//
// Thread safety: compare() must be callable concurrently on a const object.
//
// Invariants a comparator must keep (the engine cannot check them):
//   1. compare is a strict total order consistent with equality of bytes:
//      compare(a, b) == 0 only when a and b are the same key.
//   2. The order never changes for the lifetime of a database.
#pragma once

#include <algorithm>
#include <bit>
#include <concepts>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace jadekv::inline v0 {

namespace detail {
// 8 bytes at p as a big-endian integer: integer order is memcmp order.
inline std::uint64_t load_be64(const char* p) noexcept {
  std::uint64_t v;
  std::memcpy(&v, p, sizeof v);
  if constexpr (std::endian::native == std::endian::little) v = __builtin_bswap64(v);
  return v;
}
}  // namespace detail

template <class C>
concept comparator = std::default_initializable<C> && std::copy_constructible<C> &&
                     requires(const C& c, std::string_view a, std::string_view b) {
                       { c.compare(a, b) } -> std::convertible_to<int>;
                       { C::name() } -> std::convertible_to<std::string_view>;
                     };

template <class C>
concept shortenable_comparator =
    comparator<C> && requires(const C& c, std::string& start, std::string_view limit) {
      c.find_shortest_separator(start, limit);  // start := short s with start <= s < limit
      c.find_short_successor(start);             // start := short s with s >= start
    };

// Lexicographic order of unsigned bytes, shorter first on a common prefix:
// the order of memcmp, LevelDB's and RocksDB's default.
struct bytewise_comparator {
  static constexpr std::string_view name() noexcept { return "jadekv.bytewise"; }

  // Whole 8-byte words compare as big-endian integers and the rest byte by
  // byte: for the short keys of a search this is cheaper than a call to
  // memcmp, which the compiler cannot inline for a length it does not know.
  int compare(std::string_view a, std::string_view b) const noexcept {
    const std::size_t n = std::min(a.size(), b.size());
    const char* x = a.data();
    const char* y = b.data();
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8) {
      const std::uint64_t u = detail::load_be64(x + i), v = detail::load_be64(y + i);
      if (u != v) return u < v ? -1 : 1;
    }
    for (; i < n; ++i) {
      const auto u = static_cast<unsigned char>(x[i]), v = static_cast<unsigned char>(y[i]);
      if (u != v) return u < v ? -1 : 1;
    }
    return a.size() < b.size() ? -1 : (a.size() > b.size() ? 1 : 0);
  }

  // If start < limit and they differ after a common prefix, increment the first
  // differing byte of start (when that keeps it below limit) and cut after it.
  void find_shortest_separator(std::string& start, std::string_view limit) const {
    const std::size_t common = std::min(start.size(), limit.size());
    std::size_t i = 0;
    while (i < common && start[i] == limit[i]) ++i;
    if (i >= common) return;  // one is a prefix of the other: no shorter separator
    const auto byte = static_cast<unsigned char>(start[i]);
    if (byte < 0xff && byte + 1 < static_cast<unsigned char>(limit[i])) {
      start[i] = static_cast<char>(byte + 1);
      start.resize(i + 1);
    }
  }

  // Increment the first byte that is not 0xff and cut after it; a key of only
  // 0xff bytes has no shorter successor and is left as it is.
  void find_short_successor(std::string& key) const {
    for (std::size_t i = 0; i < key.size(); ++i) {
      const auto byte = static_cast<unsigned char>(key[i]);
      if (byte != 0xff) {
        key[i] = static_cast<char>(byte + 1);
        key.resize(i + 1);
        return;
      }
    }
  }
};

static_assert(shortenable_comparator<bytewise_comparator>);

}  // namespace jadekv::inline v0
