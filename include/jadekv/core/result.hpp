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

#include <new>
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

  result(const T& v) : has_value_(true) { ::new (&value_) T(v); }             // NOLINT: implicit by design
  result(T&& v) : has_value_(true) { ::new (&value_) T(std::move(v)); }      // NOLINT: implicit by design
  result(::jadekv::status s) : status_(std::move(s)) {  // NOLINT: implicit by design
    if (status_.ok()) detail::contract_violation("result<T> built from an ok status without a value");
  }
  template <class... Args>
  explicit result(std::in_place_t, Args&&... args) : has_value_(true) {
    ::new (&value_) T(std::forward<Args>(args)...);
  }

  result(const result& o) requires std::is_copy_constructible_v<T> : status_(o.status_), has_value_(o.has_value_) {
    if (has_value_) ::new (&value_) T(o.value_);
  }
  result(result&& o) noexcept(std::is_nothrow_move_constructible_v<T>)
      : status_(std::move(o.status_)), has_value_(o.has_value_) {
    if (has_value_) ::new (&value_) T(std::move(o.value_));
  }
  result& operator=(const result& o) requires std::is_copy_constructible_v<T> {
    if (this != &o) assign(o.status_, o.has_value_, o.value_);
    return *this;
  }
  result& operator=(result&& o) noexcept(std::is_nothrow_move_constructible_v<T>) {
    if (this != &o) assign(std::move(o.status_), o.has_value_, std::move(o.value_));
    return *this;
  }
  ~result() {
    if constexpr (!std::is_trivially_destructible_v<T>) {
      if (has_value_) value_.~T();
    }
  }

  bool has_value() const noexcept { return has_value_; }
  explicit operator bool() const noexcept { return has_value_; }

  // The error, or ok when a value is held.
  const ::jadekv::status& status() const& noexcept { return status_; }
  ::jadekv::status status() && noexcept { return std::move(status_); }

  // REQUIRES: has_value().
  T& value() & { check(); return value_; }
  const T& value() const& { check(); return value_; }
  T&& value() && { check(); return std::move(value_); }

  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  // The value, or `fallback` when this holds an error.
  template <class U>
  T value_or(U&& fallback) const& { return has_value_ ? value_ : static_cast<T>(std::forward<U>(fallback)); }

 private:
  void check() const noexcept {
    if (!has_value_) detail::contract_violation("result<T>::value() called on an error result");
  }
  void reset() noexcept {
    if (has_value_) value_.~T();
    has_value_ = false;
  }
  // From another result's parts (v is read only when has_value).
  template <class S, class V>
  void assign(S&& s, bool has_value, V&& v) {
    reset();
    status_ = std::forward<S>(s);
    if (has_value) {
      ::new (&value_) T(std::forward<V>(v));
      has_value_ = true;
    }
  }

  // A union member, not std::optional<T>: the same layout, but instantiating
  // std::optional for each of the many result types cost every includer
  // about 10 ms apiece in compile time.
  union {
    T value_;
  };
  ::jadekv::status status_;
  bool has_value_ = false;
};

}  // namespace jadekv::inline v0
