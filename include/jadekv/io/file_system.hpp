// file_system: the runtime interface every engine does all its I/O through
// (LevelDB's Env, reduced to files). Engines hold a std::shared_ptr<file_system>
// in their options, so a test can hand them a memory_fs or a fault_fs instead
// of the default posix_fs. Virtual dispatch costs nothing next to a syscall.
//
// Thread safety:
//   - A file_system may be used from many threads at once.
//   - A file may be read (read_at, size) from many threads at once; append,
//     write_at, truncate, map and close need external synchronisation with
//     every other call on the same handle. Distinct handles need none.
//   - A file_lock is owned by one thread at a time.
//
// Invariants (every implementation; the shared test suite checks them):
//   1. No exception crosses the interface except std::bad_alloc; every error
//      is a status naming the operation, the path and the cause (errno_status).
//   2. read_at returns fewer than n bytes only at end of file; partial reads
//      and EINTR are retried. append and write_at either write every byte or
//      return an error: a short write is never reported as success.
//   3. A file handle keeps working after its path is renamed or removed (it
//      names the file, not the path), as with POSIX descriptors.
//   4. append writes at the file's current end, shared by all handles;
//      write_at past the end zero-fills the gap.
//   5. rename atomically replaces an existing target. list returns the names
//      (not paths) of a directory's children, sorted, without "." and "..".
//   6. Nothing is durable until sync()/datasync() for a file's bytes and
//      sync_dir() of its directory for its name (see fault_fs for the model).
//   7. lock() creates the lock file if missing and holds it until the
//      file_lock is destroyed; while held, every other lock() of that path,
//      from this process or another, fails with status::busy.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "jadekv/core/result.hpp"
#include "jadekv/core/status.hpp"

namespace jadekv::inline v0::io {

enum class open_mode : std::uint8_t {
  read_only,   // must exist; writes fail
  read_write,  // must exist
  create,      // create if missing, keep the contents otherwise
  create_new,  // create; fail with a status if the path exists
  truncate,    // create if missing, else truncate to 0 bytes
};

// An open file. Closing is idempotent and the destructor closes.
class file {
 public:
  file() = default;
  file(const file&) = delete;
  file& operator=(const file&) = delete;
  virtual ~file() = default;

  // Up to n bytes at offset, into scratch; the view points into scratch.
  // Fewer than n bytes only at end of file (empty past it).
  virtual result<std::string_view> read_at(std::uint64_t offset, std::size_t n, char* scratch) = 0;
  // Writes data at the current end of the file.
  virtual status append(std::string_view data) = 0;
  // Writes data at offset, zero-filling any gap past the end.
  virtual status write_at(std::uint64_t offset, std::string_view data) = 0;
  // Makes the bytes and the size durable (fsync).
  virtual status sync() = 0;
  // Makes the bytes and the size durable, skipping unneeded metadata (fdatasync).
  virtual status datasync() = 0;
  virtual result<std::uint64_t> size() = 0;
  // Shrinks, or grows with zeros, to exactly n bytes.
  virtual status truncate(std::uint64_t n) = 0;
  // Releases the handle; later calls other than close() fail.
  virtual status close() = 0;
  // The path the file was opened with.
  virtual const std::filesystem::path& path() const noexcept = 0;
  // The file's first n bytes mapped read-only, for readers of a file that
  // no longer changes (sorted tables): reads become plain memory accesses.
  // Empty when the file system does not map files or mapping fails; the
  // caller then uses read_at. The view lives until close() or destruction,
  // and the file must not shrink below n bytes meanwhile.
  virtual std::string_view map(std::uint64_t n) {
    (void)n;
    return {};
  }
  // Bytes [offset, offset + n) of the file, reserved on disk first (a full
  // disk is this call's error, never a fault in a later store) and mapped
  // writable, for a writer that appends by copying: bytes copied there are
  // in the OS at once, as after write_at, and sync()/datasync() make them
  // durable. The file grows to at least offset + n; bytes never written
  // read as zeros. offset is a multiple of k_map_alignment. An empty span
  // when the file system does not map files for writing; the caller then
  // uses write_at. One writable mapping per handle: the next call and
  // close() release it.
  virtual result<std::span<char>> map_for_append(std::uint64_t offset, std::size_t n) {
    (void)offset;
    (void)n;
    return std::span<char>{};
  }
  // A hint: start writing bytes [offset, offset + n), written with write_at,
  // to the device now and return without waiting, so that a later
  // sync()/datasync() has less left to wait for. Durability still comes
  // only from those. Does nothing where the platform has no such call.
  virtual void start_writeback(std::uint64_t offset, std::uint64_t n) noexcept {
    (void)offset;
    (void)n;
  }
};

// map_for_append offsets are multiples of this: the largest page size of the
// platforms jadekv runs on.
inline constexpr std::size_t k_map_alignment = 64 * 1024;

// A held lock on a path; destroying it releases the lock.
class file_lock {
 public:
  file_lock() = default;
  file_lock(const file_lock&) = delete;
  file_lock& operator=(const file_lock&) = delete;
  virtual ~file_lock() = default;

  virtual const std::filesystem::path& path() const noexcept = 0;
};

class file_system {
 public:
  file_system() = default;
  file_system(const file_system&) = delete;
  file_system& operator=(const file_system&) = delete;
  virtual ~file_system() = default;

  // A missing parent directory, or a missing file without a creating mode,
  // gives not_found; a directory gives an error.
  virtual result<std::unique_ptr<file>> open(const std::filesystem::path& p, open_mode mode) = 0;
  // Atomically replaces `to` if it exists.
  virtual status rename(const std::filesystem::path& from, const std::filesystem::path& to) = 0;
  // Removes a file or an empty directory; not_found if missing.
  virtual status remove(const std::filesystem::path& p) = 0;
  // Names of dir's children, sorted.
  virtual result<std::vector<std::string>> list(const std::filesystem::path& dir) = 0;
  // Creates p and its missing parents; ok if p is already a directory.
  virtual status mkdir(const std::filesystem::path& p) = 0;
  // Makes the creates, renames and removes inside dir durable.
  virtual status sync_dir(const std::filesystem::path& dir) = 0;
  // Size of a file; an error for a directory.
  virtual result<std::uint64_t> file_size(const std::filesystem::path& p) = 0;
  virtual result<bool> exists(const std::filesystem::path& p) = 0;
  virtual status truncate(const std::filesystem::path& p, std::uint64_t n) = 0;
  // Takes an exclusive lock on p (created if missing); busy if held elsewhere.
  virtual result<std::unique_ptr<file_lock>> lock(const std::filesystem::path& p) = 0;
};

// The directory sync_dir() must sync to make p's name durable.
inline std::filesystem::path parent_dir(const std::filesystem::path& p) {
  std::filesystem::path d = p.parent_path();
  return d.empty() ? std::filesystem::path(".") : d;
}

// Writes p so that after a crash it holds either its old contents or exactly
// `contents`, never a mix: write aside to p + ".tmp", fsync, rename into
// place, fsync the directory. On failure the ".tmp" file is removed (best
// effort) and p is untouched unless the final directory sync failed.
[[gnu::cold]] inline status write_file_atomically(file_system& fs, const std::filesystem::path& p, std::string_view contents) {
  std::filesystem::path tmp = p;
  tmp += ".tmp";
  auto written = [&]() -> status {
    auto f = fs.open(tmp, open_mode::truncate);
    if (!f) return f.status();
    if (auto s = (*f)->append(contents); !s.ok()) return s;
    if (auto s = (*f)->sync(); !s.ok()) return s;
    return (*f)->close();
  }();
  if (written.ok()) written = fs.rename(tmp, p);
  if (!written.ok()) {
    (void)fs.remove(tmp);
    return written.with_context("write_file_atomically " + p.string());
  }
  return fs.sync_dir(parent_dir(p)).with_context("write_file_atomically " + p.string());
}

// The whole contents of p.
[[gnu::cold]] inline result<std::string> read_file(file_system& fs, const std::filesystem::path& p) {
  auto f = fs.open(p, open_mode::read_only);
  if (!f) return f.status();
  auto sz = (*f)->size();
  if (!sz) return sz.status();
  std::string out;
  constexpr std::size_t k_chunk = 64 * 1024;
  // The size is a hint only: another writer may grow the file meanwhile.
  out.reserve(static_cast<std::size_t>(*sz));
  std::string scratch(k_chunk, '\0');
  for (;;) {
    auto r = (*f)->read_at(out.size(), k_chunk, scratch.data());
    if (!r) return r.status();
    out.append(*r);
    if (r->size() < k_chunk) break;
  }
  return out;
}

}  // namespace jadekv::inline v0::io
