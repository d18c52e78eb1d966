// fault_spec: which operations a fault_fs fails, and how.
//
// Thread safety: plain values.
//
// Invariants:
//   1. fault_fs numbers every call on itself and on the handles it opened,
//      from 1, in the order the calls take its lock; `at` refers to that
//      number (fault_fs::operation_count() is the last one given).
//   2. A spec fails the first operation numbered >= at whose kind is in
//      `kinds` and whose path matches the glob `path` (either path of a
//      rename). A persistent spec keeps failing every such operation.
//   3. A failed operation has no effect, except a torn append or write_at:
//      its first torn_prefix bytes land, then it reports the error.
#pragma once

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace jadekv::inline v0::io {

enum class op_kind : std::uint32_t {
  open = 1u << 0,
  read = 1u << 1,
  append = 1u << 2,
  write = 1u << 3,  // file::write_at
  sync = 1u << 4,
  datasync = 1u << 5,
  size = 1u << 6,      // file::size and file_system::file_size
  truncate = 1u << 7,  // file::truncate and file_system::truncate
  close = 1u << 8,     // explicit file::close (not the destructor's)
  rename = 1u << 9,
  remove = 1u << 10,
  list = 1u << 11,
  mkdir = 1u << 12,
  sync_dir = 1u << 13,
  exists = 1u << 14,
  lock = 1u << 15,
};

constexpr std::string_view to_string(op_kind k) noexcept {
  switch (k) {
    case op_kind::open: return "open";
    case op_kind::read: return "read";
    case op_kind::append: return "append";
    case op_kind::write: return "write";
    case op_kind::sync: return "sync";
    case op_kind::datasync: return "datasync";
    case op_kind::size: return "size";
    case op_kind::truncate: return "truncate";
    case op_kind::close: return "close";
    case op_kind::rename: return "rename";
    case op_kind::remove: return "remove";
    case op_kind::list: return "list";
    case op_kind::mkdir: return "mkdir";
    case op_kind::sync_dir: return "sync_dir";
    case op_kind::exists: return "exists";
    case op_kind::lock: return "lock";
  }
  return "unknown";
}

// A set of op_kinds: `op_kind::append | op_kind::write`.
class op_set {
 public:
  constexpr op_set() noexcept = default;
  constexpr op_set(op_kind k) noexcept : bits_(static_cast<std::uint32_t>(k)) {}  // NOLINT: implicit by design

  static constexpr op_set all() noexcept { return op_set(~std::uint32_t{0}); }
  // Everything that changes file bytes.
  static constexpr op_set writes() noexcept { return op_set(op_kind::append) | op_kind::write | op_kind::truncate; }
  // Everything that makes something durable.
  static constexpr op_set syncs() noexcept { return op_set(op_kind::sync) | op_kind::datasync | op_kind::sync_dir; }

  constexpr bool contains(op_kind k) const noexcept { return (bits_ & static_cast<std::uint32_t>(k)) != 0; }
  constexpr bool empty() const noexcept { return bits_ == 0; }

  friend constexpr op_set operator|(op_set a, op_set b) noexcept { return op_set(a.bits_ | b.bits_); }
  friend constexpr bool operator==(op_set, op_set) noexcept = default;

 private:
  constexpr explicit op_set(std::uint32_t bits) noexcept : bits_(bits) {}
  std::uint32_t bits_ = 0;
};

constexpr op_set operator|(op_kind a, op_kind b) noexcept { return op_set(a) | op_set(b); }

// Set fields by name (`f.at = 7; f.error = ENOSPC;`): g++ 12 -Wextra warns
// about designated initializers that skip a field.
struct fault_spec {
  std::uint64_t at = 0;           // first eligible operation number; 0 and 1 both mean "from the start"
  bool persistent = false;        // fail every eligible operation, not just the first
  std::string path;               // glob_match pattern over the operation's path; empty matches all
  op_set kinds = op_set::all();   // operation kinds eligible
  int error = EIO;                // errno reported: EIO -> is_io_error(), ENOSPC -> is_no_space()
  std::size_t torn_prefix = 0;    // append/write_at only: bytes that still land before the error
};

}  // namespace jadekv::inline v0::io
