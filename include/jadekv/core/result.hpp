// result<T>: either a value of type T or a non-ok status.
//
// Thread safety: a plain value type.
//
// Invariants:
//   1. has_value() == status().ok().
//   2. A result built from an ok status is a contract violation: an error
//      result always says what went wrong.
//   3. value(), operator* and operator-> REQUIRE has_value(); breaking that
//      aborts with a message rather than reading garbage.
#pragma once

#include <optional>
#include <type_traits>
#include <utility>

#include "jadekv/core/status.hpp"
#include "jadekv/detail/contract.hpp"

namespace jadekv::inline v0 {

template <class T>
class [[nodiscard]] result {
  static_assert(!std::is_reference_v<T>, "jadekv::result<T> holds values; use a pointer for a reference");
  static_assert(!std::is_same_v<std::remove_cv_t<T>, ::jadekv::status>, "jadekv::result<status> is meaningless: return a status");

 public:
  using value_type = T;

  result(const T& v) : value_(v) {}                 // NOLINT: implicit by design
  result(T&& v) : value_(std::move(v)) {}           // NOLINT: implicit by design
  result(::jadekv::status s) : status_(std::move(s)) {  // NOLINT: implicit by design
    if (status_.ok()) detail::contract_violation("result<T> built from an ok status without a value");
  }
  template <class... Args>
  explicit result(std::in_place_t, Args&&... args) : value_(std::in_place, std::forward<Args>(args)...) {}

  bool has_value() const noexcept { return value_.has_value(); }
  explicit operator bool() const noexcept { return has_value(); }

  // The error, or ok when a value is held.
  const ::jadekv::status& status() const& noexcept { return status_; }
  ::jadekv::status status() && noexcept { return std::move(status_); }

  // REQUIRES: has_value().
  T& value() & { check(); return *value_; }
  const T& value() const& { check(); return *value_; }
  T&& value() && { check(); return std::move(*value_); }

  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  // The value, or `fallback` when this holds an error.
  template <class U>
  T value_or(U&& fallback) const& { return has_value() ? *value_ : static_cast<T>(std::forward<U>(fallback)); }

 private:
  void check() const noexcept {
    if (!value_) detail::contract_violation("result<T>::value() called on an error result");
  }

  std::optional<T> value_;
  ::jadekv::status status_;
};

}  // namespace jadekv::inline v0
