// error_iterator: an internal_iterator with no entries and a failed status,
// for an iterator that cannot be built (closed engine, unsupported option).
#pragma once

#include <string_view>
#include <utility>

#include "jadekv/detail/internal_iterator.hpp"

namespace jadekv::inline v0::detail {

class error_iterator final : public internal_iterator {
 public:
  explicit error_iterator(::jadekv::status s) : status_(std::move(s)) {}

  bool valid() const override { return false; }
  void seek_to_first() override {}
  void seek_to_last() override {}
  void seek(std::string_view, sequence_number) override {}
  void next() override {}
  void prev() override {}
  std::string_view user_key() const override { return {}; }
  sequence_number seq() const override { return 0; }
  value_kind kind() const override { return value_kind::erase; }
  std::string_view value() const override { return {}; }
  ::jadekv::status status() const override { return status_; }

 private:
  ::jadekv::status status_;
};

}  // namespace jadekv::inline v0::detail
