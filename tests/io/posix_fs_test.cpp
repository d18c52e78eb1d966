// posix_fs specifics: flock semantics across handles and processes, errno
// mapping of real failures, O_CLOEXEC. The shared contract is in
// file_system_test.cpp.
#include <jadekv/io/memory_fs.hpp>
#include <jadekv/io/posix_fs.hpp>

#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>
#include <system_error>

#include "fs_env.hpp"

namespace {

using namespace jadekv_test;
using io::open_mode;


// 0 = got the lock, 1 = busy, 2 = other error.
int try_lock_in_child(const std::filesystem::path& p) {
  return in_child([&] {
    io::posix_fs fs;
    auto l = fs.lock(p);
    return l ? 0 : (l.status().is_busy() ? 1 : 2);
  });
}

TEST_CASE("posix_fs: a second lock in the same process is busy") {
  fs_env<io::posix_fs> env;
  io::posix_fs other;  // a distinct instance changes nothing: flock is per open file description
  auto l1 = env.fs->lock(env / "LOCK");
  REQUIRE(l1);
  auto l2 = other.lock(env / "LOCK");
  REQUIRE_FALSE(l2);
  CHECK(l2.status().is_busy());
  l1->reset();
  CHECK(other.lock(env / "LOCK"));
}

TEST_CASE("posix_fs: a lock held by the parent is busy in a forked child, and free after release") {
  fs_env<io::posix_fs> env;
  const auto p = env / "LOCK";
  {
    auto held = env.fs->lock(p);
    REQUIRE(held);
    CHECK(try_lock_in_child(p) == 1);
  }
  CHECK(try_lock_in_child(p) == 0);
}

TEST_CASE("posix_fs: a lock held by a child is busy in the parent until the child exits") {
  fs_env<io::posix_fs> env;
  const auto p = env / "LOCK";
  int to_parent[2], to_child[2];
  REQUIRE(::pipe(to_parent) == 0);
  REQUIRE(::pipe(to_child) == 0);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    io::posix_fs fs;
    auto l = fs.lock(p);
    char c = l ? 'y' : 'n';
    (void)!::write(to_parent[1], &c, 1);
    (void)!::read(to_child[0], &c, 1);
    ::_exit(0);
  }
  char c = 0;
  REQUIRE(::read(to_parent[0], &c, 1) == 1);
  REQUIRE(c == 'y');
  auto busy = env.fs->lock(p);
  CHECK(busy.status().is_busy());
  REQUIRE(::write(to_child[1], "x", 1) == 1);
  int st = 0;
  REQUIRE(::waitpid(pid, &st, 0) == pid);
  CHECK(env.fs->lock(p));
  for (int fd : {to_parent[0], to_parent[1], to_child[0], to_child[1]}) ::close(fd);
}

TEST_CASE("posix_fs: closing another handle of the lock file keeps the lock (flock, not fcntl)") {
  fs_env<io::posix_fs> env;
  const auto p = env / "LOCK";
  auto held = env.fs->lock(p);
  REQUIRE(held);
  {
    auto f = env.fs->open(p, open_mode::read_write);
    REQUIRE(f);
    CHECK((*f)->close().ok());
  }
  CHECK(env.fs->lock(p).status().is_busy());
  CHECK(try_lock_in_child(p) == 1);
}

TEST_CASE("posix_fs: descriptors are close-on-exec") {
  fs_env<io::posix_fs> env;
  auto f = env.fs->open(env / "f", open_mode::create);
  REQUIRE(f);
  auto* pf = dynamic_cast<io::posix_file<>*>(f->get());
  REQUIRE(pf != nullptr);
  const int flags = ::fcntl(pf->native_handle(), F_GETFD);
  REQUIRE(flags >= 0);
  CHECK((flags & FD_CLOEXEC) != 0);
  CHECK(pf->close().ok());
  CHECK(pf->native_handle() == -1);
}

TEST_CASE("posix_fs: ENOSPC from the device is no_space and names the path") {
  if (::access("/dev/full", W_OK) != 0) return;
  io::posix_fs fs;
  auto f = fs.open("/dev/full", open_mode::read_write);
  REQUIRE(f);
  auto s = (*f)->write_at(0, "data");
  CHECK(s.is_no_space());
  CHECK(s.message().find("/dev/full") != std::string::npos);
  CHECK(s.message().find(std::error_code(ENOSPC, std::generic_category()).message()) != std::string::npos);
}

TEST_CASE("posix_fs: permission errors are io_error with the errno text") {
  if (::geteuid() == 0) return;  // root ignores file modes
  fs_env<io::posix_fs> env;
  put(*env.fs, env / "ro", "x");
  REQUIRE(::chmod((env / "ro").c_str(), 0400) == 0);
  auto f = env.fs->open(env / "ro", open_mode::read_write);
  REQUIRE_FALSE(f);
  CHECK(f.status().is_io_error());
  CHECK(f.status().message().find((env / "ro").string()) != std::string::npos);
  CHECK(f.status().message().find(std::error_code(EACCES, std::generic_category()).message()) != std::string::npos);
}

TEST_CASE("posix_fs: ENOTDIR and EISDIR are io errors") {
  fs_env<io::posix_fs> env;
  put(*env.fs, env / "f", "x");
  auto under_file = env.fs->open(env / "f" / "g", open_mode::create);
  CHECK(under_file.status().is_io_error());
  CHECK(under_file.status().message().find(std::error_code(ENOTDIR, std::generic_category()).message()) !=
        std::string::npos);
  auto dir = env.fs->open(env.root, open_mode::read_only);
  CHECK(dir.status().is_io_error());
  CHECK(env.fs->sync_dir(env / "f").is_io_error());
}

TEST_CASE("posix_fs: what it writes is what the kernel sees") {
  fs_env<io::posix_fs> env;
  auto f = env.fs->open(env / "f", open_mode::create);
  REQUIRE(f);
  REQUIRE((*f)->append("hello").ok());
  REQUIRE((*f)->write_at(7, "!").ok());
  struct stat st{};
  REQUIRE(::stat((env / "f").c_str(), &st) == 0);
  CHECK(st.st_size == 8);
  CHECK((st.st_mode & 0777) == (0644 & ~[] {
          const mode_t m = ::umask(0);
          ::umask(m);
          return m;
        }()));
}

TEST_CASE("posix_fs: map shows the file's bytes read-only, never past its end, until close") {
  fs_env<io::posix_fs> env;
  auto f = env.fs->open(env / "f", open_mode::create);
  REQUIRE(f);
  const std::string bytes(10000, 'x');
  REQUIRE((*f)->append(bytes + "tail").ok());
  CHECK((*f)->map(bytes.size() + 5).empty());  // past the end: touching it would fault
  const std::string_view all = (*f)->map(bytes.size() + 4);
  REQUIRE(all.size() == bytes.size() + 4);
  CHECK(all.substr(bytes.size()) == "tail");
  CHECK(all.substr(0, bytes.size()) == bytes);
  CHECK((*f)->map(4).data() == all.data());        // one mapping per handle: a prefix of it
  CHECK((*f)->map(bytes.size() + 4).size() == all.size());
  CHECK((*f)->map(0).empty());
  REQUIRE((*f)->close().ok());
  CHECK((*f)->map(4).empty());
  auto g = env.fs->open(env / "f", open_mode::read_only);
  REQUIRE(g);
  CHECK((*g)->map(4) == "xxxx");
}

TEST_CASE("posix_fs: map_for_append reserves and maps a window; what is copied in is what read_at sees") {
  fs_env<io::posix_fs> env;
  auto f = env.fs->open(env / "f", open_mode::create);
  REQUIRE(f);
  REQUIRE((*f)->write_at(0, "head").ok());
  const std::size_t n = io::k_map_alignment;
  auto w = (*f)->map_for_append(0, n);
  REQUIRE_MESSAGE(w, w.status().to_string());
  REQUIRE(w->size() == n);
  CHECK(std::string_view(w->data(), 4) == "head");  // the bytes already there
  std::memcpy(w->data() + 4, "body", 4);
  auto size = (*f)->size();
  REQUIRE(size);
  CHECK(*size == n);  // grown by the reservation: the rest reads as zeros
  char scratch[12] = {};
  auto r = (*f)->read_at(0, sizeof scratch, scratch);
  REQUIRE(r);
  CHECK(*r == std::string_view("headbody\0\0\0\0", 12));
  // The next window replaces this one and extends the file.
  auto w2 = (*f)->map_for_append(n, n);
  REQUIRE(w2);
  std::memcpy(w2->data(), "more", 4);
  REQUIRE((*f)->datasync().ok());
  REQUIRE((*f)->close().ok());
  CHECK(std::filesystem::file_size(env / "f") == 2 * n);
  auto g = env.fs->open(env / "f", open_mode::read_only);
  REQUIRE(g);
  r = (*g)->read_at(n, 4, scratch);
  REQUIRE(r);
  CHECK(*r == "more");
  // An offset that is not page-aligned, or an empty window, is refused.
  auto h = env.fs->open(env / "h", open_mode::create);
  REQUIRE(h);
  CHECK_FALSE((*h)->map_for_append(100, n));
  CHECK_FALSE((*h)->map_for_append(0, 0));
}

TEST_CASE("memory_fs maps nothing for appends: writers fall back to write_at") {
  io::memory_fs fs;
  REQUIRE(fs.mkdir("/d").ok());
  auto f = fs.open("/d/f", open_mode::create);
  REQUIRE(f);
  auto w = (*f)->map_for_append(0, io::k_map_alignment);
  REQUIRE(w);
  CHECK(w->empty());
}

TEST_CASE("default_fs is one shared posix_fs") {
  auto a = io::default_fs();
  auto b = io::default_fs();
  CHECK(a == b);
  CHECK(dynamic_cast<io::posix_fs*>(a.get()) != nullptr);
}

}  // namespace

TEST_CASE("posix_fs: start_writeback is only a hint: contents and size stay, also past the end and once closed") {
  fs_env<io::posix_fs> env;
  auto f = env.fs->open(env / "data", open_mode::truncate);
  REQUIRE(f);
  const std::string bytes(3 * 4096 + 123, 'w');
  REQUIRE((*f)->write_at(0, bytes).ok());
  (*f)->start_writeback(0, 4096);
  (*f)->start_writeback(4096, std::uint64_t{1} << 30);  // far past the end
  REQUIRE((*f)->datasync().ok());
  CHECK(*(*f)->size() == bytes.size());
  std::string back(bytes.size(), '\0');
  auto r = (*f)->read_at(0, back.size(), back.data());
  REQUIRE(r);
  CHECK(*r == bytes);
  REQUIRE((*f)->close().ok());
  (*f)->start_writeback(0, 4096);  // a closed handle: nothing happens
  CHECK(*env.fs->file_size(env / "data") == bytes.size());
}
