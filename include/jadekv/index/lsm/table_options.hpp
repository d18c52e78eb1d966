// table_options: how a sorted table is written (table_builder.hpp). What a
// reader needs (cache, checksums) is given at open and per read instead; a
// reader learns everything else from the file.
//
// Thread safety: a plain value.
#pragma once

#include <cstddef>

namespace jadekv::inline v0::index::sst {

struct table_options {
  // A data block is cut once its contents reach this many bytes (an entry
  // larger than this makes a block of its own size).
  std::size_t block_size = 4 * 1024;
  // Entries between restart points in a data block (index blocks use 1).
  int restart_interval = 16;
  // Bloom filter bits per distinct user key; 0 writes no filter.
  int bits_per_key = 10;
  // Shorten index separators when the comparator can (shortenable_comparator).
  bool shorten_separators = true;
  // Bytes the builder gathers before handing them to the file in one append.
  std::size_t write_buffer = 64 * 1024;
};

}  // namespace jadekv::inline v0::index::sst
