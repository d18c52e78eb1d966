// engine_options: the fields every engine composition shares. Each engine's
// `options` adds one sub-struct per policy: .memtable, .persist, .index,
// .concurrency (see engine.hpp).
#pragma once

#include <cstddef>
#include <cstdint>
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
  // Over an on-disk index: once the memtable holds at least
  // memtable_bytes / 16 and no write has come for idle_flush_ms (the engine
  // notices within twice that), the flush thread moves it into the index as
  // if it were full, so that reads after a burst of writes search the index
  // alone and a crash replays less log. InnoDB's page cleaner flushes
  // harder when the server is idle for the same reasons. 0 turns it off;
  // concurrency::single<> never does it (it has no lock to keep its one
  // writer out).
  std::uint32_t idle_flush_ms = 100;
  // All file I/O goes through this file system; null means io::default_fs().
  // Tests pass an io::memory_fs or an io::fault_fs here.
  std::shared_ptr<io::file_system> fs;
};

}  // namespace jadekv::inline v0
