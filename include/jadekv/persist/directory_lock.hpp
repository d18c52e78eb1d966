// directory_lock: the LOCK file that keeps a directory to one open store.
//
// lock_directory takes dir/LOCK through the file system's lock(): flock on
// posix_fs, so it is released by close and by the death of the process, and
// a second open of the same directory fails with status::busy whether it
// comes from this process or another. The engine holds the lock for its
// whole lifetime; a persist policy opened on its own takes it itself (its
// options.lock_directory, true by default).
//
// Thread safety: as io::file_system::lock.
#pragma once

#include <filesystem>
#include <memory>

#include "jadekv/core/result.hpp"
#include "jadekv/core/status.hpp"
#include "jadekv/detail/concat.hpp"
#include "jadekv/io/file_system.hpp"
#include "jadekv/persist/file_names.hpp"

namespace jadekv::inline v0::persist {

// Takes dir/LOCK. REQUIRES: dir exists. busy, naming the directory, while
// another open holds it.
inline result<std::unique_ptr<io::file_lock>> lock_directory(io::file_system& fs, const std::filesystem::path& dir) {
  auto l = fs.lock(dir / k_lock_file_name);
  if (l) return l;
  if (l.status().is_busy()) {
    return status::busy(jadekv::detail::concat({"directory ", dir.string(),
                                                " is already open (its LOCK is held by another open, "
                                                "in this process or another): ",
                                                l.status().message()}));
  }
  return l.status().with_context(jadekv::detail::concat({"lock directory ", dir.string()}));
}

}  // namespace jadekv::inline v0::persist
