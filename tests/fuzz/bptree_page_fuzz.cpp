// Fuzz target: one page of a bptree data file (index/bptree/format.hpp,
// node.hpp): the meta page decoder and the branch/leaf validator, then the
// unchecked accessors that validation makes safe.
//
// Input: one byte (bits 0-1: page size 512 << n; bit 2: reseal the page's
// crc), two bytes of page count (at least 2), then the page, cut or
// zero-padded to the page size.
//
// Properties: no crash and no read outside the page; bad pages give
// corruption; a meta page that decodes re-encodes to one that decodes to
// the same fields; on a page validate_node accepts, every accessor stays
// inside the page, lookups land in range, and its cells re-encoded by
// encode_leaf / encode_branch validate and read back the same.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_support.hpp"
#include "jadekv/core/comparator.hpp"
#include "jadekv/index/bptree/format.hpp"
#include "jadekv/index/bptree/node.hpp"

namespace {

using namespace jadekv;
namespace bp = jadekv::index::detail::bptree;

const bytewise_comparator k_cmp{};

bool same_meta(const bp::meta& a, const bp::meta& b) {
  return a.page_size == b.page_size && a.tx == b.tx && a.root == b.root && a.freelist == b.freelist &&
         a.page_count == b.page_count && a.flushed == b.flushed && a.entries == b.entries &&
         a.comparator == b.comparator;
}

void check_meta(const std::string& page) {
  for (bp::page_id slot = 0; slot < 2; ++slot) {
    bp::meta m;
    if (!bp::decode_meta(page.data(), page.size(), slot, m)) continue;
    FUZZ_CHECK(m.page_size == page.size() && m.tx % 2 == slot && m.page_count >= bp::k_first_data_page);
    std::string again(page.size(), '\0');
    bp::encode_meta(again.data(), m);
    bp::meta back;
    FUZZ_CHECK(bp::decode_meta(again.data(), again.size(), slot, back));
    FUZZ_CHECK(same_meta(m, back));
  }
}

bool inside(const std::string& page, std::string_view v) {
  return v.empty() || (v.data() >= page.data() && v.data() + v.size() <= page.data() + page.size());
}

void check_leaf(const std::string& page, std::size_t count, std::uint64_t page_count) {
  std::vector<bp::leaf_item> items;
  for (std::size_t i = 0; i < count; ++i) {
    const bp::leaf_item it = bp::leaf_item_at(page.data(), i);
    FUZZ_CHECK(inside(page, it.key) && inside(page, it.value));
    FUZZ_CHECK(it.spill ? (it.overflow >= bp::k_first_data_page && it.overflow < page_count)
                        : it.value.size() == it.value_len);
    items.push_back(it);
  }
  if (bp::node_bytes<bp::leaf_item>(items) > page.size()) return;  // overlapping cells: no room to rebuild
  std::string again(page.size(), '\0');
  bp::encode_leaf(again.data(), again.size(), bp::header_id(page.data()), items);
  FUZZ_CHECK(bp::validate_node(again.data(), again.size(), bp::header_id(page.data()), page_count, k_cmp, "fuzz").ok());
  for (std::size_t i = 0; i < count; ++i) {
    const bp::leaf_item a = items[i], b = bp::leaf_item_at(again.data(), i);
    FUZZ_CHECK(a.key == b.key && a.seq == b.seq && a.value_len == b.value_len && a.spill == b.spill &&
               a.overflow == b.overflow && a.value == b.value);
  }
}

void check_branch(const std::string& page, std::size_t count, std::uint64_t page_count) {
  std::vector<bp::branch_item> items;
  for (std::size_t i = 0; i < count; ++i) {
    const bp::branch_item it{bp::cell_key(page.data(), i), bp::branch_child(page.data(), i)};
    FUZZ_CHECK(inside(page, it.key));
    FUZZ_CHECK(it.child >= bp::k_first_data_page && it.child < page_count);
    items.push_back(it);
  }
  if (bp::node_bytes<bp::branch_item>(items) > page.size()) return;
  std::string again(page.size(), '\0');
  bp::encode_branch(again.data(), again.size(), bp::header_id(page.data()), items);
  FUZZ_CHECK(bp::validate_node(again.data(), again.size(), bp::header_id(page.data()), page_count, k_cmp, "fuzz").ok());
  for (std::size_t i = 0; i < count; ++i) {
    FUZZ_CHECK(bp::cell_key(again.data(), i) == items[i].key && bp::branch_child(again.data(), i) == items[i].child);
  }
}

void check_node(const std::string& page, std::uint64_t page_count, std::string_view probe) {
  const char* p = page.data();
  const status s = bp::validate_node(p, page.size(), bp::header_id(p), page_count, k_cmp, "fuzz");
  if (!s.ok()) {
    FUZZ_CHECK(s.is_corruption());
    return;
  }
  const std::size_t count = bp::header_count(p);
  FUZZ_CHECK(count >= 1);
  for (std::size_t i = 0; i < count; ++i) {
    const std::string_view k = bp::cell_key(p, i);
    FUZZ_CHECK(bp::lower_bound(p, k, k_cmp) == i);
    FUZZ_CHECK(bp::child_index(p, k, k_cmp) == i);
  }
  // The searches by key heads agree with comparing every cell.
  std::size_t below = 0, at_most = 0;
  for (std::size_t i = 0; i < count; ++i) {
    const int c = k_cmp.compare(bp::cell_key(p, i), probe);
    below += c < 0 ? 1 : 0;
    at_most += c <= 0 ? 1 : 0;
  }
  FUZZ_CHECK(bp::lower_bound(p, probe, k_cmp) == below);
  FUZZ_CHECK(bp::child_index(p, probe, k_cmp) == (at_most == 0 ? 0 : at_most - 1));
  if (bp::header_type(p) == bp::page_type::leaf) check_leaf(page, count, page_count);
  else check_branch(page, count, page_count);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::input in(data, size);
  const std::uint8_t knobs = in.byte();
  const std::size_t page_size = bp::k_min_page_size << (knobs & 3);
  std::uint64_t page_count = in.byte();
  page_count = std::max<std::uint64_t>(bp::k_first_data_page, page_count | std::uint64_t{in.byte()} << 8);
  std::string page(in.bytes(page_size));
  const std::string_view probe = in.rest();
  page.resize(page_size, '\0');
  if ((knobs & 4) != 0) bp::seal(page.data(), page.size());
  check_meta(page);
  check_node(page, page_count, probe);
  return 0;
}
