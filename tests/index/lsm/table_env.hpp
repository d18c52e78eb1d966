// Helpers shared by the sorted-table tests: a file over a std::string, a
// table built in memory from entries, and the model answer of a lookup.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "jadekv/index/lsm/table.hpp"
#include "jadekv/index/lsm/table_builder.hpp"
#include "jadekv/io/file_system.hpp"

namespace lsm_test {

using namespace jadekv;
namespace sst = jadekv::index::sst;

// A file whose bytes are a shared std::string; reads never take a lock.
// With `mappable`, map() shows the string itself, as a mapping shows the
// page cache: a later change to the bytes is seen by the mapped reader.
class string_file final : public io::file {
 public:
  explicit string_file(std::shared_ptr<std::string> bytes, std::filesystem::path p = "mem.sst")
      : bytes_(std::move(bytes)), path_(std::move(p)) {}

  result<std::string_view> read_at(std::uint64_t offset, std::size_t n, char* scratch) override {
    ++reads;
    if (offset >= bytes_->size()) return std::string_view{};
    n = static_cast<std::size_t>(std::min<std::uint64_t>(n, bytes_->size() - offset));
    if (n != 0) std::memcpy(scratch, bytes_->data() + offset, n);
    return std::string_view(scratch, n);
  }
  status append(std::string_view data) override {
    bytes_->append(data);
    return {};
  }
  status write_at(std::uint64_t, std::string_view) override { return status::not_supported("write_at"); }
  status sync() override { return {}; }
  status datasync() override { return {}; }
  result<std::uint64_t> size() override { return static_cast<std::uint64_t>(bytes_->size()); }
  status truncate(std::uint64_t n) override {
    bytes_->resize(static_cast<std::size_t>(n));
    return {};
  }
  status close() override { return {}; }
  const std::filesystem::path& path() const noexcept override { return path_; }
  std::string_view map(std::uint64_t n) override {
    if (!mappable || n > bytes_->size()) return {};
    return {bytes_->data(), static_cast<std::size_t>(n)};
  }

  std::uint64_t reads = 0;
  bool mappable = false;

 private:
  std::shared_ptr<std::string> bytes_;
  std::filesystem::path path_;
};

struct entry {
  std::string key;
  sequence_number seq = 0;
  value_kind kind = value_kind::put;
  std::string value;
};

// Sorts entries into internal-key order (user key ascending, seq descending).
inline void sort_entries(std::vector<entry>& es) {
  std::sort(es.begin(), es.end(), [](const entry& a, const entry& b) {
    if (a.key != b.key) return a.key < b.key;
    return pack_tag(a.seq, a.kind) > pack_tag(b.seq, b.kind);
  });
}

inline std::string build_table(const std::vector<entry>& es, const sst::table_options& o = {}) {
  auto bytes = std::make_shared<std::string>();
  string_file f(bytes);
  sst::table_builder<> b(f, o);
  for (const entry& e : es) {
    const status s = b.add(e.key, e.seq, e.kind, e.value);
    if (!s.ok()) return "add failed: " + s.to_string();
  }
  const status s = b.finish();
  if (!s.ok()) return "finish failed: " + s.to_string();
  if (b.file_size() != bytes->size()) return "file_size disagrees";
  return std::move(*bytes);
}

// Opens a table over a copy of bytes; `map` reads it through string_file's mapping.
inline result<std::shared_ptr<const sst::table<>>> open_table(std::string bytes,
                                                              std::shared_ptr<sst::block_cache> cache = nullptr,
                                                              bool map = false) {
  auto shared = std::make_shared<std::string>(std::move(bytes));
  const std::uint64_t size = shared->size();
  auto f = std::make_unique<string_file>(shared);
  f->mappable = map;
  return sst::table<>::open(std::move(f), size, {.cache = std::move(cache), .map = map});
}

// The model answer: newest version of key with seq <= at among sorted entries.
inline sst::get_result model_get(const std::vector<entry>& es, std::string_view key, sequence_number at,
                                 std::string& value) {
  for (const entry& e : es) {
    if (e.key != key || e.seq > at) continue;
    if (e.kind == value_kind::put) {
      value = e.value;
      return {sst::lookup_state::found, e.seq};
    }
    return {sst::lookup_state::erased, e.seq};
  }
  return {};
}

inline std::string key_of(std::uint64_t i, int width = 8) {
  std::string s = std::to_string(i);
  if (static_cast<int>(s.size()) < width) s.insert(0, static_cast<std::size_t>(width) - s.size(), '0');
  return "key" + s;
}

}  // namespace lsm_test
