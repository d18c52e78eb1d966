// fs_env<Fs>: a fresh file system and an existing root directory for one test.
// Disk-backed file systems get a unique directory under temp_directory_path(),
// removed afterwards; memory-backed ones use the same path in memory only.
#pragma once

#include <doctest/doctest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>

#include <jadekv/io/fault_fs.hpp>
#include <jadekv/io/file_system.hpp>
#include <jadekv/io/memory_fs.hpp>
#include <jadekv/io/posix_fs.hpp>

namespace jadekv_test {

namespace io = jadekv::io;

template <class Fs>
inline constexpr bool k_on_disk = std::is_same_v<Fs, io::posix_fs> || std::is_same_v<Fs, io::fault_fs<io::posix_fs>>;

inline std::filesystem::path unique_temp_path() {
  static std::atomic<unsigned> counter{0};
  std::random_device rd;
  return std::filesystem::temp_directory_path() /
         ("jadekv-io-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + "-" + std::to_string(rd()));
}

template <class Fs>
struct fs_env {
  fs_env() : root(unique_temp_path()) {
    if constexpr (k_on_disk<Fs>) std::filesystem::create_directories(root);
    REQUIRE(fs->mkdir(root).ok());
  }
  ~fs_env() {
    if constexpr (k_on_disk<Fs>) {
      std::error_code ec;
      std::filesystem::remove_all(root, ec);
    }
  }
  fs_env(const fs_env&) = delete;
  fs_env& operator=(const fs_env&) = delete;

  std::filesystem::path operator/(std::string_view name) const { return root / name; }

  std::shared_ptr<Fs> fs = std::make_shared<Fs>();
  std::filesystem::path root;
};

// Creates or replaces p with contents, without syncing anything.
inline void put(io::file_system& fs, const std::filesystem::path& p, std::string_view contents) {
  auto f = fs.open(p, io::open_mode::truncate);
  REQUIRE_MESSAGE(f, f.status().to_string());
  REQUIRE((*f)->append(contents).ok());
  REQUIRE((*f)->close().ok());
}

// The contents of p, or "<status text>" when it cannot be read.
inline std::string get(io::file_system& fs, const std::filesystem::path& p) {
  auto r = io::read_file(fs, p);
  return r ? *r : "<" + r.status().to_string() + ">";
}

// Runs child() in a forked process and returns its exit code.
template <class Child>
int in_child(Child child) {
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) ::_exit(child());
  int st = 0;
  REQUIRE(::waitpid(pid, &st, 0) == pid);
  REQUIRE(WIFEXITED(st));
  return WEXITSTATUS(st);
}

inline bool there(io::file_system& fs, const std::filesystem::path& p) {
  auto r = fs.exists(p);
  REQUIRE_MESSAGE(r, r.status().to_string());
  return *r;
}

}  // namespace jadekv_test
