// manifest_file_names: the names the LSM store's version bookkeeping owns in
// the engine's directory, beside the WAL's segments and the table files.
//
//   CURRENT            one line, "MANIFEST-<number>\n": the manifest in force
//   CURRENT.tmp        CURRENT being replaced (written aside, fsynced, renamed)
//   MANIFEST-000003    a manifest: the log of version edits (version_edit.hpp)
//   000012.sst         a table (the table layer's file_names.hpp spells it)
//
// Tables and manifests share one sequence of file numbers, never reused, so
// a number names at most one file. None of these names is one that
// persist::parse_file_name accepts, so the WAL never mistakes or removes them.
//
// Thread safety: pure functions.
#pragma once

#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

namespace jadekv::inline v0::index::lsm_detail {

inline constexpr std::string_view k_current_file_name = "CURRENT";
inline constexpr std::string_view k_current_temp_file_name = "CURRENT.tmp";
inline constexpr std::string_view k_manifest_prefix = "MANIFEST-";
inline constexpr std::string_view k_table_suffix = ".sst";

inline std::string padded_file_number(std::uint64_t n) {
  std::string digits = std::to_string(n);
  if (digits.size() < 6) digits.insert(0, 6 - digits.size(), '0');
  return digits;
}

// A template only so that units which do not use it do not compile it (README, "Build cost").
template <class = void>
inline std::string manifest_file_name(std::uint64_t n) {
  return std::string(k_manifest_prefix) + padded_file_number(n);
}

// The number in canonical zero-padded digits, or nullopt.
template <class = void>
inline std::optional<std::uint64_t> parse_padded_number(std::string_view digits) {
  if (digits.empty() || digits.find_first_not_of("0123456789") != std::string_view::npos) return std::nullopt;
  std::uint64_t n = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
  if (ec != std::errc{} || end != digits.data() + digits.size()) return std::nullopt;
  if (digits != padded_file_number(n)) return std::nullopt;
  return n;
}

// "MANIFEST-000003" -> 3.
template <class = void>
inline std::optional<std::uint64_t> parse_manifest_file_name(std::string_view name) {
  if (!name.starts_with(k_manifest_prefix)) return std::nullopt;
  return parse_padded_number(name.substr(k_manifest_prefix.size()));
}

// "000012.sst" -> 12.
template <class = void>
inline std::optional<std::uint64_t> parse_table_file_name(std::string_view name) {
  if (!name.ends_with(k_table_suffix)) return std::nullopt;
  return parse_padded_number(name.substr(0, name.size() - k_table_suffix.size()));
}

}  // namespace jadekv::inline v0::index::lsm_detail
