// engine_options: the fields every engine composition shares. Each engine's
// `options` adds one sub-struct per policy: .memtable, .persist, .index,
// .concurrency (see engine.hpp).
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>

#include "jadekv/io/file_system.hpp"

namespace jadekv::inline v0 {

struct engine_options {
  // Where the engine keeps its files; ignored when nothing is on disk
  // (persist::none with index::memory).
  std::filesystem::path dir;
  // Create dir (and its parents) when it does not exist.
  bool create_if_missing = true;
  // Fail with invalid_argument when dir already holds a database.
  bool error_if_exists = false;
  // Heap bytes that writes may add to the memtable before an index that
  // flushes switches to a new one (an empty memtable's first arena blocks
  // are not counted). Must be > 0.
  std::size_t memtable_bytes = std::size_t{64} << 20;
  // All file I/O goes through this file system; null means io::default_fs().
  // Tests pass an io::memory_fs or an io::fault_fs here.
  std::shared_ptr<io::file_system> fs;
};

}  // namespace jadekv::inline v0
