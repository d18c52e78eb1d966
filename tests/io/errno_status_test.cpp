#include <jadekv/io/errno_status.hpp>

#include <doctest/doctest.h>

#include <cerrno>
#include <string>
#include <system_error>

namespace {

namespace io = jadekv::io;

TEST_CASE("errno_status maps errno values to status codes") {
  CHECK(io::errno_status("write", "/d/f", ENOSPC).is_no_space());
  CHECK(io::errno_status("write", "/d/f", EDQUOT).is_no_space());
  CHECK(io::errno_status("open", "/d/f", ENOENT).is_not_found());
  CHECK(io::errno_status("lock", "/d/LOCK", EWOULDBLOCK).is_busy());
  CHECK(io::errno_status("lock", "/d/LOCK", EAGAIN).is_busy());
  for (int e : {EIO, EACCES, EEXIST, EISDIR, ENOTDIR, ENOTEMPTY, EBADF, EINVAL, EROFS, 0}) {
    CHECK(io::errno_status("op", "/p", e).is_io_error());
  }
}

TEST_CASE("errno_status names the operation, the path and the errno text") {
  auto s = io::errno_status("sync_dir", "/data/db", EIO);
  CHECK(s.message() == "sync_dir /data/db: " + std::error_code(EIO, std::generic_category()).message());
  CHECK(s.to_string() == "io_error: " + s.message());
  auto r = io::errno_status("rename", "/a/x.tmp", "/a/x", ENOENT);
  CHECK(r.is_not_found());
  CHECK(r.message() == "rename /a/x.tmp -> /a/x: " + std::error_code(ENOENT, std::generic_category()).message());
  CHECK_FALSE(io::errno_status("read", "/f", 0).ok());
}

}  // namespace
