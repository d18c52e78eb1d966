// Fuzz target: a whole bptree data file ("data.jkb", index/bptree/format.hpp)
// opened by the bptree store: meta page choice, then the consistency walk
// (check.hpp), cursors, point lookups with overflow runs, a compaction and
// a reopen.
//
// Input: one flags byte, then the file.
//   bit 0  reseal: rewrite the crc of every page (and run) of the page size
//          meta page 0 names, so that mutations reach the structure checks
//
// Properties: no crash and no read outside the file; errors are corruption
// (invalid_argument for a foreign comparator, not_supported for a sound meta
// page of another format version); when check() accepts the
// file, a cursor reads every entry cleanly in ascending order, a lookup of
// each finds its value, and after compact() and after a reopen the store
// passes check() and holds the same entries.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_support.hpp"
#include "jadekv/core/comparator.hpp"
#include "jadekv/core/read_options.hpp"
#include "jadekv/index/bptree/format.hpp"
#include "jadekv/index/bptree/store.hpp"
#include "jadekv/io/memory_fs.hpp"

namespace {

using namespace jadekv;
namespace bp = jadekv::index::detail::bptree;
using store_t = bp::store<bytewise_comparator>;

const std::filesystem::path k_dir = "/db";

void reseal(std::string& file) {
  if (file.size() < bp::k_meta_page_size + 4) return;
  std::size_t ps = decode_fixed32(file.data() + bp::k_meta_page_size);
  if (!bp::valid_page_size(ps)) ps = bp::k_min_page_size;
  for (std::size_t at = 0; file.size() - at >= ps;) {
    char* p = file.data() + at;
    const std::uint64_t extra = bp::header_extra(p);
    std::size_t n = ps;
    if (extra != 0 && extra < (file.size() - at) / ps) n = static_cast<std::size_t>((extra + 1) * ps);
    bp::seal(p, n);
    at += n;
  }
}

struct entry {
  std::string key, value;
  sequence_number seq;
  friend bool operator==(const entry&, const entry&) = default;
};

std::vector<entry> scan(const store_t& st, status& s) {
  std::vector<std::unique_ptr<jadekv::detail::internal_iterator>> sources;
  st.add_sources(sources, read_options{});
  FUZZ_CHECK(sources.size() == 1);
  std::vector<entry> out;
  auto& it = *sources.front();
  for (it.seek_to_first(); it.valid(); it.next()) {
    FUZZ_CHECK(it.kind() == value_kind::put);
    out.push_back({std::string(it.user_key()), std::string(it.value()), it.seq()});
  }
  s = it.status();
  FUZZ_CHECK(s.ok() || s.is_corruption());
  return out;
}

// Checks the store; the entries when check() accepts it, else false.
bool sound(const store_t& st, std::vector<entry>& out) {
  status scanned;
  out = scan(st, scanned);
  std::string value;
  for (const auto& e : out) {
    // Before check(), a damaged tree may list a key its search path misses.
    const status s = st.get(e.key, k_max_sequence, value, read_options{});
    if (!s.ok() && !s.is_corruption() && !s.is_not_found()) std::fprintf(stderr, "get: %s\n", s.to_string().c_str());
    FUZZ_CHECK(s.ok() || s.is_corruption() || s.is_not_found());
  }
  const status checked = st.check();
  FUZZ_CHECK(checked.ok() || checked.is_corruption());
  if (!checked.ok()) return false;
  FUZZ_CHECK(scanned.ok());
  for (std::size_t i = 1; i < out.size(); ++i) FUZZ_CHECK(out[i - 1].key < out[i].key);
  for (const auto& e : out) {
    FUZZ_CHECK(st.get(e.key, k_max_sequence, value, read_options{}).ok());
    FUZZ_CHECK(value == e.value);
  }
  return true;
}

result<std::unique_ptr<store_t>> open(std::shared_ptr<io::memory_fs> fs) {
  bp::options o;
  o.cache_bytes = 1 << 16;
  return store_t::open(std::move(fs), k_dir, o, bytewise_comparator{});
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string file = fuzz::split_flags(data, size, reseal).bytes;
  auto fs = fuzz::fs_with_file(k_dir, bp::k_file_name, file);
  auto st = open(fs);
  if (!st) {
    FUZZ_CHECK(st.status().is_corruption() || st.status().is_invalid_argument() || st.status().is_not_supported());
    return 0;
  }
  std::vector<entry> before;
  if (!sound(**st, before)) return 0;
  FUZZ_CHECK((*st)->compact().ok());
  std::vector<entry> compacted;
  FUZZ_CHECK(sound(**st, compacted) && compacted == before);
  FUZZ_CHECK((*st)->close().ok());
  st->reset();
  auto again = open(fs);
  FUZZ_CHECK(again.has_value());
  std::vector<entry> reopened;
  FUZZ_CHECK(sound(**again, reopened) && reopened == before);
  return 0;
}
