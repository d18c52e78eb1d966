// Shared by the fuzz targets in this folder: a check that stops the process
// (libFuzzer and the replay driver both report an abort as a failure, with
// the input that caused it), a reader that takes structured values from the
// front of the fuzz input, and a memory_fs holding one file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "jadekv/io/memory_fs.hpp"

namespace fuzz {

[[noreturn]] inline void fail(const char* what, const char* file, int line) {
  std::fprintf(stderr, "%s:%d: fuzz check failed: %s\n", file, line, what);
  std::abort();
}

// Not assert(): it must hold in the release builds the fuzzers run as.
#define FUZZ_CHECK(cond)                                   \
  do {                                                     \
    if (!(cond)) ::fuzz::fail(#cond, __FILE__, __LINE__);  \
  } while (false)

// Takes values from the front of the input; past the end every value is 0
// and every string empty, so a short input is still a whole program.
class input {
 public:
  input(const std::uint8_t* data, std::size_t size) noexcept
      : rest_(reinterpret_cast<const char*>(data), size) {}

  bool empty() const noexcept { return rest_.empty(); }
  std::size_t size() const noexcept { return rest_.size(); }

  std::uint8_t byte() noexcept {
    if (rest_.empty()) return 0;
    const auto b = static_cast<std::uint8_t>(rest_.front());
    rest_.remove_prefix(1);
    return b;
  }

  // Up to n bytes.
  std::string_view bytes(std::size_t n) noexcept {
    const std::string_view out = rest_.substr(0, n);
    rest_.remove_prefix(out.size());
    return out;
  }

  // A short string whose length is the next byte modulo max_len + 1.
  std::string_view short_string(std::size_t max_len) noexcept { return bytes(byte() % (max_len + 1)); }

  std::string_view rest() noexcept { return bytes(rest_.size()); }

 private:
  std::string_view rest_;
};

// The common input shape of the file targets: a flags byte, then the file.
// Bit 0 of the flags asks for `reseal` (the target's checksum rewriter).
struct flagged_file {
  std::uint8_t flags = 0;
  std::string bytes;
};

template <class Reseal>
flagged_file split_flags(const std::uint8_t* data, std::size_t size, Reseal&& reseal) {
  input in(data, size);
  flagged_file f;
  f.flags = in.byte();
  f.bytes = std::string(in.rest());
  if ((f.flags & 1) != 0) reseal(f.bytes);
  return f;
}

inline std::string_view as_view(const std::uint8_t* data, std::size_t size) noexcept {
  return {reinterpret_cast<const char*>(data), size};
}

// A memory_fs whose directory `dir` holds one file `name` with `bytes`.
inline std::shared_ptr<jadekv::io::memory_fs> fs_with_file(const std::filesystem::path& dir, std::string_view name,
                                                           std::string_view bytes) {
  auto fs = std::make_shared<jadekv::io::memory_fs>();
  FUZZ_CHECK(fs->mkdir(dir).ok());
  auto f = fs->open(dir / std::string(name), jadekv::io::open_mode::truncate);
  FUZZ_CHECK(f.has_value());
  FUZZ_CHECK((*f)->append(bytes).ok());
  FUZZ_CHECK((*f)->close().ok());
  return fs;
}

}  // namespace fuzz
