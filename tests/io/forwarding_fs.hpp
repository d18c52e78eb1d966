// forwarding_fs, forwarding_file: a file system and a file that pass every
// call on to the ones they wrap, so that a test double overrides only what
// it changes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <jadekv/core/result.hpp>
#include <jadekv/core/status.hpp>
#include <jadekv/io/file_system.hpp>

namespace jadekv_test {

namespace kv = jadekv;
namespace io = jadekv::io;

class forwarding_file : public io::file {
 public:
  explicit forwarding_file(std::unique_ptr<io::file> f) : f_(std::move(f)) {}
  kv::result<std::string_view> read_at(std::uint64_t o, std::size_t n, char* s) override { return f_->read_at(o, n, s); }
  kv::status append(std::string_view d) override { return f_->append(d); }
  kv::status write_at(std::uint64_t o, std::string_view d) override { return f_->write_at(o, d); }
  kv::status sync() override { return f_->sync(); }
  kv::status datasync() override { return f_->datasync(); }
  kv::result<std::uint64_t> size() override { return f_->size(); }
  kv::status truncate(std::uint64_t n) override { return f_->truncate(n); }
  kv::status close() override { return f_->close(); }
  const std::filesystem::path& path() const noexcept override { return f_->path(); }
  std::string_view map(std::uint64_t n) override { return f_->map(n); }
  kv::result<std::span<char>> map_for_append(std::uint64_t o, std::size_t n) override { return f_->map_for_append(o, n); }
  void start_writeback(std::uint64_t o, std::uint64_t n) noexcept override { f_->start_writeback(o, n); }

 protected:
  std::unique_ptr<io::file> f_;
};

class forwarding_fs : public io::file_system {
 public:
  explicit forwarding_fs(std::shared_ptr<io::file_system> inner) : inner_(std::move(inner)) {}
  kv::result<std::unique_ptr<io::file>> open(const std::filesystem::path& p, io::open_mode m) override {
    return inner_->open(p, m);
  }
  kv::status rename(const std::filesystem::path& a, const std::filesystem::path& b) override { return inner_->rename(a, b); }
  kv::status remove(const std::filesystem::path& p) override { return inner_->remove(p); }
  kv::result<std::vector<std::string>> list(const std::filesystem::path& d) override { return inner_->list(d); }
  kv::status mkdir(const std::filesystem::path& p) override { return inner_->mkdir(p); }
  kv::status sync_dir(const std::filesystem::path& d) override { return inner_->sync_dir(d); }
  kv::result<std::uint64_t> file_size(const std::filesystem::path& p) override { return inner_->file_size(p); }
  kv::result<bool> exists(const std::filesystem::path& p) override { return inner_->exists(p); }
  kv::status truncate(const std::filesystem::path& p, std::uint64_t n) override { return inner_->truncate(p, n); }
  kv::result<std::unique_ptr<io::file_lock>> lock(const std::filesystem::path& p) override { return inner_->lock(p); }

 protected:
  std::shared_ptr<io::file_system> inner_;
};

}  // namespace jadekv_test
