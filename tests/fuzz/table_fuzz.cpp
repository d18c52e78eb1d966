// Fuzz target: a whole sorted table file (index/lsm/table_format.hpp),
// opened by sst::table: header, footer, properties, filter and index
// blocks, then data blocks through iterators, point lookups and verify().
//
// Input: one flags byte, then the file.
//   bit 0  reseal: rewrite the header and footer crcs, the trailer crc of
//          each block the footer names and of each data block the index
//          names, so that mutations reach the decoders behind the checksums
//   bit 1  read through a block cache
//
// Properties: no crash and no read outside the file; errors are corruption
// (or invalid_argument for a foreign comparator); a table that verify()
// accepts iterates cleanly in both directions, in increasing order, the
// same entries both ways, and a lookup of each entry at its own sequence
// number finds exactly it.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_support.hpp"
#include "jadekv/core/crc32c.hpp"
#include "jadekv/index/lsm/block.hpp"
#include "jadekv/index/lsm/block_cache.hpp"
#include "jadekv/index/lsm/table.hpp"
#include "jadekv/index/lsm/table_format.hpp"
#include "jadekv/io/memory_fs.hpp"

namespace {

using namespace jadekv;
namespace sst = jadekv::index::sst;

const std::filesystem::path k_dir = "/db";
constexpr std::string_view k_name = "000001.sst";

// Rewrites the trailer crc of the block h names, if it lies in the file.
bool reseal_block(std::string& file, const sst::block_handle& h) {
  if (h.offset > file.size() || h.size > file.size() - h.offset ||
      sst::k_block_trailer_size > file.size() - h.offset - h.size) {
    return false;
  }
  const char* p = file.data() + h.offset;
  const auto n = static_cast<std::size_t>(h.size);
  const char type = p[n];
  encode_fixed32(file.data() + h.offset + n + sst::k_block_crc_offset,
                 crc32c::mask(crc32c::extend(crc32c::value(p, n), &type, 1)));
  return true;
}

void reseal(std::string& file) {
  if (file.size() < sst::k_min_table_size) return;
  encode_fixed32(file.data() + sst::k_header_crc_offset, crc32c::mask(crc32c::value(file.data(), sst::k_header_crc_offset)));
  char* foot = file.data() + file.size() - sst::k_footer_size;
  encode_fixed32(foot + sst::k_footer_crc_offset, crc32c::mask(crc32c::value(foot, sst::k_footer_crc_offset)));
  const sst::block_handle filter{decode_fixed64(foot), decode_fixed64(foot + 8)};
  const sst::block_handle props{decode_fixed64(foot + 16), decode_fixed64(foot + 24)};
  const sst::block_handle index{decode_fixed64(foot + 32), decode_fixed64(foot + 40)};
  reseal_block(file, filter);
  reseal_block(file, props);
  if (!reseal_block(file, index)) return;
  // The data blocks the index names: the handles are the index entries' values.
  const std::string index_contents = file.substr(static_cast<std::size_t>(index.offset), static_cast<std::size_t>(index.size));
  sst::block_view v;
  if (!sst::block_view::parse(index_contents, v)) return;
  sst::block_cursor<> c(v);
  for (c.seek_to_first(); c.valid(); c.next()) {
    sst::block_handle h;
    if (sst::decode_block_handle(c.value(), h)) reseal_block(file, h);
  }
}

struct entry {
  std::string user_key;
  sequence_number seq;
  value_kind kind;
  std::string value;
  friend bool operator==(const entry&, const entry&) = default;
};

std::vector<entry> scan(const sst::table<>& t, bool forwards, status& s) {
  std::vector<entry> out;
  auto it = t.new_iterator();
  if (forwards) it->seek_to_first();
  else it->seek_to_last();
  for (; it->valid(); forwards ? it->next() : it->prev()) {
    out.push_back({std::string(it->user_key()), it->seq(), it->kind(), std::string(it->value())});
  }
  s = it->status();
  FUZZ_CHECK(s.ok() || s.is_corruption());
  return out;
}

void check_table(std::string_view file, bool cached) {
  auto fs = fuzz::fs_with_file(k_dir, k_name, file);
  auto f = fs->open(k_dir / std::string(k_name), io::open_mode::read_only);
  FUZZ_CHECK(f.has_value());
  sst::table_open_options o;
  if (cached) o.cache = sst::make_block_cache(1 << 16, 1);
  auto t = sst::table<>::open(std::move(*f), file.size(), o);
  if (!t) {
    FUZZ_CHECK(t.status().is_corruption() || t.status().is_invalid_argument());
    return;
  }
  const sst::table<>& table = **t;
  status fwd_status, bwd_status;
  const std::vector<entry> fwd = scan(table, true, fwd_status);
  const std::vector<entry> bwd = scan(table, false, bwd_status);
  std::string value;
  for (const auto& e : fwd) {
    sst::get_result r;
    const status s = table.get(e.user_key, e.seq, value, r);
    FUZZ_CHECK(s.ok() || s.is_corruption());
  }
  (void)table.approximate_offset_of(fwd.empty() ? std::string_view("k") : std::string_view(fwd.back().user_key));
  const status verified = table.verify();
  FUZZ_CHECK(verified.ok() || verified.is_corruption());
  if (!verified.ok()) return;
  FUZZ_CHECK(fwd_status.ok() && bwd_status.ok());
  FUZZ_CHECK(std::vector<entry>(bwd.rbegin(), bwd.rend()) == fwd);
  const sst::key_order<bytewise_comparator> order{};
  for (std::size_t i = 1; i < fwd.size(); ++i) {
    FUZZ_CHECK(order.compare(fwd[i - 1].user_key, pack_tag(fwd[i - 1].seq, fwd[i - 1].kind), fwd[i].user_key,
                             pack_tag(fwd[i].seq, fwd[i].kind)) < 0);
  }
  for (std::size_t i = 0; i < fwd.size(); ++i) {
    const entry& e = fwd[i];
    // A put and an erase of one key at one sequence number: the lookup sees the put.
    if (i > 0 && fwd[i - 1].user_key == e.user_key && fwd[i - 1].seq == e.seq) continue;
    sst::get_result r;
    FUZZ_CHECK(table.get(e.user_key, e.seq, value, r).ok());
    FUZZ_CHECK(r.seq == e.seq);
    FUZZ_CHECK(r.state == (e.kind == value_kind::put ? sst::lookup_state::found : sst::lookup_state::erased));
    if (e.kind == value_kind::put) FUZZ_CHECK(value == e.value);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto [flags, file] = fuzz::split_flags(data, size, reseal);
  check_table(file, (flags & 2) != 0);
  return 0;
}
