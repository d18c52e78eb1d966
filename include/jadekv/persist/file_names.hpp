// file_names: the names of the files the persist policies keep in a directory.
//
//   000007.log          a log segment (log_format.hpp)
//   SNAPSHOT-000012     a snapshot (snapshot_format.hpp)
//   <either>.tmp        a file being written aside, renamed into place when
//                       complete; one left over by a crash is removed at open
//   <segment>.discarded a segment set aside by point-in-time recovery; kept
//                       for inspection, never read again
//   LOCK                the directory lock (directory_lock.hpp)
//
// Log segments and snapshots share one sequence of numbers, so a number names
// at most one file. Numbers are zero-padded to at least six digits.
//
// Thread safety: pure functions.
//
// Invariants:
//   1. parse_file_name accepts exactly the names the *_file_name functions
//      produce (the canonical spelling), so one number has one name.
#pragma once

#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

namespace jadekv::inline v0::persist {

enum class file_kind : std::uint8_t { segment, snapshot };

struct file_name_info {
  file_kind kind = file_kind::segment;
  std::uint64_t number = 0;
  bool temporary = false;  // the ".tmp" form
  bool discarded = false;  // the ".discarded" form
};

inline constexpr std::string_view k_lock_file_name = "LOCK";
inline constexpr std::string_view k_segment_suffix = ".log";
inline constexpr std::string_view k_snapshot_prefix = "SNAPSHOT-";
inline constexpr std::string_view k_temp_suffix = ".tmp";
inline constexpr std::string_view k_discarded_suffix = ".discarded";

namespace detail {

inline std::string padded_number(std::uint64_t n) {
  std::string digits = std::to_string(n);
  if (digits.size() < 6) digits.insert(0, 6 - digits.size(), '0');
  return digits;
}

}  // namespace detail

inline std::string segment_file_name(std::uint64_t n) { return detail::padded_number(n) + std::string(k_segment_suffix); }
inline std::string snapshot_file_name(std::uint64_t n) {
  return std::string(k_snapshot_prefix) + detail::padded_number(n);
}
inline std::string temp_file_name(std::string_view final_name) { return std::string(final_name) + std::string(k_temp_suffix); }
inline std::string discarded_file_name(std::string_view final_name) {
  return std::string(final_name) + std::string(k_discarded_suffix);
}

// What a directory entry is, or nullopt for a name the policies do not own.
inline std::optional<file_name_info> parse_file_name(std::string_view name) {
  file_name_info info;
  if (name.ends_with(k_temp_suffix)) {
    info.temporary = true;
    name.remove_suffix(k_temp_suffix.size());
  } else if (name.ends_with(k_discarded_suffix)) {
    info.discarded = true;
    name.remove_suffix(k_discarded_suffix.size());
  }
  std::string_view digits;
  if (name.starts_with(k_snapshot_prefix)) {
    info.kind = file_kind::snapshot;
    digits = name.substr(k_snapshot_prefix.size());
  } else if (name.ends_with(k_segment_suffix)) {
    info.kind = file_kind::segment;
    digits = name.substr(0, name.size() - k_segment_suffix.size());
  } else {
    return std::nullopt;
  }
  if (digits.empty() || digits.find_first_not_of("0123456789") != std::string_view::npos) return std::nullopt;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), info.number);
  if (ec != std::errc{} || end != digits.data() + digits.size()) return std::nullopt;
  if (digits != detail::padded_number(info.number)) return std::nullopt;  // invariant 1
  return info;
}

}  // namespace jadekv::inline v0::persist
