// Fuzz target: the byte-level decoders of core/ — varints, fixed integers,
// length-prefixed strings (core/coding.hpp), internal keys
// (core/internal_key.hpp) and write batches (core/write_batch.hpp, the
// payload of every WAL record) — over the same input.
//
// Properties: no decoder reads outside the input or crashes; whatever
// decodes re-encodes to the same values (an over-long varint decodes, so
// re-encoding may be shorter than the input, never longer).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "fuzz_support.hpp"
#include "jadekv/core/coding.hpp"
#include "jadekv/core/internal_key.hpp"
#include "jadekv/core/write_batch.hpp"

namespace {

using namespace jadekv;

void varints(std::string_view in) {
  const char* p = in.data();
  const char* limit = p + in.size();
  while (p < limit) {
    std::uint64_t v64 = 0;
    const char* end64 = decode_varint64(p, limit, v64);
    std::uint32_t v32 = 0;
    const char* end32 = decode_varint32(p, limit, v32);
    if (end32 != nullptr) {  // whatever fits 32 bits also decodes as 64 bits, to the same value and end
      FUZZ_CHECK(end64 == end32 && v64 == v32);
    }
    if (end64 == nullptr) {
      ++p;
      continue;
    }
    FUZZ_CHECK(end64 > p && end64 <= limit && end64 - p <= static_cast<std::ptrdiff_t>(k_max_varint64_bytes));
    std::string again;
    put_varint64(again, v64);
    FUZZ_CHECK(again.size() == static_cast<std::size_t>(varint_length(v64)));
    FUZZ_CHECK(again.size() <= static_cast<std::size_t>(end64 - p));
    std::uint64_t back = 0;
    FUZZ_CHECK(decode_varint64(again.data(), again.data() + again.size(), back) == again.data() + again.size());
    FUZZ_CHECK(back == v64);
    p = end64;
  }
}

void fixed_and_prefixed(std::string_view in) {
  std::string_view rest = in;
  std::uint32_t f32 = 0;
  std::uint64_t f64 = 0;
  if (get_fixed32(rest, f32)) {
    std::string again;
    put_fixed32(again, f32);
    FUZZ_CHECK(again == in.substr(0, 4));
  }
  rest = in;
  if (get_fixed64(rest, f64)) {
    std::string again;
    put_fixed64(again, f64);
    FUZZ_CHECK(again == in.substr(0, 8));
  }
  rest = in;
  std::string_view piece;
  while (!rest.empty()) {
    const std::string_view before = rest;
    if (!get_length_prefixed(rest, piece)) {
      FUZZ_CHECK(rest.data() == before.data() && rest.size() == before.size());  // unchanged on failure
      break;
    }
    FUZZ_CHECK(piece.data() >= before.data() && piece.data() + piece.size() <= before.data() + before.size());
    FUZZ_CHECK(rest.size() < before.size());
  }
}

void internal_key(std::string_view in) {
  parsed_internal_key k;
  if (!parse_internal_key(in, k)) return;
  FUZZ_CHECK(make_internal_key(k.user_key, k.seq, k.kind) == in);
}

void batch(std::string_view in) {
  auto b = write_batch::decode(in);
  if (!b) {
    FUZZ_CHECK(b.status().is_corruption());
    return;
  }
  FUZZ_CHECK(b->data() == in);
  FUZZ_CHECK(b->sequence() + b->count() <= k_max_sequence + 1);
  // Re-encoding gives the same records; not always the same bytes, since a
  // varint may be written with more groups than it needs.
  using record = std::tuple<value_kind, std::string, std::string>;
  std::vector<record> records;
  write_batch rebuilt;
  rebuilt.set_sequence(b->sequence());
  FUZZ_CHECK(b->for_each([&](value_kind kind, std::string_view key, std::string_view value) {
               records.emplace_back(kind, key, value);
               if (kind == value_kind::put) rebuilt.put(key, value);
               else rebuilt.erase(key);
             }).ok());
  FUZZ_CHECK(records.size() == b->count());
  FUZZ_CHECK(rebuilt.sequence() == b->sequence() && rebuilt.count() == b->count());
  std::vector<record> again;
  FUZZ_CHECK(rebuilt.for_each([&](value_kind kind, std::string_view key, std::string_view value) {
               again.emplace_back(kind, key, value);
             }).ok());
  FUZZ_CHECK(again == records);
  FUZZ_CHECK(rebuilt.byte_size() <= b->byte_size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in = fuzz::as_view(data, size);
  varints(in);
  fixed_and_prefixed(in);
  internal_key(in);
  batch(in);
  return 0;
}
