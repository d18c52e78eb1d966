// log_image: a one-segment log built by persist::wal<BlockSize>, with where
// each record starts and ends, and a way to recover from altered copies of
// it. Used by the exhaustive truncation and bit-flip tests.
#pragma once

#include <doctest/doctest.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <jadekv/io/memory_fs.hpp>
#include <jadekv/persist/log_format.hpp>
#include <jadekv/persist/wal.hpp>

#include "persist_env.hpp"

namespace persist_test {

struct log_image {
  std::string name;   // the segment's file name
  std::string bytes;  // its contents
  std::uint32_t block_size = 0;
  std::vector<kv::write_batch> batches;
  // Record i occupies [starts[i], ends[i]); a trailer of zeros may sit
  // between ends[i-1] and starts[i].
  std::vector<std::uint64_t> starts, ends;

  // Records complete within the first n bytes.
  std::size_t complete_in(std::uint64_t n) const {
    std::size_t k = 0;
    while (k < ends.size() && ends[k] <= n) ++k;
    return k;
  }
  // Where the record after the first k starts (the file size when k is all).
  std::uint64_t start_after(std::size_t k) const { return k < starts.size() ? starts[k] : bytes.size(); }
};

template <std::size_t BlockSize>
log_image make_log_image(const std::vector<kv::write_batch>& batches) {
  using wal_t = persist::wal<BlockSize>;
  namespace f = persist::log_format;
  auto fs = std::make_shared<io::memory_fs>();
  const std::filesystem::path dir = "/img";
  auto w = wal_t::open(fs, dir);
  REQUIRE(w);
  REQUIRE(w->recover([](const kv::write_batch&) {}).ok());
  log_image img;
  img.block_size = static_cast<std::uint32_t>(BlockSize);
  img.name = persist::segment_file_name(w->current_segment());
  std::uint64_t end = f::k_header_size;
  for (auto b : batches) {
    const std::uint64_t room = BlockSize - end % BlockSize;
    img.starts.push_back(room < f::k_min_fragment_room ? end + room : end);
    REQUIRE(w->append(b).ok());
    auto sz = fs->file_size(dir / img.name);
    REQUIRE(sz);
    end = *sz;
    img.ends.push_back(end);
    img.batches.push_back(b);
  }
  REQUIRE(w->close().ok());
  img.bytes = read_all(*fs, dir / img.name);
  return img;
}

struct recovered {
  kv::status status;
  replay r;
  persist::recovery_report report;
  std::vector<std::string> files;  // the directory afterwards
};

// Recovers a directory holding only `bytes` under `name`. After a successful
// recovery `then` (if set) gets the open wal.
template <std::size_t BlockSize>
recovered recover_bytes(const std::string& name, std::string_view bytes, persist::recovery_mode mode,
                        const std::function<void(persist::wal<BlockSize>&, std::shared_ptr<io::file_system>)>& then = {}) {
  auto fs = std::make_shared<io::memory_fs>();
  const std::filesystem::path dir = "/db";
  REQUIRE(fs->mkdir(dir).ok());
  write_all(*fs, dir / name, bytes);
  typename persist::wal<BlockSize>::options o;
  o.recovery = mode;
  auto w = persist::wal<BlockSize>::open(fs, dir, o);
  REQUIRE_MESSAGE(w, w.status().to_string());
  recovered out;
  out.status = w->recover(out.r.fn());
  out.report = w->report();
  if (out.status.ok() && then) then(*w, fs);
  out.files = names(*fs, dir);
  return out;
}

// Batches of assorted sizes: small ones, and some long enough to span
// several blocks of a small block size.
inline std::vector<kv::write_batch> assorted_batches(int n, std::size_t big) {
  std::vector<kv::write_batch> out;
  for (int i = 0; i < n; ++i) {
    kv::write_batch b;
    b.put("k" + std::to_string(i), std::string(static_cast<std::size_t>(i * 7 % 23), static_cast<char>('a' + i)));
    if (i % 4 == 3) b.put("big" + std::to_string(i), std::string(big + static_cast<std::size_t>(i), 'B'));
    if (i % 5 == 2) b.erase("k" + std::to_string(i - 1));
    out.push_back(b);
  }
  return out;
}

}  // namespace persist_test
