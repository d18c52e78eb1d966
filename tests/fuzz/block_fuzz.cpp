// Fuzz target: the sorted-table pieces that decode without a file — a data
// or index block (index/lsm/block.hpp), a bloom filter block (bloom.hpp), a
// block handle, the table header and the footer (table_format.hpp) — over
// the same input.
//
// Input: one byte (restart interval of the rebuilt block, and bit 7: reseal
// the footer's crc), then the block contents.
//
// Properties: no crash and no read outside the input; a cursor ends either
// at the end with an ok status or at a malformed entry with corruption;
// every key it shows is a well-formed internal key; when the entries read
// are in strictly increasing order, the block rebuilt from them by
// block_builder reads back the same entries forwards and backwards and a
// seek finds each of them; a bloom filter built over keys matches them all.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fuzz_support.hpp"
#include "jadekv/core/internal_key.hpp"
#include "jadekv/index/lsm/block.hpp"
#include "jadekv/index/lsm/block_builder.hpp"
#include "jadekv/index/lsm/bloom.hpp"
#include "jadekv/index/lsm/key_order.hpp"
#include "jadekv/index/lsm/table_format.hpp"

namespace {

using namespace jadekv;
namespace sst = jadekv::index::sst;
using entries = std::vector<std::pair<std::string, std::string>>;

const sst::key_order<bytewise_comparator> k_order{};

bool well_formed(std::string_view ikey) {
  parsed_internal_key k;
  return parse_internal_key(ikey, k);
}

entries forward(const sst::block_view& v, bool& clean) {
  entries out;
  sst::block_cursor<> c(v);
  for (c.seek_to_first(); c.valid(); c.next()) {
    FUZZ_CHECK(well_formed(c.key()));
    FUZZ_CHECK(c.user_key().size() + k_tag_size == c.key().size());
    out.emplace_back(c.key(), c.value());
  }
  clean = c.status().ok();
  FUZZ_CHECK(clean || c.status().is_corruption());
  return out;
}

entries backward(const sst::block_view& v, bool& clean) {
  entries out;
  sst::block_cursor<> c(v);
  for (c.seek_to_last(); c.valid(); c.prev()) {
    FUZZ_CHECK(well_formed(c.key()));
    out.emplace_back(c.key(), c.value());
    if (out.size() > v.restarts_offset) break;  // prev() must make progress; a loop would never end
  }
  FUZZ_CHECK(out.size() <= v.restarts_offset);
  clean = c.status().ok();
  return out;
}

void seek(const sst::block_view& v, std::string_view target) {
  if (!well_formed(target)) return;
  sst::block_cursor<> c(v);
  c.seek([&](std::string_view k) { return k_order.compare(k, target) < 0; });
  if (c.valid()) FUZZ_CHECK(well_formed(c.key()));
}

bool strictly_increasing(const entries& es) {
  for (std::size_t i = 1; i < es.size(); ++i) {
    if (k_order.compare(es[i - 1].first, es[i].first) >= 0) return false;
  }
  return true;
}

void check_rebuilt(const entries& es, int restart_interval) {
  sst::block_builder<> b(restart_interval);
  for (const auto& [k, v] : es) b.add(k, v);
  const std::string contents(b.finish());
  sst::block_view v;
  FUZZ_CHECK(sst::block_view::parse(contents, v));
  bool clean_fwd = false, clean_bwd = false;
  FUZZ_CHECK(forward(v, clean_fwd) == es && clean_fwd);
  entries rev = backward(v, clean_bwd);
  FUZZ_CHECK(clean_bwd);
  FUZZ_CHECK(entries(rev.rbegin(), rev.rend()) == es);
  for (const auto& e : es) {
    sst::block_cursor<> c(v);
    c.seek([&](std::string_view x) { return k_order.compare(x, e.first) < 0; });
    FUZZ_CHECK(c.valid() && c.key() == e.first && c.value() == e.second);
  }
  sst::bloom_builder<> bloom(1 + restart_interval % 16);
  for (const auto& e : es) bloom.add_hash(sst::key_hash(extract_user_key(e.first)));
  std::string filter;
  bloom.finish(filter);
  sst::bloom_reader r;
  FUZZ_CHECK(sst::bloom_reader::parse(filter, r));
  for (const auto& e : es) FUZZ_CHECK(r.may_match(sst::key_hash(extract_user_key(e.first))));
}

void filter(std::string_view in) {
  sst::bloom_reader r;
  if (!sst::bloom_reader::parse(in, r)) return;
  FUZZ_CHECK(static_cast<std::size_t>(r.lines()) * sst::k_bloom_line_bytes + sst::k_bloom_trailer_size == in.size());
  for (std::size_t i = 0; i + 8 <= in.size(); i += 8) (void)r.may_match(decode_fixed64(in.data() + i));
  (void)r.may_match(sst::key_hash(in));
}

void framing(std::string_view in, bool reseal) {
  sst::block_handle h;
  if (sst::decode_block_handle(in, h)) {
    std::string again;
    sst::put_block_handle(again, h);
    sst::block_handle back;
    FUZZ_CHECK(sst::decode_block_handle(again, back) && back == h);
  }
  if (in.size() >= sst::k_header_size) {
    const status s = sst::check_header(in.substr(0, sst::k_header_size));
    FUZZ_CHECK(s.ok() || s.is_corruption());
  }
  if (in.size() < sst::k_footer_size) return;
  std::string foot(in.substr(in.size() - sst::k_footer_size));
  if (reseal) {
    encode_fixed32(foot.data() + sst::k_footer_crc_offset,
                   crc32c::mask(crc32c::value(foot.data(), sst::k_footer_crc_offset)));
  }
  const std::uint64_t file_size = sst::k_min_table_size + decode_fixed32(in.data());
  sst::footer f;
  const status s = sst::decode_footer(foot, file_size, f);
  if (!s.ok()) {
    FUZZ_CHECK(s.is_corruption());
    return;
  }
  for (const sst::block_handle* h : {&f.properties, &f.index}) {
    FUZZ_CHECK(h->offset >= sst::k_header_size && h->end() <= file_size - sst::k_footer_size);
  }
  char again[sst::k_footer_size];
  sst::encode_footer(again, f);
  sst::footer back;
  FUZZ_CHECK(sst::decode_footer(std::string_view(again, sizeof again), file_size, back).ok());
  FUZZ_CHECK(back.filter == f.filter && back.properties == f.properties && back.index == f.index);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::input in(data, size);
  const std::uint8_t knobs = in.byte();
  const std::string contents(in.rest());  // a copy, so ASan sees reads past its end
  framing(contents, (knobs & 0x80) != 0);
  filter(contents);
  sst::block_view v;
  if (!sst::block_view::parse(contents, v)) return 0;
  FUZZ_CHECK(v.num_restarts >= 1 && v.restarts_offset + 4 * std::size_t{v.num_restarts} + 4 == contents.size());
  bool clean_fwd = false, clean_bwd = false;
  const entries es = forward(v, clean_fwd);
  (void)backward(v, clean_bwd);
  for (const auto& e : es) seek(v, e.first);
  if (contents.size() > k_tag_size) seek(v, std::string_view(contents).substr(contents.size() / 2));
  if (clean_fwd && strictly_increasing(es)) check_rebuilt(es, 1 + (knobs & 0x1f));
  return 0;
}
