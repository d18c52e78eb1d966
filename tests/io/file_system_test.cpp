// The file_system contract, written once and run over every implementation,
// plus the helpers of file_system.hpp (write_file_atomically, read_file).
#include <jadekv/io/file_system.hpp>

#include <doctest/doctest.h>

#include <cerrno>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "fs_env.hpp"

namespace {

using namespace jadekv_test;
using io::open_mode;

#define JADEKV_ALL_FS io::posix_fs, io::memory_fs, io::fault_fs<io::memory_fs>, io::fault_fs<io::posix_fs>

std::string read_at(io::file& f, std::uint64_t off, std::size_t n) {
  std::string scratch(n, '\xee');
  auto r = f.read_at(off, n, scratch.data());
  REQUIRE_MESSAGE(r, r.status().to_string());
  CHECK((r->empty() || r->data() == scratch.data()));
  return std::string(*r);
}

TEST_CASE_TEMPLATE("file_system: open modes", Fs, JADEKV_ALL_FS) {
  fs_env<Fs> env;
  io::file_system& fs = *env.fs;
  const auto p = env / "f";

  CHECK(fs.open(p, open_mode::read_only).status().is_not_found());
  CHECK(fs.open(p, open_mode::read_write).status().is_not_found());
  CHECK_FALSE(there(fs, p));

  {
    auto f = fs.open(p, open_mode::create);
    REQUIRE(f);
    CHECK((*f)->append("abc").ok());
  }
  {
    auto f = fs.open(p, open_mode::create);  // keeps contents
    REQUIRE(f);
    CHECK(*(*f)->size() == 3);
  }
  {
    auto f = fs.open(p, open_mode::create_new);
    REQUIRE_FALSE(f);
    CHECK(f.status().is_io_error());
    CHECK(get(fs, p) == "abc");
  }
  {
    auto f = fs.open(p, open_mode::read_write);
    REQUIRE(f);
    CHECK(read_at(**f, 0, 10) == "abc");
  }
  {
    auto f = fs.open(p, open_mode::truncate);
    REQUIRE(f);
    CHECK(*(*f)->size() == 0);
  }
  CHECK(get(fs, p) == "");
  {
    auto f = fs.open(env / "g", open_mode::create_new);
    REQUIRE(f);
    CHECK((*f)->append("g").ok());
  }
  CHECK(get(fs, env / "g") == "g");
  {
    auto f = fs.open(env / "h", open_mode::truncate);
    REQUIRE(f);
  }
  CHECK(there(fs, env / "h"));
}

TEST_CASE_TEMPLATE("file_system: open fails in a missing directory and on a directory", Fs, JADEKV_ALL_FS) {
  fs_env<Fs> env;
  io::file_system& fs = *env.fs;
  for (auto mode : {open_mode::read_only, open_mode::read_write, open_mode::create, open_mode::create_new,
                    open_mode::truncate}) {
    auto f = fs.open(env / "missing" / "f", mode);
    REQUIRE_FALSE(f);
    CHECK(f.status().is_not_found());
  }
  CHECK_FALSE(there(fs, env / "missing"));
  REQUIRE(fs.mkdir(env / "d").ok());
  CHECK_FALSE(fs.open(env / "d", open_mode::read_only));
  CHECK_FALSE(fs.open(env / "d", open_mode::create));
  CHECK_FALSE(fs.file_size(env / "d"));
}

TEST_CASE_TEMPLATE("file_system: errors name the operation, the path and the cause", Fs, JADEKV_ALL_FS) {
  fs_env<Fs> env;
  io::file_system& fs = *env.fs;
  const auto p = env / "nope";
  const std::string enoent = std::error_code(ENOENT, std::generic_category()).message();
  auto f = fs.open(p, open_mode::read_only);
  REQUIRE_FALSE(f);
  CHECK(f.status().message().find("open") != std::string::npos);
  CHECK(f.status().message().find(p.string()) != std::string::npos);
  CHECK(f.status().message().find(enoent) != std::string::npos);
  auto s = fs.remove(p);
  CHECK(s.is_not_found());
  CHECK(s.message().find("remove " + p.string()) != std::string::npos);
  CHECK(fs.file_size(p).status().message().find(p.string()) != std::string::npos);
  auto r = fs.rename(p, env / "other");
  CHECK(r.is_not_found());
  CHECK(r.message().find(p.string()) != std::string::npos);
}

TEST_CASE_TEMPLATE("file_system: read_at is short only at end of file", Fs, JADEKV_ALL_FS) {
  fs_env<Fs> env;
  io::file_system& fs = *env.fs;
  put(fs, env / "f", "0123456789");
  auto f = fs.open(env / "f", open_mode::read_only);
  REQUIRE(f);
  CHECK(read_at(**f, 0, 4) == "0123");
  CHECK(read_at(**f, 4, 4) == "4567");
  CHECK(read_at(**f, 8, 4) == "89");
  CHECK(read_at(**f, 10, 4) == "");
  CHECK(read_at(**f, 1000, 4) == "");
  CHECK(read_at(**f, 3, 0) == "");
}

TEST_CASE_TEMPLATE("file_system: append writes at the shared end of the file", Fs, JADEKV_ALL_FS) {
  fs_env<Fs> env;
  io::file_system& fs = *env.fs;
  auto a = fs.open(env / "f", open_mode::create);
  auto b = fs.open(env / "f", open_mode::read_write);
  REQUIRE(a);
  REQUIRE(b);
  CHECK((*a)->append("one,").ok());
  CHECK((*b)->append("two,").ok());
  CHECK((*a)->append("three").ok());
  CHECK(*(*a)->size() == 13);
  CHECK(*(*b)->size() == 13);
  CHECK(*fs.file_size(env / "f") == 13);
  CHECK(get(fs, env / "f") == "one,two,three");
  CHECK((*a)->append("").ok());
  CHECK(*(*a)->size() == 13);
}

TEST_CASE_TEMPLATE("file_system: write_at overwrites and zero-fills a gap", Fs, JADEKV_ALL_FS) {
  fs_env<Fs> env;
  io::file_system& fs = *env.fs;
  auto f = fs.open(env / "f", open_mode::create);
  REQUIRE(f);
  CHECK((*f)->write_at(0, "hello world").ok());
  CHECK((*f)->write_at(6, "WORLD").ok());
  CHECK((*f)->write_at(14, "!").ok());
  CHECK(*(*f)->size() == 15);
  CHECK(get(fs, env / "f") == std::string("hello WORLD\0\0\0!", 15));
  CHECK((*f)->append("?").ok());
  CHECK(read_at(**f, 14, 5) == "!?");
}

TEST_CASE_TEMPLATE("file_system: truncate shrinks and grows, on a handle and by path", Fs, JADEKV_ALL_FS) {
  fs_env<Fs> env;
  io::file_system& fs = *env.fs;
  put(fs, env / "f", "0123456789");
  auto f = fs.open(env / "f", open_mode::read_write);
  REQUIRE(f);
  CHECK((*f)->truncate(4).ok());
  CHECK(get(fs, env / "f") == "0123");
  CHECK((*f)->truncate(6).ok());
  CHECK(get(fs, env / "f") == std::string("0123\0\0", 6));
  CHECK(fs.truncate(env / "f", 2).ok());
  CHECK(*(*f)->size() == 2);
  CHECK((*f)->append("x").ok());
  CHECK(get(fs, env / "f") == "01x");
  CHECK(fs.truncate(env / "missing", 0).is_not_found());
}

TEST_CASE_TEMPLATE("file_system: close is idempotent and ends the handle", Fs, JADEKV_ALL_FS) {
  fs_env<Fs> env;
  io::file_system& fs = *env.fs;
  auto f = fs.open(env / "f", open_mode::create);
  REQUIRE(f);
  CHECK((*f)->append("x").ok());
  CHECK((*f)->close().ok());
  CHECK((*f)->close().ok());
  char buf[4];
  CHECK_FALSE((*f)->read_at(0, 1, buf));
  CHECK_FALSE((*f)->append("y").ok());
  CHECK_FALSE((*f)->write_at(0, "y").ok());
  CHECK_FALSE((*f)->sync().ok());
  CHECK_FALSE((*f)->datasync().ok());
  CHECK_FALSE((*f)->size());
  CHECK_FALSE((*f)->truncate(0).ok());
  CHECK((*f)->path() == env / "f");
  CHECK(get(fs, env / "f") == "x");
}

TEST_CASE_TEMPLATE("file_system: a read_only handle refuses writes", Fs, JADEKV_ALL_FS) {
  fs_env<Fs> env;
  io::file_system& fs = *env.fs;
  put(fs, env / "f", "abc");
  auto f = fs.open(env / "f", open_mode::read_only);
  REQUIRE(f);
  CHECK_FALSE((*f)->append("x").ok());
  CHECK_FALSE((*f)->write_at(0, "x").ok());
  CHECK_FALSE((*f)->truncate(0).ok());
  CHECK((*f)->sync().ok());
  CHECK(get(fs, env / "f") == "abc");
}

TEST_CASE_TEMPLATE("file_system: rename replaces the target and handles follow the file", Fs, JADEKV_ALL_FS) {
  fs_env<Fs> env;
  io::file_system& fs = *env.fs;
  put(fs, env / "a", "A");
  put(fs, env / "b", "B");
  auto ha = fs.open(env / "a", open_mode::read_write);
  auto hb = fs.open(env / "b", open_mode::read_only);
  REQUIRE(ha);
  REQUIRE(hb);
  REQUIRE(fs.rename(env / "a", env / "b").ok());
  CHECK_FALSE(there(fs, env / "a"));
  CHECK(get(fs, env / "b") == "A");
  CHECK((*ha)->append("2").ok());  // still the renamed file
  CHECK(get(fs, env / "b") == "A2");
  CHECK(read_at(**hb, 0, 10) == "B");  // the replaced file lives on while open
  CHECK(fs.rename(env / "b", env / "b").ok());
  CHECK(get(fs, env / "b") == "A2");
  CHECK(fs.rename(env / "a", env / "c").is_not_found());
  CHECK(fs.rename(env / "b", env / "nodir" / "c").is_not_found());
  REQUIRE(fs.mkdir(env / "sub").ok());
  REQUIRE(fs.rename(env / "b", env / "sub" / "b").ok());
  CHECK(get(fs, env / "sub" / "b") == "A2");
}

TEST_CASE_TEMPLATE("file_system: remove files and empty directories", Fs, JADEKV_ALL_FS) {
  fs_env<Fs> env;
  io::file_system& fs = *env.fs;
  put(fs, env / "f", "data");
  auto h = fs.open(env / "f", open_mode::read_only);
  REQUIRE(h);
  REQUIRE(fs.remove(env / "f").ok());
  CHECK_FALSE(there(fs, env / "f"));
  CHECK(read_at(**h, 0, 10) == "data");  // unlinked, still open
  CHECK(fs.remove(env / "f").is_not_found());
  REQUIRE(fs.mkdir(env / "d" / "e").ok());
  auto s = fs.remove(env / "d");
  CHECK_FALSE(s.ok());
  CHECK_FALSE(s.is_not_found());
  CHECK(fs.remove(env / "d" / "e").ok());
  CHECK(fs.remove(env / "d").ok());
  CHECK_FALSE(there(fs, env / "d"));
}

TEST_CASE_TEMPLATE("file_system: list returns sorted child names", Fs, JADEKV_ALL_FS) {
  fs_env<Fs> env;
  io::file_system& fs = *env.fs;
  auto empty = fs.list(env.root);
  REQUIRE(empty);
  CHECK(empty->empty());
  for (const char* n : {"b", "a.b", "c", "a", "B"}) put(fs, env / n, n);
  REQUIRE(fs.mkdir(env / "a.d" / "deep").ok());
  auto names = fs.list(env.root);
  REQUIRE(names);
  CHECK(*names == std::vector<std::string>{"B", "a", "a.b", "a.d", "b", "c"});
  auto sub = fs.list(env / "a.d");
  REQUIRE(sub);
  CHECK(*sub == std::vector<std::string>{"deep"});
  CHECK(fs.list(env / "missing").status().is_not_found());
  CHECK_FALSE(fs.list(env / "a"));  // a file
}

TEST_CASE_TEMPLATE("file_system: mkdir creates parents and is idempotent", Fs, JADEKV_ALL_FS) {
  fs_env<Fs> env;
  io::file_system& fs = *env.fs;
  CHECK(fs.mkdir(env / "x" / "y" / "z").ok());
  CHECK(fs.mkdir(env / "x" / "y" / "z").ok());
  CHECK(fs.mkdir(env / "x" / "y/").ok());
  CHECK(there(fs, env / "x" / "y" / "z"));
  put(fs, env / "x" / "y" / "z" / "f", "f");
  CHECK(get(fs, env / "x/y/z/f") == "f");
  CHECK_FALSE(fs.mkdir(env / "x" / "y" / "z" / "f").ok());
  CHECK_FALSE(fs.mkdir(env / "x" / "y" / "z" / "f" / "g").ok());
}

TEST_CASE_TEMPLATE("file_system: sync, datasync and sync_dir", Fs, JADEKV_ALL_FS) {
  fs_env<Fs> env;
  io::file_system& fs = *env.fs;
  auto f = fs.open(env / "f", open_mode::create);
  REQUIRE(f);
  CHECK((*f)->append("x").ok());
  CHECK((*f)->sync().ok());
  CHECK((*f)->datasync().ok());
  CHECK(fs.sync_dir(env.root).ok());
  CHECK(fs.sync_dir(env / "missing").is_not_found());
  CHECK_FALSE(fs.sync_dir(env / "f").ok());
}

TEST_CASE_TEMPLATE("file_system: file_size and exists", Fs, JADEKV_ALL_FS) {
  fs_env<Fs> env;
  io::file_system& fs = *env.fs;
  put(fs, env / "f", std::string(1234, 'q'));
  CHECK(*fs.file_size(env / "f") == 1234);
  CHECK(fs.file_size(env / "g").status().is_not_found());
  CHECK(there(fs, env / "f"));
  CHECK(there(fs, env.root));
  CHECK_FALSE(there(fs, env / "g"));
  CHECK_FALSE(there(fs, env / "f" / "child"));
}

TEST_CASE_TEMPLATE("file_system: lock is exclusive until its handle dies", Fs, JADEKV_ALL_FS) {
  fs_env<Fs> env;
  io::file_system& fs = *env.fs;
  const auto p = env / "LOCK";
  {
    auto l1 = fs.lock(p);
    REQUIRE_MESSAGE(l1, l1.status().to_string());
    CHECK((*l1)->path() == p);
    CHECK(there(fs, p));
    auto l2 = fs.lock(p);
    REQUIRE_FALSE(l2);
    CHECK(l2.status().is_busy());
    CHECK(l2.status().message().find(p.string()) != std::string::npos);
    auto other = fs.lock(env / "LOCK2");
    CHECK(other);
  }
  auto l3 = fs.lock(p);
  CHECK(l3);
  CHECK(fs.lock(env / "missing" / "LOCK").status().is_not_found());
}

TEST_CASE_TEMPLATE("file_system: large transfers round-trip", Fs, JADEKV_ALL_FS) {
  fs_env<Fs> env;
  io::file_system& fs = *env.fs;
  std::string big(3 * 1024 * 1024 + 17, '\0');
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 131 + (i >> 11));
  auto f = fs.open(env / "big", open_mode::create);
  REQUIRE(f);
  REQUIRE((*f)->append(big).ok());
  REQUIRE((*f)->sync().ok());
  CHECK(read_at(**f, 0, big.size() + 100) == big);
  CHECK(read_at(**f, 1000000, 10) == big.substr(1000000, 10));
  CHECK(get(fs, env / "big") == big);
}

TEST_CASE_TEMPLATE("file_system: threads on distinct files and on one file", Fs, JADEKV_ALL_FS) {
  fs_env<Fs> env;
  io::file_system& fs = *env.fs;
  constexpr int k_threads = 4, k_records = 200;
  put(fs, env / "shared", std::string(4096, 's'));
  std::vector<std::thread> threads;
  std::vector<int> failures(k_threads, 0);
  for (int t = 0; t < k_threads; ++t) {
    threads.emplace_back([&, t] {
      auto own = fs.open(env / ("t" + std::to_string(t)), open_mode::create);
      auto shared = fs.open(env / "shared", open_mode::read_only);
      if (!own || !shared) {
        ++failures[t];
        return;
      }
      char scratch[64];
      for (int i = 0; i < k_records; ++i) {
        if (!(*own)->append(std::string(10, static_cast<char>('a' + t))).ok()) ++failures[t];
        auto r = (*shared)->read_at(static_cast<std::uint64_t>(i) * 7, 64, scratch);
        if (!r || *r != std::string(64, 's')) ++failures[t];
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < k_threads; ++t) {
    CHECK(failures[t] == 0);
    CHECK(get(fs, env / ("t" + std::to_string(t))) == std::string(10 * k_records, static_cast<char>('a' + t)));
  }
}

TEST_CASE_TEMPLATE("write_file_atomically and read_file", Fs, JADEKV_ALL_FS) {
  fs_env<Fs> env;
  io::file_system& fs = *env.fs;
  const auto p = env / "CURRENT";
  REQUIRE(io::write_file_atomically(fs, p, "v1").ok());
  CHECK(get(fs, p) == "v1");
  REQUIRE(io::write_file_atomically(fs, p, "version two").ok());
  CHECK(get(fs, p) == "version two");
  CHECK(*fs.list(env.root) == std::vector<std::string>{"CURRENT"});  // no .tmp left behind

  // Exact multiples of read_file's chunk size end with an empty read.
  for (std::size_t n : {std::size_t{0}, std::size_t{65536}, std::size_t{131072}, std::size_t{65537}}) {
    std::string s(n, 'z');
    REQUIRE(io::write_file_atomically(fs, p, s).ok());
    auto r = io::read_file(fs, p);
    REQUIRE(r);
    CHECK(*r == s);
  }
  CHECK(io::read_file(fs, env / "missing").status().is_not_found());
  auto s = io::write_file_atomically(fs, env / "nodir" / "x", "x");
  CHECK(s.is_not_found());
  CHECK(s.message().find("write_file_atomically") != std::string::npos);
}

TEST_CASE("parent_dir") {
  CHECK(io::parent_dir("a") == ".");
  CHECK(io::parent_dir("d/a") == "d");
  CHECK(io::parent_dir("/d/a") == "/d");
}

}  // namespace
