// status: the outcome of an operation, a cheap value type.
//
// Thread safety: a status is a plain value; distinct objects may be used from
// distinct threads, one object needs external synchronisation like any value.
//
// Invariants:
//   1. ok() is one comparison; an ok status owns no heap memory.
//   2. A non-ok status carries a code and a human-readable message that names
//      what failed (a path, an offset, the errno text).
//   3. No exception ever leaves a status operation except std::bad_alloc
//      while building a message.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace jadekv::inline v0 {

enum class status_code : std::uint8_t {
  ok = 0,
  not_found,
  corruption,
  io_error,
  no_space,
  invalid_argument,
  conflict,
  busy,
  closed,
  not_supported,
};

// Stable lower-case name of a code ("not_found"), used in to_string().
constexpr std::string_view to_string(status_code c) noexcept {
  switch (c) {
    case status_code::ok: return "ok";
    case status_code::not_found: return "not_found";
    case status_code::corruption: return "corruption";
    case status_code::io_error: return "io_error";
    case status_code::no_space: return "no_space";
    case status_code::invalid_argument: return "invalid_argument";
    case status_code::conflict: return "conflict";
    case status_code::busy: return "busy";
    case status_code::closed: return "closed";
    case status_code::not_supported: return "not_supported";
  }
  return "unknown";
}

class [[nodiscard]] status {
 public:
  status() noexcept = default;  // ok
  status(status_code c, std::string message) : code_(c), message_(std::move(message)) {}

  static status ok_status() noexcept { return {}; }
  static status not_found(std::string m = {}) { return {status_code::not_found, std::move(m)}; }
  static status corruption(std::string m) { return {status_code::corruption, std::move(m)}; }
  static status io_error(std::string m) { return {status_code::io_error, std::move(m)}; }
  static status no_space(std::string m) { return {status_code::no_space, std::move(m)}; }
  static status invalid_argument(std::string m) { return {status_code::invalid_argument, std::move(m)}; }
  static status conflict(std::string m) { return {status_code::conflict, std::move(m)}; }
  static status busy(std::string m) { return {status_code::busy, std::move(m)}; }
  static status closed(std::string m = "engine is closed") { return {status_code::closed, std::move(m)}; }
  static status not_supported(std::string m) { return {status_code::not_supported, std::move(m)}; }

  bool ok() const noexcept { return code_ == status_code::ok; }
  status_code code() const noexcept { return code_; }
  const std::string& message() const noexcept { return message_; }

  bool is_not_found() const noexcept { return code_ == status_code::not_found; }
  bool is_corruption() const noexcept { return code_ == status_code::corruption; }
  bool is_io_error() const noexcept { return code_ == status_code::io_error; }
  bool is_no_space() const noexcept { return code_ == status_code::no_space; }
  bool is_invalid_argument() const noexcept { return code_ == status_code::invalid_argument; }
  bool is_conflict() const noexcept { return code_ == status_code::conflict; }
  bool is_busy() const noexcept { return code_ == status_code::busy; }
  bool is_closed() const noexcept { return code_ == status_code::closed; }
  bool is_not_supported() const noexcept { return code_ == status_code::not_supported; }

  // "ok", or "<code>: <message>".
  std::string to_string() const {
    std::string out(::jadekv::to_string(code_));
    if (!message_.empty()) {
      out += ": ";
      out += message_;
    }
    return out;
  }

  // Returns a copy whose message is prefixed with context ("open LOCK: ...").
  status with_context(std::string_view context) const {
    if (ok()) return {};
    std::string m(context);
    m += ": ";
    m += message_;
    return {code_, std::move(m)};
  }

 private:
  status_code code_ = status_code::ok;
  std::string message_;
};

}  // namespace jadekv::inline v0
