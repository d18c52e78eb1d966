// Helpers shared by the persist tests: a std::map model that recovered
// batches are applied to, a deterministic workload, raw file access, and a
// file system whose syncs are slow (to make group commit observable), and
// one whose files stop mapping for appends.
#pragma once

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <jadekv/core/write_batch.hpp>
#include <jadekv/io/fault_fs.hpp>
#include <jadekv/io/file_system.hpp>
#include <jadekv/io/memory_fs.hpp>
#include <jadekv/io/posix_fs.hpp>
#include <jadekv/persist/recovery.hpp>

#include "../io/forwarding_fs.hpp"

namespace persist_test {

namespace kv = jadekv;
namespace io = jadekv::io;
namespace persist = jadekv::persist;

using model = std::map<std::string, std::string>;

inline void apply_to(model& m, const kv::write_batch& b) {
  auto s = b.for_each([&](kv::value_kind k, std::string_view key, std::string_view value) {
    if (k == kv::value_kind::put) {
      m[std::string(key)] = std::string(value);
    } else {
      m.erase(std::string(key));
    }
  });
  REQUIRE(s.ok());
}

// The records of a batch without its sequence number.
inline std::string body(const kv::write_batch& b) { return std::string(b.data().substr(kv::write_batch::k_header_size)); }

// What a recovery handed over.
struct replay {
  std::vector<kv::write_batch> batches;
  model state;

  auto fn() {
    return [this](const kv::write_batch& b) {
      batches.push_back(b);
      apply_to(state, b);
    };
  }
};

// Batch i of the standard workload: 1 to 3 records; some overwrite or erase
// earlier keys; every tenth one has a value long enough to span blocks.
inline kv::write_batch workload_batch(int i) {
  kv::write_batch b;
  b.put("key" + std::to_string(i), "value" + std::to_string(i));
  if (i % 3 == 1) b.put("shared" + std::to_string(i % 7), std::string(static_cast<std::size_t>(i % 50), 's'));
  if (i % 5 == 4) b.erase("key" + std::to_string(i - 2));
  if (i % 10 == 9) b.put("big" + std::to_string(i), std::string(300 + static_cast<std::size_t>(i), 'b'));
  return b;
}

// The model after the first n batches of the workload.
inline model workload_state(int n) {
  model m;
  for (int i = 0; i < n; ++i) apply_to(m, workload_batch(i));
  return m;
}

inline std::string read_all(io::file_system& fs, const std::filesystem::path& p) {
  auto r = io::read_file(fs, p);
  REQUIRE_MESSAGE(r, r.status().to_string());
  return *r;
}

// Replaces p's contents (unsynced; memory_fs needs no sync).
inline void write_all(io::file_system& fs, const std::filesystem::path& p, std::string_view contents) {
  auto f = fs.open(p, io::open_mode::truncate);
  REQUIRE_MESSAGE(f, f.status().to_string());
  REQUIRE((*f)->append(contents).ok());
  REQUIRE((*f)->close().ok());
}

inline std::vector<std::string> names(io::file_system& fs, const std::filesystem::path& dir) {
  auto r = fs.list(dir);
  REQUIRE_MESSAGE(r, r.status().to_string());
  return *r;
}

inline bool has_note(const persist::recovery_report& r, std::string_view text) {
  for (const auto& n : r.ignored) {
    if (n.find(text) != std::string::npos) return true;
  }
  return false;
}

using jadekv_test::forwarding_file;
using jadekv_test::forwarding_fs;

// A file system whose sync and datasync take `delay` (after the real one).
class slow_sync_fs final : public forwarding_fs {
 public:
  slow_sync_fs(std::shared_ptr<io::file_system> inner, std::chrono::microseconds delay)
      : forwarding_fs(std::move(inner)), delay_(delay) {}

  kv::result<std::unique_ptr<io::file>> open(const std::filesystem::path& p, io::open_mode m) override {
    auto f = inner_->open(p, m);
    if (!f) return f.status();
    return std::unique_ptr<io::file>(std::make_unique<slow_file>(std::move(*f), delay_));
  }

 private:
  class slow_file final : public forwarding_file {
   public:
    slow_file(std::unique_ptr<io::file> f, std::chrono::microseconds d) : forwarding_file(std::move(f)), d_(d) {}
    kv::status sync() override { return slow(f_->sync()); }
    kv::status datasync() override { return slow(f_->datasync()); }

   private:
    kv::status slow(kv::status s) {
      std::this_thread::sleep_for(d_);
      return s;
    }
    std::chrono::microseconds d_;
  };

  std::chrono::microseconds delay_;
};

// posix_fs whose files map for appending only the first `maps` times (over
// all files); after that map_for_append returns an empty span, as on a file
// system that does not map, and a writer goes on with write().
class maps_run_out_fs final : public forwarding_fs {
 public:
  explicit maps_run_out_fs(int maps) : forwarding_fs(io::default_fs()), left_(std::make_shared<std::atomic<int>>(maps)) {}

  kv::result<std::unique_ptr<io::file>> open(const std::filesystem::path& p, io::open_mode m) override {
    auto f = inner_->open(p, m);
    if (!f) return f.status();
    return std::unique_ptr<io::file>(std::make_unique<counted_file>(std::move(*f), left_));
  }
  int maps_left() const { return left_->load(); }

 private:
  class counted_file final : public forwarding_file {
   public:
    counted_file(std::unique_ptr<io::file> f, std::shared_ptr<std::atomic<int>> left)
        : forwarding_file(std::move(f)), left_(std::move(left)) {}
    kv::result<std::span<char>> map_for_append(std::uint64_t offset, std::size_t n) override {
      if (left_->fetch_sub(1) <= 0) return std::span<char>{};
      return f_->map_for_append(offset, n);
    }

   private:
    std::shared_ptr<std::atomic<int>> left_;
  };

  std::shared_ptr<std::atomic<int>> left_;
};

}  // namespace persist_test
