// detail::concat: builds a message from text and numbers in one call.
//
//   status::corruption(concat({"segment ", number, " at offset ", off, ": ", why}))
//
// Why not `"segment " + std::to_string(number) + ...`: each such chain is
// compiled inline at its call site, temporaries, allocations, frees and
// exception cleanups included: about 2 KB of machine code per message with
// g++ -O2, and a header-only engine has a few hundred messages, compiled into
// every program that uses it (issue 11). Here a call site only fills an array
// of pieces; the one function that joins them is cold, out of the way of the
// paths that run.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

namespace jadekv::inline v0::detail {

// A piece of a message: a view of text, or an integer formatted in decimal
// into the piece itself. Lives only for the full expression that builds the
// message.
class text_piece {
 public:
  // Anything that converts to std::string_view: literals, std::string,
  // views, a comparator's name() of whatever type the comparator concept
  // allows.
  template <class S>
    requires std::convertible_to<const S&, std::string_view>
  text_piece(const S& s) noexcept : text_(std::string_view(s)) {}  // NOLINT: implicit by design
  template <std::integral I>
    requires(!std::same_as<I, bool> && !std::same_as<I, char>)
  text_piece(I v) noexcept {  // NOLINT
    if constexpr (std::signed_integral<I>) {
      text_ = v < 0 ? format(~static_cast<std::uint64_t>(static_cast<std::int64_t>(v)) + 1, true)
                    : format(static_cast<std::uint64_t>(v), false);
    } else {
      text_ = format(static_cast<std::uint64_t>(v), false);
    }
  }
  text_piece(const text_piece&) = delete;
  text_piece& operator=(const text_piece&) = delete;

  std::string_view view() const noexcept { return text_; }

 private:
  // Writes v (with a leading '-' when negative) at the end of digits_.
  std::string_view format(std::uint64_t v, bool negative) noexcept {
    char* end = digits_ + sizeof digits_;
    char* p = end;
    do {
      *--p = static_cast<char>('0' + v % 10);
      v /= 10;
    } while (v != 0);
    if (negative) *--p = '-';
    return {p, static_cast<std::size_t>(end - p)};
  }

  char digits_[20];  // "18446744073709551615" and "-9223372036854775808" are 20
  std::string_view text_;
};

[[gnu::cold]] inline std::string concat(std::initializer_list<text_piece> pieces) {
  std::size_t n = 0;
  for (const text_piece& p : pieces) n += p.view().size();
  std::string out;
  out.reserve(n);
  for (const text_piece& p : pieces) out += p.view();
  return out;
}

}  // namespace jadekv::inline v0::detail
