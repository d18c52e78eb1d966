// write_batch: an ordered group of puts and erases that an engine applies
// atomically: all or nothing, also across a crash (the WAL stores one batch as
// one record).
//
// Encoded representation, data(); it is exactly the payload of a WAL record:
//
//   offset  size  field
//   0       8     sequence  fixed64 LE: sequence number of the first record;
//                           record i (from 0) has sequence + i
//   8       4     count     fixed32 LE: number of records that follow
//   12      ...   count records, back to back, each:
//                   kind    1 byte, a value_kind: 0 = erase, 1 = put
//                   key     varint32 length, then that many bytes
//                   value   varint32 length, then that many bytes (put only)
//
//   put("a", "1"); erase("b") with sequence 7 encodes as (hex)
//     07 00 00 00 00 00 00 00 | 02 00 00 00 | 01 01 61 01 31 | 00 01 62
//
// Thread safety: a value type; distinct objects may be used from distinct
// threads, one object needs external synchronisation.
//
// Invariants:
//   1. data() always holds a well-formed encoding: the 12-byte header, then
//      exactly count() records, nothing after them. put/erase/append keep it
//      so; decode() accepts nothing else.
//   2. decode() never reads outside the bytes it was given, and every error
//      it returns is status::corruption naming the byte offset.
//   3. A decoded batch satisfies sequence() + count() <= k_max_sequence + 1,
//      so the sequence numbers of its records fit in a tag.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "jadekv/core/coding.hpp"
#include "jadekv/core/internal_key.hpp"
#include "jadekv/core/result.hpp"
#include "jadekv/core/status.hpp"
#include "jadekv/detail/concat.hpp"
#include "jadekv/detail/contract.hpp"

namespace jadekv::inline v0 {

class write_batch {
 public:
  // Bytes of the sequence + count header.
  static constexpr std::size_t k_header_size = 12;

  write_batch() : rep_(k_header_size, '\0') {}

  // Adds a put. REQUIRES: key and value shorter than 4 GiB.
  void put(std::string_view key, std::string_view value) {
    add_record(value_kind::put);
    put_length_prefixed(rep_, checked(key));
    put_length_prefixed(rep_, checked(value));
  }

  // Adds an erase. REQUIRES: key shorter than 4 GiB.
  void erase(std::string_view key) {
    add_record(value_kind::erase);
    put_length_prefixed(rep_, checked(key));
  }

  // Removes every record and resets the sequence to 0.
  void clear() { rep_.assign(k_header_size, '\0'); }

  std::uint32_t count() const noexcept { return decode_fixed32(rep_.data() + 8); }
  bool empty() const noexcept { return count() == 0; }

  sequence_number sequence() const noexcept { return decode_fixed64(rep_.data()); }
  void set_sequence(sequence_number seq) noexcept { encode_fixed64(rep_.data(), seq); }

  // Size of the encoding, header included.
  std::size_t byte_size() const noexcept { return rep_.size(); }

  // The encoding described at the top of this file.
  std::string_view data() const noexcept { return rep_; }

  // Appends other's records after this batch's; this batch's sequence stays.
  void append(const write_batch& other) {
    set_count(count_sum(other.count()));
    rep_.append(other.rep_, k_header_size, std::string::npos);
  }

  // Checked decode of bytes that may come from a file (invariants 1-3).
  static result<write_batch> decode(std::string_view bytes);

  // Calls f(value_kind, key, value) for every record in order (value is empty
  // for an erase). f may return void, or a status that stops the walk when
  // not ok and is returned. A corruption status if the encoding is malformed,
  // which invariant 1 rules out.
  template <class F>
  status for_each(F&& f) const;

  friend bool operator==(const write_batch& a, const write_batch& b) noexcept { return a.rep_ == b.rep_; }

 private:
  struct from_rep_tag {};
  write_batch(from_rep_tag, std::string rep) : rep_(std::move(rep)) {}

  static std::string_view checked(std::string_view s) {
    if (s.size() > std::numeric_limits<std::uint32_t>::max()) {
      detail::contract_violation("write_batch: a key or value of 4 GiB or more");
    }
    return s;
  }
  std::uint32_t count_sum(std::uint32_t more) const {
    if (more > std::numeric_limits<std::uint32_t>::max() - count()) {
      detail::contract_violation("write_batch: more than 2^32-1 records");
    }
    return count() + more;
  }
  void set_count(std::uint32_t n) noexcept { encode_fixed32(rep_.data() + 8, n); }
  void add_record(value_kind k) {
    set_count(count_sum(1));
    rep_.push_back(static_cast<char>(k));
  }

  // Walks the records of rep; f(kind, key, value) -> status. Shared by
  // decode() and for_each() so that both accept exactly the same bytes.
  template <class F>
  static status walk(std::string_view rep, F&& f);

  std::string rep_;
};

// ---------------------------------------------------------------------------
// Implementation.

template <class F>
status write_batch::walk(std::string_view rep, F&& f) {
  auto bad = [&](std::string_view what, std::string_view at) {
    return status::corruption(detail::concat(
        {"write_batch: ", what, " at offset ", static_cast<std::size_t>(at.data() - rep.data()), " of ", rep.size()}));
  };
  if (rep.size() < k_header_size) return bad("header cut short", rep.substr(rep.size()));
  const std::uint32_t n = decode_fixed32(rep.data() + 8);
  std::string_view in = rep.substr(k_header_size);
  for (std::uint32_t i = 0; i < n; ++i) {
    if (in.empty()) return bad(detail::concat({"record ", i, " of ", n, " missing"}), in);
    const auto byte = static_cast<std::uint8_t>(in.front());
    if (!is_valid_kind(byte)) return bad(detail::concat({"unknown record kind ", byte}), in);
    const std::string_view at = in;
    in.remove_prefix(1);
    std::string_view key, value;
    if (!get_length_prefixed(in, key)) return bad("key cut short", at);
    const auto kind = static_cast<value_kind>(byte);
    if (kind == value_kind::put && !get_length_prefixed(in, value)) return bad("value cut short", at);
    if (auto s = f(kind, key, value); !s.ok()) return s;
  }
  if (!in.empty()) return bad(detail::concat({in.size(), " bytes after the last record"}), in);
  return {};
}

inline result<write_batch> write_batch::decode(std::string_view bytes) {
  auto s = walk(bytes, [](value_kind, std::string_view, std::string_view) { return status{}; });
  if (!s.ok()) return s;
  const sequence_number seq = decode_fixed64(bytes.data());
  const std::uint32_t n = decode_fixed32(bytes.data() + 8);
  if (seq > k_max_sequence + 1 - n) {
    return status::corruption(
        detail::concat({"write_batch: sequence ", seq, " with ", n, " records passes the largest sequence number"}));
  }
  return write_batch(from_rep_tag{}, std::string(bytes));
}

template <class F>
status write_batch::for_each(F&& f) const {
  return walk(rep_, [&](value_kind k, std::string_view key, std::string_view value) -> status {
    if constexpr (std::is_void_v<std::invoke_result_t<F&, value_kind, std::string_view, std::string_view>>) {
      f(k, key, value);
      return {};
    } else {
      return f(k, key, value);
    }
  });
}

}  // namespace jadekv::inline v0
