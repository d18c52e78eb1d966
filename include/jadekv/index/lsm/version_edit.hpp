// version_edit: one change to the set of tables an LSM store holds, and its
// byte form as a manifest record.
//
// A manifest ("MANIFEST-000003") is a log segment in the format of
// persist/log_format.hpp (segment number = the manifest's file number), so
// every record is framed and checksummed by persist/detail/log_writer.hpp.
// Its records are:
//
//   record 0, the manifest header:
//     offset  size  field
//     0       8     magic       89 6a 6b 76 6d 61 6e 0a  ("\x89jkvman\n")
//     8       4     version     fixed32, 1
//     12      n     comparator  varint32 length, then the user comparator's name()
//
//   records 1.., one version_edit each: a run of fields, each a varint32 tag
//   and a body; every field is optional and appears in this order:
//     tag 1  next file number     varint64 (the smallest number never used)
//     tag 2  flushed sequence     varint64 (every entry with seq <= it is in a table)
//     tag 3  deleted file         varint32 level, varint64 file number
//     tag 4  added file           varint32 level, varint64 file number, varint64 size,
//                                 varint64 smallest seq, varint64 largest seq,
//                                 varint32 length + smallest internal key,
//                                 varint32 length + largest internal key
//   Unknown tags, truncated bodies and internal keys shorter than their 8-byte
//   tag are corruption.
//
// The first edit after the header describes the whole version (every file
// added); later edits change it. Replaying all edits gives the version in force.
//
// Thread safety: plain values and pure functions.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "jadekv/core/coding.hpp"
#include "jadekv/core/internal_key.hpp"
#include "jadekv/core/result.hpp"
#include "jadekv/core/status.hpp"
#include "jadekv/detail/concat.hpp"

namespace jadekv::inline v0::index::lsm_detail {

inline constexpr std::string_view k_manifest_magic{"\x89jkvman\n", 8};
inline constexpr std::uint32_t k_manifest_version = 1;
// Levels a manifest may name; options.num_levels must not exceed it.
inline constexpr int k_max_levels = 32;

// One table of a version. Immutable once shared, but for `wasted_seeks`.
struct file_meta {
  std::uint64_t number = 0;
  std::uint64_t size = 0;
  std::string smallest;  // internal key of the first entry
  std::string largest;   // internal key of the last entry
  sequence_number smallest_seq = 0;
  sequence_number largest_seq = 0;
  // Lookups that searched this table and had to go on to another: the
  // store's read statistics (see store::get), not part of the manifest.
  mutable std::atomic<std::uint64_t> wasted_seeks{0};

  std::string_view smallest_user_key() const noexcept { return extract_user_key(smallest); }
  std::string_view largest_user_key() const noexcept { return extract_user_key(largest); }
};

using file_ptr = std::shared_ptr<const file_meta>;

// A template only so that units which do not use it do not compile it (README, "Build cost").
template <class = void>
struct version_edit {
  enum tag : std::uint32_t { next_file = 1, flushed = 2, deleted = 3, added = 4 };

  bool has_next_file_number = false;
  std::uint64_t next_file_number = 0;
  bool has_flushed_sequence = false;
  sequence_number flushed_sequence = 0;
  std::vector<std::pair<int, std::uint64_t>> deleted_files;  // (level, number)
  std::vector<std::pair<int, file_ptr>> added_files;          // (level, file)

  void set_next_file_number(std::uint64_t n) {
    has_next_file_number = true;
    next_file_number = n;
  }
  void set_flushed_sequence(sequence_number s) {
    has_flushed_sequence = true;
    flushed_sequence = s;
  }
  void delete_file(int level, std::uint64_t number) { deleted_files.emplace_back(level, number); }
  void add_file(int level, file_ptr f) { added_files.emplace_back(level, std::move(f)); }
};

// The manifest header record for a comparator name.
std::string encode_manifest_header(std::string_view comparator_name);
// Checks a header record; `where` names the file for messages.
template <class = void>
status decode_manifest_header(std::string_view record, std::string_view comparator_name, std::string_view where);

template <class D = void>
std::string encode_version_edit(const version_edit<D>& e);
// Decodes one edit record; corruption names `where` and the byte offset in the record.
template <class D = void>
result<version_edit<D>> decode_version_edit(std::string_view record, std::string_view where);

// ---------------------------------------------------------------------------
// Implementation.

inline std::string encode_manifest_header(std::string_view comparator_name) {
  std::string out(k_manifest_magic);
  put_fixed32(out, k_manifest_version);
  put_length_prefixed(out, comparator_name);
  return out;
}

template <class>
[[gnu::cold]] status decode_manifest_header(std::string_view record, std::string_view comparator_name,
                                     std::string_view where) {
  std::string_view in = record;
  if (in.size() < k_manifest_magic.size() || in.substr(0, k_manifest_magic.size()) != k_manifest_magic) {
    return status::corruption(
        ::jadekv::detail::concat({where, ": not a jadekv manifest (bad magic in the first record)"}));
  }
  in.remove_prefix(k_manifest_magic.size());
  std::uint32_t v = 0;
  if (!get_fixed32(in, v)) return status::corruption(::jadekv::detail::concat({where, ": manifest header cut short"}));
  if (v != k_manifest_version) {
    return status::not_supported(::jadekv::detail::concat(
        {where, ": manifest version ", v, " is not supported (this build reads ", k_manifest_version, ")"}));
  }
  std::string_view name;
  if (!get_length_prefixed(in, name) || !in.empty()) {
    return status::corruption(::jadekv::detail::concat({where, ": manifest header has a malformed comparator name"}));
  }
  if (name != comparator_name) {
    return status::invalid_argument(::jadekv::detail::concat(
        {where, ": written with comparator '", name, "', opened with '", comparator_name, "'"}));
  }
  return {};
}

template <class D>
[[gnu::cold]] std::string encode_version_edit(const version_edit<D>& e) {
  std::string out;
  if (e.has_next_file_number) {
    put_varint32(out, version_edit<D>::next_file);
    put_varint64(out, e.next_file_number);
  }
  if (e.has_flushed_sequence) {
    put_varint32(out, version_edit<D>::flushed);
    put_varint64(out, e.flushed_sequence);
  }
  for (const auto& [level, number] : e.deleted_files) {
    put_varint32(out, version_edit<D>::deleted);
    put_varint32(out, static_cast<std::uint32_t>(level));
    put_varint64(out, number);
  }
  for (const auto& [level, f] : e.added_files) {
    put_varint32(out, version_edit<D>::added);
    put_varint32(out, static_cast<std::uint32_t>(level));
    put_varint64(out, f->number);
    put_varint64(out, f->size);
    put_varint64(out, f->smallest_seq);
    put_varint64(out, f->largest_seq);
    put_length_prefixed(out, f->smallest);
    put_length_prefixed(out, f->largest);
  }
  return out;
}

template <class D>
[[gnu::cold]] result<version_edit<D>> decode_version_edit(std::string_view record, std::string_view where) {
  version_edit<D> e;
  std::string_view in = record;
  auto bad = [&](std::string_view what) {
    return status::corruption(
        ::jadekv::detail::concat({where, ": version edit ", what, " at record byte ", record.size() - in.size()}));
  };
  auto get_level = [&](int& level) {
    std::uint32_t l = 0;
    if (!get_varint32(in, l) || l >= static_cast<std::uint32_t>(k_max_levels)) return false;
    level = static_cast<int>(l);
    return true;
  };
  while (!in.empty()) {
    std::uint32_t t = 0;
    if (!get_varint32(in, t)) return bad("has a malformed field tag");
    switch (t) {
      case version_edit<D>::next_file: {
        std::uint64_t n = 0;
        if (!get_varint64(in, n)) return bad("has a malformed next file number");
        e.set_next_file_number(n);
        break;
      }
      case version_edit<D>::flushed: {
        std::uint64_t s = 0;
        if (!get_varint64(in, s) || s > k_max_sequence) return bad("has a malformed flushed sequence");
        e.set_flushed_sequence(s);
        break;
      }
      case version_edit<D>::deleted: {
        int level = 0;
        std::uint64_t n = 0;
        if (!get_level(level) || !get_varint64(in, n)) return bad("has a malformed deleted file");
        e.delete_file(level, n);
        break;
      }
      case version_edit<D>::added: {
        int level = 0;
        auto f = std::make_shared<file_meta>();
        std::string_view smallest, largest;
        if (!get_level(level) || !get_varint64(in, f->number) || !get_varint64(in, f->size) ||
            !get_varint64(in, f->smallest_seq) || !get_varint64(in, f->largest_seq) ||
            !get_length_prefixed(in, smallest) || !get_length_prefixed(in, largest)) {
          return bad("has a malformed added file");
        }
        parsed_internal_key a, b;
        if (!parse_internal_key(smallest, a) || !parse_internal_key(largest, b)) {
          return bad("has an added file with a malformed key range");
        }
        if (f->smallest_seq > f->largest_seq || f->largest_seq > k_max_sequence) {
          return bad("has an added file with an inverted sequence range");
        }
        f->smallest.assign(smallest);
        f->largest.assign(largest);
        e.add_file(level, std::move(f));
        break;
      }
      default: return bad(::jadekv::detail::concat({"has unknown field tag ", t}));
    }
  }
  return e;
}

}  // namespace jadekv::inline v0::index::lsm_detail
