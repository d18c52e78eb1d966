// posix_fs: the file_system over POSIX syscalls, and default_fs() which
// returns the process-wide instance.
//
// Thread safety: posix_fs has no state; any thread may call it. A posix_file
// may be read concurrently (pread); see file_system.hpp for the rest.
//
// Invariants:
//   1. Every descriptor is opened O_CLOEXEC, so a forked-and-exec'd child
//      never inherits a file or a lock.
//   2. pread/pwrite are looped: EINTR is retried and partial transfers are
//      continued; a write returns ok only once every byte is written.
//   3. lock() uses flock(LOCK_EX | LOCK_NB), never fcntl: an fcntl record lock
//      is dropped by *any* close() of the file in the process, while a flock
//      belongs to its open file description. Two open file descriptions of the
//      same file conflict even inside one process, so a second in-process open
//      of a database directory also gets status::busy.
//   4. Every error is errno_status(op, path, errno): ENOSPC/EDQUOT no_space,
//      ENOENT not_found, EWOULDBLOCK busy, the rest io_error.
//   5. This and the other io/ headers are the only jadekv headers that include
//      OS headers.
#pragma once

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <limits>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "jadekv/core/result.hpp"
#include "jadekv/core/status.hpp"
#include "jadekv/io/errno_status.hpp"
#include "jadekv/io/file_system.hpp"

namespace jadekv::inline v0::io {

// The three classes are templates only so that units which do not use them
// do not compile them (README, "Build cost"); posix_fs names the one there is.
template <class = void>
class posix_file final : public file {
 public:
  // Takes ownership of fd.
  posix_file(int fd, std::filesystem::path p) noexcept : fd_(fd), path_(std::move(p)) {}
  ~posix_file() override { (void)close(); }

  result<std::string_view> read_at(std::uint64_t offset, std::size_t n, char* scratch) override;
  status append(std::string_view data) override;
  status write_at(std::uint64_t offset, std::string_view data) override;
  status sync() override;
  status datasync() override;
  result<std::uint64_t> size() override;
  status truncate(std::uint64_t n) override;
  status close() override;
  const std::filesystem::path& path() const noexcept override { return path_; }
  std::string_view map(std::uint64_t n) override;
  result<std::span<char>> map_for_append(std::uint64_t offset, std::size_t n) override;
  void start_writeback(std::uint64_t offset, std::uint64_t n) noexcept override;

  // The descriptor, or -1 once closed.
  int native_handle() const noexcept { return fd_; }

 private:
  status pwrite_all(const char* op, std::uint64_t offset, std::string_view data);

  int fd_;
  std::filesystem::path path_;
  void* map_ = nullptr;  // of map_size_ bytes; one mapping per handle, released by close()
  std::size_t map_size_ = 0;
  std::span<char> append_map_;  // map_for_append's; released by the next call and close()
};

template <class = void>
class posix_lock final : public file_lock {
 public:
  // Takes ownership of fd, which holds the flock.
  posix_lock(int fd, std::filesystem::path p) noexcept : fd_(fd), path_(std::move(p)) {}
  ~posix_lock() override {
    ::flock(fd_, LOCK_UN);
    ::close(fd_);
  }
  const std::filesystem::path& path() const noexcept override { return path_; }

 private:
  int fd_;
  std::filesystem::path path_;
};

template <class = void>
class basic_posix_fs final : public file_system {
 public:
  result<std::unique_ptr<file>> open(const std::filesystem::path& p, open_mode mode) override;
  status rename(const std::filesystem::path& from, const std::filesystem::path& to) override;
  status remove(const std::filesystem::path& p) override;
  [[gnu::cold]] result<std::vector<std::string>> list(const std::filesystem::path& dir) override;
  [[gnu::cold]] status mkdir(const std::filesystem::path& p) override;
  status sync_dir(const std::filesystem::path& dir) override;
  result<std::uint64_t> file_size(const std::filesystem::path& p) override;
  result<bool> exists(const std::filesystem::path& p) override;
  status truncate(const std::filesystem::path& p, std::uint64_t n) override;
  result<std::unique_ptr<file_lock>> lock(const std::filesystem::path& p) override;
};

using posix_fs = basic_posix_fs<>;

// The process-wide posix_fs (one instance across all translation units).
template <class D = void>
std::shared_ptr<file_system> default_fs() {
  static const std::shared_ptr<file_system> fs = std::make_shared<basic_posix_fs<D>>();
  return fs;
}

// ---------------------------------------------------------------------------
// Implementation.

namespace detail {

// Offsets above off_t's range cannot be expressed to the kernel.
inline bool fits_off_t(std::uint64_t v) noexcept {
  return v <= static_cast<std::uint64_t>(std::numeric_limits<off_t>::max());
}

inline const char* dir_or_dot(const std::filesystem::path& p) noexcept { return p.empty() ? "." : p.c_str(); }

}  // namespace detail

template <class D>
result<std::string_view> posix_file<D>::read_at(std::uint64_t offset, std::size_t n, char* scratch) {
  if (fd_ < 0) return errno_status("read", path_, EBADF);
  if (!detail::fits_off_t(offset)) return errno_status("read", path_, EOVERFLOW);
  std::size_t got = 0;
  while (got < n) {
    const ssize_t r = ::pread(fd_, scratch + got, n - got, static_cast<off_t>(offset + got));
    if (r < 0) {
      if (errno == EINTR) continue;
      return errno_status("read", path_, errno);
    }
    if (r == 0) break;  // end of file
    got += static_cast<std::size_t>(r);
  }
  return std::string_view(scratch, got);
}

template <class D>
status posix_file<D>::pwrite_all(const char* op, std::uint64_t offset, std::string_view data) {
  if (fd_ < 0) return errno_status(op, path_, EBADF);
  while (!data.empty()) {
    if (!detail::fits_off_t(offset)) return errno_status(op, path_, EFBIG);
    const ssize_t w = ::pwrite(fd_, data.data(), data.size(), static_cast<off_t>(offset));
    if (w < 0) {
      if (errno == EINTR) continue;
      return errno_status(op, path_, errno);
    }
    // A zero-byte write of a non-empty buffer would loop forever; POSIX only
    // allows it when the device is full.
    if (w == 0) return errno_status(op, path_, ENOSPC);
    data.remove_prefix(static_cast<std::size_t>(w));
    offset += static_cast<std::uint64_t>(w);
  }
  return {};
}

template <class D>
status posix_file<D>::append(std::string_view data) {
  if (fd_ < 0) return errno_status("append", path_, EBADF);
  // Not O_APPEND: Linux pwrite on an O_APPEND descriptor ignores its offset,
  // which would break write_at on the same handle.
  const off_t end = ::lseek(fd_, 0, SEEK_END);
  if (end < 0) return errno_status("append", path_, errno);
  return pwrite_all("append", static_cast<std::uint64_t>(end), data);
}

template <class D>
status posix_file<D>::write_at(std::uint64_t offset, std::string_view data) {
  return pwrite_all("write", offset, data);
}

template <class D>
status posix_file<D>::sync() {
  if (fd_ < 0) return errno_status("sync", path_, EBADF);
  if (::fsync(fd_) != 0) return errno_status("sync", path_, errno);
  return {};
}

template <class D>
status posix_file<D>::datasync() {
  if (fd_ < 0) return errno_status("datasync", path_, EBADF);
#if defined(__APPLE__)
  const int rc = ::fsync(fd_);
#else
  const int rc = ::fdatasync(fd_);
#endif
  if (rc != 0) return errno_status("datasync", path_, errno);
  return {};
}

template <class D>
void posix_file<D>::start_writeback(std::uint64_t offset, std::uint64_t n) noexcept {
#if defined(__linux__)
  // WRITE alone: queue the dirty pages for writeback, wait for none
  // (RocksDB's bytes_per_sync does the same). A failure changes nothing:
  // the next fdatasync reports what matters.
  if (fd_ >= 0) (void)::sync_file_range(fd_, static_cast<off_t>(offset), static_cast<off_t>(n), SYNC_FILE_RANGE_WRITE);
#else
  (void)offset;
  (void)n;
#endif
}

template <class D>
result<std::uint64_t> posix_file<D>::size() {
  if (fd_ < 0) return errno_status("size", path_, EBADF);
  struct stat st{};
  if (::fstat(fd_, &st) != 0) return errno_status("size", path_, errno);
  return static_cast<std::uint64_t>(st.st_size);
}

template <class D>
status posix_file<D>::truncate(std::uint64_t n) {
  if (fd_ < 0) return errno_status("truncate", path_, EBADF);
  if (!detail::fits_off_t(n)) return errno_status("truncate", path_, EFBIG);
  while (::ftruncate(fd_, static_cast<off_t>(n)) != 0) {
    if (errno != EINTR) return errno_status("truncate", path_, errno);
  }
  return {};
}

template <class D>
std::string_view posix_file<D>::map(std::uint64_t n) {
  if (map_ != nullptr) return n <= map_size_ ? std::string_view(static_cast<const char*>(map_), n) : std::string_view();
  if (fd_ < 0 || n == 0 || n > std::numeric_limits<std::size_t>::max()) return {};
  // A mapped page past the end of the file faults (SIGBUS) when touched.
  struct stat st{};
  if (::fstat(fd_, &st) != 0 || static_cast<std::uint64_t>(st.st_size) < n) return {};
  void* p = ::mmap(nullptr, static_cast<std::size_t>(n), PROT_READ, MAP_SHARED, fd_, 0);
  if (p == MAP_FAILED) return {};
  map_ = p;
  map_size_ = static_cast<std::size_t>(n);
  return {static_cast<const char*>(p), map_size_};
}

template <class D>
result<std::span<char>> posix_file<D>::map_for_append(std::uint64_t offset, std::size_t n) {
  if (!append_map_.empty()) {
    ::munmap(append_map_.data(), append_map_.size());
    append_map_ = {};
  }
  if (fd_ < 0) return errno_status("map", path_, EBADF);
  const auto page = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
  if (n == 0 || offset % page != 0 || n > std::numeric_limits<std::uint64_t>::max() - offset ||
      !detail::fits_off_t(offset + n)) {
    return errno_status("map", path_, EINVAL);
  }
  // Blocks allocated now: a store into a page of a hole would raise SIGBUS
  // on a full disk instead of returning ENOSPC.
  int rc = 0;
  while ((rc = ::posix_fallocate(fd_, static_cast<off_t>(offset), static_cast<off_t>(n))) == EINTR) {
  }
  if (rc != 0) return errno_status("fallocate", path_, rc);
  void* p = ::mmap(nullptr, n, PROT_READ | PROT_WRITE, MAP_SHARED, fd_, static_cast<off_t>(offset));
  if (p == MAP_FAILED) return errno_status("map", path_, errno);
  append_map_ = {static_cast<char*>(p), n};
#ifdef MADV_POPULATE_WRITE
  // The window's pages faulted in writable now, in one call, instead of one
  // fault per page in the appender's copies. Only a hint: where the kernel
  // lacks it (Linux < 5.14) the copies fault as before.
  (void)::madvise(p, n, MADV_POPULATE_WRITE);
#endif
  return append_map_;
}

template <class D>
status posix_file<D>::close() {
  if (!append_map_.empty()) {
    ::munmap(append_map_.data(), append_map_.size());
    append_map_ = {};
  }
  if (map_ != nullptr) {
    ::munmap(map_, map_size_);
    map_ = nullptr;
    map_size_ = 0;
  }
  if (fd_ < 0) return {};
  const int fd = fd_;
  fd_ = -1;
  // Never retry close on EINTR: on Linux the descriptor is already released
  // and may have been reused by another thread.
  if (::close(fd) != 0 && errno != EINTR) return errno_status("close", path_, errno);
  return {};
}

template <class D>
result<std::unique_ptr<file>> basic_posix_fs<D>::open(const std::filesystem::path& p, open_mode mode) {
  int flags = O_CLOEXEC;
  switch (mode) {
    case open_mode::read_only: flags |= O_RDONLY; break;
    case open_mode::read_write: flags |= O_RDWR; break;
    case open_mode::create: flags |= O_RDWR | O_CREAT; break;
    case open_mode::create_new: flags |= O_RDWR | O_CREAT | O_EXCL; break;
    case open_mode::truncate: flags |= O_RDWR | O_CREAT | O_TRUNC; break;
  }
  int fd;
  do {
    fd = ::open(p.c_str(), flags, 0644);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) return errno_status("open", p, errno);
  // O_RDONLY succeeds on a directory; refuse it like the writing modes do.
  struct stat st{};
  if (::fstat(fd, &st) != 0 || S_ISDIR(st.st_mode)) {
    const int err = S_ISDIR(st.st_mode) ? EISDIR : errno;
    ::close(fd);
    return errno_status("open", p, err);
  }
  return std::unique_ptr<file>(std::make_unique<posix_file<D>>(fd, p));
}

template <class D>
status basic_posix_fs<D>::rename(const std::filesystem::path& from, const std::filesystem::path& to) {
  if (::rename(from.c_str(), to.c_str()) != 0) return errno_status("rename", from, to, errno);
  return {};
}

template <class D>
status basic_posix_fs<D>::remove(const std::filesystem::path& p) {
  if (::unlink(p.c_str()) == 0) return {};
  int err = errno;
  // Linux reports EISDIR, POSIX allows EPERM, for unlink of a directory.
  if (err == EISDIR || err == EPERM) {
    struct stat st{};
    if (::lstat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
      if (::rmdir(p.c_str()) == 0) return {};
      err = errno;
    }
  }
  return errno_status("remove", p, err);
}

template <class D>
result<std::vector<std::string>> basic_posix_fs<D>::list(const std::filesystem::path& dir) {
  DIR* d = ::opendir(detail::dir_or_dot(dir));
  if (d == nullptr) return errno_status("list", dir, errno);
  std::vector<std::string> names;
  for (;;) {
    errno = 0;
    const dirent* e = ::readdir(d);
    if (e == nullptr) break;
    if (std::strcmp(e->d_name, ".") == 0 || std::strcmp(e->d_name, "..") == 0) continue;
    names.emplace_back(e->d_name);
  }
  const int err = errno;
  ::closedir(d);
  if (err != 0) return errno_status("list", dir, err);
  // Sorted by C's qsort over pointers: std::sort over strings would add
  // 2.5 KB of code to every program that opens a database.
  std::vector<std::string*> order(names.size());
  for (std::size_t i = 0; i < names.size(); ++i) order[i] = &names[i];
  std::qsort(order.data(), order.size(), sizeof(std::string*), [](const void* a, const void* b) {
    return (*static_cast<std::string* const*>(a))->compare(**static_cast<std::string* const*>(b));
  });
  std::vector<std::string> sorted;
  sorted.reserve(names.size());
  for (std::string* n : order) sorted.push_back(std::move(*n));
  return sorted;
}

template <class D>
status basic_posix_fs<D>::mkdir(const std::filesystem::path& p) {
  std::filesystem::path cur;
  for (const auto& part : p.lexically_normal()) {
    if (part.empty()) continue;  // the trailing "" of "a/b/"
    cur /= part;
    if (::mkdir(cur.c_str(), 0755) == 0) continue;
    const int err = errno;
    struct stat st{};
    if (err == EEXIST && ::stat(cur.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) continue;
    return errno_status("mkdir", cur, err);
  }
  return {};
}

template <class D>
status basic_posix_fs<D>::sync_dir(const std::filesystem::path& dir) {
  int fd;
  do {
    fd = ::open(detail::dir_or_dot(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) return errno_status("sync_dir", dir, errno);
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) return errno_status("sync_dir", dir, err);
  return {};
}

template <class D>
result<std::uint64_t> basic_posix_fs<D>::file_size(const std::filesystem::path& p) {
  struct stat st{};
  if (::stat(p.c_str(), &st) != 0) return errno_status("file_size", p, errno);
  if (S_ISDIR(st.st_mode)) return errno_status("file_size", p, EISDIR);
  return static_cast<std::uint64_t>(st.st_size);
}

template <class D>
result<bool> basic_posix_fs<D>::exists(const std::filesystem::path& p) {
  struct stat st{};
  if (::stat(p.c_str(), &st) == 0) return true;
  if (errno == ENOENT || errno == ENOTDIR) return false;
  return errno_status("exists", p, errno);
}

template <class D>
status basic_posix_fs<D>::truncate(const std::filesystem::path& p, std::uint64_t n) {
  if (!detail::fits_off_t(n)) return errno_status("truncate", p, EFBIG);
  while (::truncate(p.c_str(), static_cast<off_t>(n)) != 0) {
    if (errno != EINTR) return errno_status("truncate", p, errno);
  }
  return {};
}

template <class D>
result<std::unique_ptr<file_lock>> basic_posix_fs<D>::lock(const std::filesystem::path& p) {
  int fd;
  do {
    fd = ::open(p.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) return errno_status("lock", p, errno);
  while (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    if (err == EINTR) continue;
    ::close(fd);
    status s = errno_status("lock", p, err);
    if (s.is_busy()) s = status::busy(s.message() + " (held by another process or another handle in this one)");
    return s;
  }
  return std::unique_ptr<file_lock>(std::make_unique<posix_lock<D>>(fd, p));
}

}  // namespace jadekv::inline v0::io
