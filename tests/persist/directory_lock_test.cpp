// persist::lock_directory and the policies' own lock: a second open of a
// directory is busy, in this process and from a forked child; closing and
// the death of the holder release it.
#include <jadekv/persist/directory_lock.hpp>

#include <doctest/doctest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>

#include <jadekv/io/posix_fs.hpp>
#include <jadekv/persist/snapshot.hpp>
#include <jadekv/persist/wal.hpp>

#include "../io/fs_env.hpp"
#include "persist_env.hpp"

namespace {

using namespace persist_test;
using jadekv_test::fs_env;
using jadekv_test::in_child;

}  // namespace

TEST_CASE_TEMPLATE("lock_directory: a second lock is busy, naming the directory, until the first is released", Fs,
                   io::memory_fs, io::posix_fs, io::fault_fs<io::memory_fs>) {
  fs_env<Fs> env;
  auto first = persist::lock_directory(*env.fs, env.root);
  REQUIRE_MESSAGE(first, first.status().to_string());
  auto second = persist::lock_directory(*env.fs, env.root);
  REQUIRE_FALSE(second);
  CHECK(second.status().is_busy());
  CHECK(second.status().message().find(env.root.string()) != std::string::npos);
  first->reset();
  CHECK(persist::lock_directory(*env.fs, env.root));
}

TEST_CASE_TEMPLATE("policies: a second open of the same directory is busy; close releases it", Fs, io::memory_fs,
                   io::posix_fs) {
  fs_env<Fs> env;
  const auto dir = env / "db";
  {
    auto a = persist::wal<>::open(env.fs, dir);
    REQUIRE(a);
    auto b = persist::wal<>::open(env.fs, dir);
    REQUIRE_FALSE(b);
    CHECK(b.status().is_busy());
    CHECK(persist::snapshot<persist::wal<>>::open(env.fs, dir).status().is_busy());
    REQUIRE(a->recover([](const kv::write_batch&) {}).ok());
    REQUIRE(a->close().ok());
    auto c = persist::wal<>::open(env.fs, dir);
    CHECK(c);
  }
  {
    auto a = persist::snapshot<>::open(env.fs, env / "snap");
    REQUIRE(a);
    CHECK(persist::snapshot<>::open(env.fs, env / "snap").status().is_busy());
  }
  // A caller holding the lock itself opens with lock_directory = false.
  auto held = persist::lock_directory(*env.fs, dir);
  REQUIRE(held);
  persist::wal<>::options o;
  o.lock_directory = false;
  CHECK(persist::wal<>::open(env.fs, dir, o));
  CHECK(persist::wal<>::open(env.fs, dir).status().is_busy());
}

TEST_CASE("lock_directory: a forked child is refused while the parent holds the lock") {
  fs_env<io::posix_fs> env;
  const auto dir = env / "db";
  auto w = persist::wal<>::open(env.fs, dir);
  REQUIRE(w);
  const int code = in_child([&] {
    auto again = persist::wal<>::open(io::default_fs(), dir);
    if (again) return 1;
    return again.status().is_busy() ? 0 : 2;
  });
  CHECK(code == 0);
  REQUIRE(w->close().ok());
  const int after = in_child([&] { return persist::wal<>::open(io::default_fs(), dir) ? 0 : 1; });
  CHECK(after == 0);
}

TEST_CASE("lock_directory: the death of the holding process releases the lock") {
  fs_env<io::posix_fs> env;
  int ready[2];
  REQUIRE(::pipe(ready) == 0);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    auto l = persist::lock_directory(*io::default_fs(), env.root);
    const char c = l ? 'y' : 'n';
    (void)!::write(ready[1], &c, 1);
    for (;;) ::pause();  // holds the lock until killed
  }
  char c = 0;
  REQUIRE(::read(ready[0], &c, 1) == 1);
  REQUIRE(c == 'y');
  auto busy = persist::lock_directory(*env.fs, env.root);
  CHECK(busy.status().is_busy());
  REQUIRE(::kill(pid, SIGKILL) == 0);
  int st = 0;
  REQUIRE(::waitpid(pid, &st, 0) == pid);
  CHECK(persist::lock_directory(*env.fs, env.root));
  ::close(ready[0]);
  ::close(ready[1]);
}
