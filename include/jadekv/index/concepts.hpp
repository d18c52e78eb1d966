// index::policy: what the engine needs from an index policy.
//
//   I::options    runtime tuning (may be empty)
//   I::name       a short name for stats and messages
//   I::on_disk    the index owns files (an engine with one needs a directory)
#pragma once

#include <concepts>
#include <string_view>

namespace jadekv::inline v0::index {

template <class I>
concept policy = requires {
  typename I::options;
  { I::name } -> std::convertible_to<std::string_view>;
  { I::on_disk } -> std::convertible_to<bool>;
};

}  // namespace jadekv::inline v0::index
