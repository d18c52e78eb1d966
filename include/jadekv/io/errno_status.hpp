// errno_status: the one mapping from an errno value to a jadekv::status, shared
// by every file system (posix_fs reports real errnos, memory_fs and fault_fs
// report the errno a POSIX kernel would have given).
//
// Thread safety: pure functions; callable from any thread.
//
// Invariants:
//   1. The message is "<op> <path>: <errno text>", so every I/O error names
//      the operation, the path and the cause.
//   2. ENOSPC and EDQUOT map to no_space, ENOENT to not_found, EWOULDBLOCK
//      (== EAGAIN on Linux; only flock(LOCK_NB) produces it here) to busy,
//      every other value to io_error.
//   3. No OS header is needed: <cerrno> and <system_error> give the codes and
//      the text (std::generic_category is thread-safe, unlike strerror).
#pragma once

#include <cerrno>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>

#include "jadekv/core/status.hpp"

namespace jadekv::inline v0::io {

// The status code an errno value maps to (invariant 2).
inline status_code errno_code(int err) noexcept {
  switch (err) {
    case 0: return status_code::io_error;  // a failure reported without errno is still a failure
    case ENOSPC: return status_code::no_space;
#ifdef EDQUOT
    case EDQUOT: return status_code::no_space;
#endif
    case ENOENT: return status_code::not_found;
    case EWOULDBLOCK: return status_code::busy;
#if defined(EAGAIN) && EAGAIN != EWOULDBLOCK
    case EAGAIN: return status_code::busy;
#endif
    default: return status_code::io_error;
  }
}

// "<op> <path>: <errno text>" with the code of errno_code(err).
[[gnu::cold]] inline status errno_status(std::string_view op, const std::filesystem::path& path, int err) {
  std::string m(op);
  m += ' ';
  m += path.string();
  m += ": ";
  m += err == 0 ? std::string("unknown error") : std::error_code(err, std::generic_category()).message();
  return {errno_code(err), std::move(m)};
}

// Two-path form for rename: "<op> <from> -> <to>: <errno text>".
[[gnu::cold]] inline status errno_status(std::string_view op, const std::filesystem::path& from, const std::filesystem::path& to,
                           int err) {
  std::string both = from.string();
  both += " -> ";
  both += to.string();
  return errno_status(op, std::filesystem::path(std::move(both)), err);
}

}  // namespace jadekv::inline v0::io
