// bptree options: the runtime tuning of index::bptree (engine options'
// `opt.index`), and their validation at open.
//
// Thread safety: a plain value.
#pragma once

#include <cstddef>
#include <string>

#include "jadekv/core/status.hpp"
#include "jadekv/detail/concat.hpp"
#include "jadekv/index/bptree/format.hpp"

namespace jadekv::inline v0::index::detail::bptree {

struct options {
  // Page size of a new file: a power of two in [512, 65536]. An existing
  // file keeps the page size it was created with (its meta pages say which),
  // whatever this field holds, as bbolt does.
  std::size_t page_size = 4096;
  // Byte budget of the buffer pool of decoded pages; 0 disables it.
  std::size_t cache_bytes = std::size_t{64} << 20;
  // How full a commit packs the pages of a node it splits, in [0.5, 1.0]:
  // 1.0 leaves full pages behind (best for appends and file size); lower
  // values leave room so that the next inserts split less often.
  double fill_percent = 1.0;
  // Verify the CRC32C of every page read from the file (structure is always
  // checked); read_options::verify_checksums = false also skips it per read.
  bool verify_checksums = true;
};

inline status validate(const options& o) {
  if (!valid_page_size(o.page_size)) {
    return status::invalid_argument(
        jadekv::detail::concat({"bptree: page_size ", o.page_size, " is not a power of two in [512, 65536]"}));
  }
  if (!(o.fill_percent >= 0.5 && o.fill_percent <= 1.0)) {
    return status::invalid_argument("bptree: fill_percent must be in [0.5, 1.0]");
  }
  return {};
}

}  // namespace jadekv::inline v0::index::detail::bptree
