// block_builder: encodes one data or index block (layout in table_format.hpp):
// prefix-compressed entries with a restart point every `restart_interval`
// entries, then the restart array and its length.
//
// Thread safety: one thread per builder.
//
// Invariants:
//   1. finish() output always holds at least one restart point (restart[0] = 0),
//      also for an empty block.
//   2. size_estimate() is exactly the size finish() would return now.
//   3. The builder does not order keys; the caller adds them in increasing order.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "jadekv/core/coding.hpp"

namespace jadekv::inline v0::index::sst {

// A template only so that units which do not use it do not compile it (README, "Build cost").
template <class = void>
class block_builder {
 public:
  // REQUIRES: restart_interval >= 1.
  explicit block_builder(int restart_interval = 16) : interval_(std::max(restart_interval, 1)) { reset(); }

  // Empties the builder for a new block; keeps its buffers' capacity.
  void reset() {
    buf_.clear();
    restarts_.clear();
    restarts_.push_back(0);
    counter_ = 0;
    entries_ = 0;
    last_key_.clear();
    finished_ = false;
  }

  // Appends an entry. REQUIRES: !finished(); key sorts after the previous key.
  void add(std::string_view key, std::string_view value) {
    std::size_t shared = 0;
    if (counter_ < interval_) {
      const std::size_t n = std::min(last_key_.size(), key.size());
      while (shared < n && last_key_[shared] == key[shared]) ++shared;
    } else {
      restarts_.push_back(static_cast<std::uint32_t>(buf_.size()));
      counter_ = 0;
    }
    const std::size_t unshared = key.size() - shared;
    char head[3 * k_max_varint32_bytes];
    char* p = encode_varint32(head, static_cast<std::uint32_t>(shared));
    p = encode_varint32(p, static_cast<std::uint32_t>(unshared));
    p = encode_varint32(p, static_cast<std::uint32_t>(value.size()));
    buf_.append(head, static_cast<std::size_t>(p - head));
    buf_.append(key.substr(shared));
    buf_.append(value);
    last_key_.resize(shared);
    last_key_.append(key.substr(shared));
    ++counter_;
    ++entries_;
  }

  // Appends the restart array; the view stays valid until reset().
  std::string_view finish() {
    if (!finished_) {
      for (const std::uint32_t r : restarts_) put_fixed32(buf_, r);
      put_fixed32(buf_, static_cast<std::uint32_t>(restarts_.size()));
      finished_ = true;
    }
    return buf_;
  }

  std::size_t size_estimate() const noexcept {
    return finished_ ? buf_.size() : buf_.size() + 4 * restarts_.size() + 4;
  }
  bool empty() const noexcept { return entries_ == 0; }
  std::size_t entries() const noexcept { return entries_; }
  bool finished() const noexcept { return finished_; }
  // The key added last. REQUIRES: !empty().
  std::string_view last_key() const noexcept { return last_key_; }

 private:
  std::string buf_;
  std::vector<std::uint32_t> restarts_;
  std::string last_key_;
  int interval_;
  int counter_ = 0;
  std::size_t entries_ = 0;
  bool finished_ = false;
};

}  // namespace jadekv::inline v0::index::sst
