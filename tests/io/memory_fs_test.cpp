// memory_fs specifics: path normalisation, directory renames, lifetime of
// handles and locks beyond the fs, concurrency on one file. The shared
// contract is in file_system_test.cpp.
#include <jadekv/io/memory_fs.hpp>

#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "fs_env.hpp"

namespace {

using namespace jadekv_test;
using io::open_mode;

TEST_CASE("memory_fs: paths are normalised, relative ones start at the root") {
  io::memory_fs fs;
  REQUIRE(fs.mkdir("db").ok());
  put(fs, "db/./f", "x");
  CHECK(get(fs, "/db/f") == "x");
  CHECK(get(fs, "//db//f") == "x");
  CHECK(get(fs, "db/sub/../f") == "x");
  CHECK(*fs.list("/") == std::vector<std::string>{"db"});
  CHECK(*fs.list("") == std::vector<std::string>{"db"});
  CHECK(*fs.list("db/") == std::vector<std::string>{"f"});
  CHECK_FALSE(fs.remove("/").ok());
}

TEST_CASE("memory_fs: renaming a directory moves its subtree and nothing else") {
  io::memory_fs fs;
  REQUIRE(fs.mkdir("/a/b").ok());
  put(fs, "/a/b/f", "f");
  put(fs, "/a/g", "g");
  put(fs, "/a.x", "sibling");
  REQUIRE(fs.mkdir("/a.d").ok());
  REQUIRE(fs.rename("/a", "/z").ok());
  CHECK(get(fs, "/z/b/f") == "f");
  CHECK(get(fs, "/z/g") == "g");
  CHECK(get(fs, "/a.x") == "sibling");
  CHECK(there(fs, "/a.d"));
  CHECK_FALSE(there(fs, "/a"));
  CHECK(*fs.list("/") == std::vector<std::string>{"a.d", "a.x", "z"});
  CHECK_FALSE(fs.rename("/z", "/z/b/inside").ok());
  REQUIRE(fs.mkdir("/full").ok());
  put(fs, "/full/x", "x");
  CHECK_FALSE(fs.rename("/z", "/full").ok());
  CHECK_FALSE(fs.rename("/z", "/a.x").ok());
  CHECK_FALSE(fs.rename("/a.x", "/full").ok());
  REQUIRE(fs.mkdir("/empty").ok());
  CHECK(fs.rename("/z", "/empty").ok());
  CHECK(get(fs, "/empty/b/f") == "f");
}

TEST_CASE("memory_fs: handles and locks outlive the fs") {
  std::unique_ptr<io::file> f;
  std::unique_ptr<io::file_lock> l;
  {
    io::memory_fs fs;
    auto rf = fs.open("/f", open_mode::create);
    auto rl = fs.lock("/LOCK");
    REQUIRE(rf);
    REQUIRE(rl);
    f = std::move(*rf);
    l = std::move(*rl);
  }
  CHECK(f->append("still here").ok());
  char buf[16];
  CHECK(*f->read_at(0, 16, buf) == "still here");
  l.reset();
}

TEST_CASE("memory_fs: a removed file stays usable through its handle only") {
  io::memory_fs fs;
  auto f = fs.open("/f", open_mode::create);
  REQUIRE(f);
  REQUIRE(fs.remove("/f").ok());
  CHECK((*f)->append("orphan").ok());
  CHECK(*(*f)->size() == 6);
  CHECK_FALSE(there(fs, "/f"));
  put(fs, "/f", "new");
  CHECK(*(*f)->size() == 6);
  CHECK(get(fs, "/f") == "new");
}

TEST_CASE("memory_fs: concurrent appends to one file never interleave bytes") {
  io::memory_fs fs;
  constexpr int k_threads = 8, k_records = 500;
  std::vector<std::thread> threads;
  for (int t = 0; t < k_threads; ++t) {
    threads.emplace_back([&, t] {
      auto f = fs.open("/log", open_mode::create);
      if (!f) return;
      for (int i = 0; i < k_records; ++i) (void)(*f)->append(std::string(8, static_cast<char>('a' + t)));
    });
  }
  for (auto& th : threads) th.join();
  const std::string all = get(fs, "/log");
  REQUIRE(all.size() == std::size_t{8} * k_threads * k_records);
  std::vector<int> per(k_threads, 0);
  for (std::size_t i = 0; i < all.size(); i += 8) {
    const std::string rec = all.substr(i, 8);
    REQUIRE(rec == std::string(8, rec[0]));
    ++per[rec[0] - 'a'];
  }
  for (int n : per) CHECK(n == k_records);
}

TEST_CASE("memory_fs: errors follow POSIX errno choices") {
  io::memory_fs fs;
  put(fs, "/f", "x");
  CHECK(fs.open("/f/g", open_mode::create).status().is_io_error());  // ENOTDIR
  CHECK(fs.open("/", open_mode::read_only).status().is_io_error());  // EISDIR
  CHECK(fs.mkdir("/f").is_io_error());                               // EEXIST
  CHECK(fs.lock("/").status().is_io_error());
  auto busy = fs.lock("/L");
  REQUIRE(busy);
  auto again = fs.lock("/./L");
  CHECK(again.status().is_busy());
  CHECK(again.status().message().find("/./L") != std::string::npos);
}

}  // namespace
