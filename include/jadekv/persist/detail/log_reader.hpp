// log_reader: the one decoder of the segment format in persist/log_format.hpp.
// It reads a segment block by block through an io::file, hands out complete
// records, and at the first damaged spot says where and why; recovery
// (persist/detail/wal_core.hpp) decides what the damage means.
//
// Thread safety: one reader per thread; the file may be shared for reads.
//
// Invariants:
//   1. Never reads outside [0, size) of the file nor outside its buffers,
//      whatever the bytes are: every length is checked against the block and
//      against the end of the file before it is used.
//   2. record() is only ever a whole record whose every fragment passed its
//      checksum, in order (full, or first middle* last).
//   3. After damage, next() is not called again; an I/O error is reported as
//      such (event::error), never as damage.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "jadekv/core/coding.hpp"
#include "jadekv/core/crc32c.hpp"
#include "jadekv/core/result.hpp"
#include "jadekv/core/status.hpp"
#include "jadekv/detail/concat.hpp"
#include "jadekv/io/file_system.hpp"
#include "jadekv/persist/detail/log_writer.hpp"
#include "jadekv/persist/log_format.hpp"

namespace jadekv::inline v0::persist::detail {

// A damaged spot in a segment.
struct log_damage {
  std::uint64_t record_offset = 0;    // start of the record it spoils: a truncation keeps [0, record_offset)
  std::uint64_t fragment_offset = 0;  // the bad fragment (or 0 for the header)
  std::string reason;
  // true: a framing problem, which a torn write can cause; false: content
  // that passed its checksum and is still wrong, which no crash explains.
  bool may_be_torn = true;
  // corruption, or not_supported for a newer format version.
  status_code code = status_code::corruption;
};

class log_reader {
 public:
  enum class event : std::uint8_t { record, end, damage, error };

  // REQUIRES: size is the size of f; number the segment number in its name.
  log_reader(io::file& f, std::uint64_t size, std::uint64_t number)
      : file_(f), size_(size), number_(number), seed_(segment_seed(number)) {}

  // The next record, the clean end of the segment, the first damage, or an
  // I/O error. REQUIRES: no earlier damage or error.
  [[gnu::cold]] event next();
  // Checks the header alone (next() does so first): event::record when it
  // is sound, else damage or error. REQUIRES: no earlier damage or error.
  event header();

  // Valid after event::record: the record and the offsets it spans.
  std::string_view record() const noexcept { return record_; }
  std::uint64_t record_offset() const noexcept { return record_offset_; }
  // File offset just past the last complete record (or the header).
  std::uint64_t good_end() const noexcept { return good_end_; }
  std::uint32_t block_size() const noexcept { return block_size_; }
  // The header's first sequence number once the header checked out (record,
  // end, or damage past the header); 0 before.
  std::uint64_t first_sequence() const noexcept { return first_sequence_; }
  // The header's prev and prev end (log_format.hpp) once it checked out; 0
  // for none, and for version 1 headers, which do not say.
  std::uint64_t prev_segment() const noexcept { return prev_segment_; }
  std::uint64_t prev_end() const noexcept { return prev_end_; }

  const log_damage& damage() const noexcept { return damage_; }
  const status& error() const noexcept { return error_; }

  // Whether a record start (a full or first fragment that passes its
  // checksum) begins at or after `from`. Middle and last fragments do not
  // count: after damage they can be the rest of the very record it spoils.
  result<bool> record_start_from(std::uint64_t from);

 private:
  [[gnu::cold]] event check_header();
  event damaged(std::uint64_t fragment_offset, std::string reason, bool may_be_torn = true,
                status_code code = status_code::corruption);
  // Loads block bi into block_; false (error_ set) on an I/O error.
  bool load_block(std::uint64_t bi);
  // Whether bytes [from, size_) are all zero.
  result<bool> zeros_to_end(std::uint64_t from);

  io::file& file_;
  std::uint64_t size_;
  std::uint64_t number_;
  std::uint32_t seed_;
  std::uint32_t block_size_ = 0;  // 0 until the header is read
  std::uint64_t first_sequence_ = 0;
  std::uint64_t prev_segment_ = 0;
  std::uint64_t prev_end_ = 0;
  std::uint64_t pos_ = 0;         // next fragment (or trailer)
  std::uint64_t record_offset_ = 0;
  std::uint64_t good_end_ = 0;
  std::string block_;
  std::size_t block_len_ = 0;
  std::uint64_t block_index_ = ~std::uint64_t{0};
  std::string record_;
  log_damage damage_;
  status error_;
};

// ---------------------------------------------------------------------------
// Implementation.

inline log_reader::event log_reader::damaged(std::uint64_t fragment_offset, std::string reason, bool may_be_torn,
                                             status_code code) {
  damage_.record_offset = record_offset_;
  damage_.fragment_offset = fragment_offset;
  damage_.reason = std::move(reason);
  damage_.may_be_torn = may_be_torn;
  damage_.code = code;
  return event::damage;
}

inline bool log_reader::load_block(std::uint64_t bi) {
  if (bi == block_index_) return true;
  block_.resize(block_size_);
  auto r = file_.read_at(bi * block_size_, block_size_, block_.data());
  if (!r) {
    error_ = r.status();
    return false;
  }
  block_len_ = r->size();
  block_index_ = bi;
  return true;
}

inline result<bool> log_reader::zeros_to_end(std::uint64_t from) {
  constexpr std::size_t k_chunk = 64 * 1024;
  std::string buf(static_cast<std::size_t>(std::min<std::uint64_t>(k_chunk, size_ - from)), '\0');
  for (std::uint64_t at = from; at < size_;) {
    auto r = file_.read_at(at, static_cast<std::size_t>(std::min<std::uint64_t>(buf.size(), size_ - at)), buf.data());
    if (!r) return r.status();
    if (r->empty()) return false;  // the file shrank while read
    if (!std::all_of(r->begin(), r->end(), [](char c) { return c == 0; })) return false;
    at += r->size();
  }
  return true;
}

inline log_reader::event log_reader::check_header() {
  namespace f = log_format;
  record_offset_ = 0;
  auto cut_short = [&](std::size_t need) {
    return damaged(0, jadekv::detail::concat({"segment header cut short (", size_, " of ", need, " bytes)"}));
  };
  if (size_ < f::k_v1_header_size) return cut_short(f::k_v1_header_size);
  char h[f::k_header_size];
  const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(size_, f::k_header_size));
  auto r = file_.read_at(0, want, h);
  if (!r) {
    error_ = r.status();
    return event::error;
  }
  if (r->size() != want) return damaged(0, "segment header cut short (file shrank while read)");
  const bool magic = std::string_view(h + f::k_magic_offset, f::k_magic.size()) == f::k_magic;
  const std::uint32_t v = decode_fixed32(h + f::k_version_offset);
  auto crc_holds = [&](std::size_t at) {
    return want >= at + 4 && crc32c::unmask(decode_fixed32(h + at)) == crc32c::value(h, at);
  };
  // A newer version's header is not ours to parse; it is told from a damaged
  // one by a checksum where either version of ours keeps it.
  if (magic && v > f::k_version && (crc_holds(f::k_header_crc_offset) || crc_holds(f::k_v1_header_crc_offset))) {
    return damaged(0,
                   jadekv::detail::concat({"log format version ", v, " is not supported (this build reads ",
                                           f::k_oldest_version, " to ", f::k_version, ")"}),
                   false, status_code::not_supported);
  }
  const bool v1 = v == 1;
  const std::size_t hsize = v1 ? f::k_v1_header_size : f::k_header_size;
  if (want < hsize) return cut_short(hsize);
  if (!crc_holds(v1 ? f::k_v1_header_crc_offset : f::k_header_crc_offset)) {
    return damaged(0, "segment header checksum mismatch");
  }
  if (!magic) return damaged(0, "not a jadekv log segment (bad magic)", false);
  if (v < f::k_oldest_version) {
    return damaged(0, jadekv::detail::concat({"log format version ", v, " does not exist"}), false);
  }
  const std::uint32_t bs = decode_fixed32(h + f::k_block_size_offset);
  if (!f::valid_block_size(bs)) return damaged(0, jadekv::detail::concat({"invalid block size ", bs}), false);
  if (const auto n = decode_fixed64(h + f::k_number_offset); n != number_) {
    return damaged(0,
                   jadekv::detail::concat(
                       {"segment header says number ", n, " but the file is number ", number_, " (a misplaced file)"}),
                   false);
  }
  block_size_ = bs;
  first_sequence_ = decode_fixed64(h + f::k_first_sequence_offset);
  if (!v1) {
    prev_segment_ = decode_fixed64(h + f::k_prev_number_offset);
    prev_end_ = decode_fixed64(h + f::k_prev_end_offset);
  }
  pos_ = good_end_ = hsize;
  return event::record;  // "no damage": next() carries on
}

inline log_reader::event log_reader::header() { return block_size_ == 0 ? check_header() : event::record; }

inline log_reader::event log_reader::next() {
  namespace f = log_format;
  if (block_size_ == 0) {
    if (auto e = check_header(); e != event::record) return e;
  }
  record_.clear();
  bool in_record = false;
  for (;;) {
    if (!in_record) record_offset_ = pos_;
    if (pos_ >= size_) {
      if (in_record) return damaged(pos_, "the log ends inside a record");
      return event::end;
    }
    const std::uint64_t bi = pos_ / block_size_;
    if (!load_block(bi)) return event::error;
    const auto off = static_cast<std::size_t>(pos_ % block_size_);
    if (off >= block_len_) return damaged(pos_, "the file shrank while it was read");
    const std::size_t have = block_len_ - off;  // bytes of this block in the file from pos_
    const std::size_t room = block_size_ - off;
    const char* p = block_.data() + off;
    if (room < f::k_min_fragment_room) {
      const std::size_t n = std::min(room, have);
      for (std::size_t i = 0; i < n; ++i) {
        if (p[i] != 0) return damaged(pos_, jadekv::detail::concat({"nonzero byte in the trailer of block ", bi}));
      }
      pos_ += n;
      if (!in_record) good_end_ = pos_;
      continue;
    }
    if (!in_record && std::all_of(p, p + std::min(have, f::k_fragment_header_size), [](char c) { return c == 0; })) {
      auto zeros = zeros_to_end(pos_);
      if (!zeros) {
        error_ = zeros.status();
        return event::error;
      }
      if (*zeros) return event::end;  // space reserved ahead of the writer (log_format.hpp)
    }
    if (have < f::k_fragment_header_size) return damaged(pos_, "fragment header cut short by the end of the log");
    const auto type = static_cast<std::uint8_t>(p[f::k_type_offset]);
    const std::size_t len = decode_fixed16(p + f::k_length_offset);
    if (type == 0 || type > f::k_max_fragment_type) {
      return damaged(pos_, jadekv::detail::concat({"unknown fragment type ", type}));
    }
    if (len == 0 || len > room - f::k_fragment_header_size) {
      return damaged(pos_, jadekv::detail::concat({"fragment length ", len, " does not fit its block"}));
    }
    if (len > have - f::k_fragment_header_size) {
      return damaged(pos_, jadekv::detail::concat({"fragment cut short by the end of the log (", len, " bytes, ",
                                                   have - f::k_fragment_header_size, " present)"}));
    }
    if (decode_fixed32(p + f::k_crc_offset) != fragment_crc(seed_, p + f::k_length_offset, len)) {
      return damaged(pos_, "fragment checksum mismatch");
    }
    const auto t = static_cast<f::fragment_type>(type);
    const bool starts = t == f::fragment_type::full || t == f::fragment_type::first;
    if (starts == in_record) {
      // Fragments that pass their checksums but come in an order no writer
      // produces: not something a crash leaves.
      return damaged(pos_, in_record ? "a record starts inside another" : "a record continues with no start", false);
    }
    record_.append(p + f::k_fragment_header_size, len);
    pos_ += f::k_fragment_header_size + len;
    if (t == f::fragment_type::full || t == f::fragment_type::last) {
      good_end_ = pos_;
      return event::record;
    }
    in_record = true;
  }
}

inline result<bool> log_reader::record_start_from(std::uint64_t from) {
  namespace f = log_format;
  // Windows of k_step candidates, each read with enough bytes after it for
  // the longest fragment that can start inside it.
  constexpr std::size_t k_step = 64 * 1024;
  constexpr std::size_t k_tail = f::k_fragment_header_size + 0xffff;
  if (from >= size_) return false;
  // No bigger than what is left: a damaged tail of a small log costs no 128 KiB.
  std::string buf(static_cast<std::size_t>(std::min<std::uint64_t>(k_step + k_tail, size_ - from)), '\0');
  for (std::uint64_t w = from; w + f::k_min_fragment_room <= size_; w += k_step) {
    auto r = file_.read_at(w, buf.size(), buf.data());
    if (!r) return r.status();
    const std::string_view b = *r;
    const std::size_t candidates = std::min(k_step, b.size());
    for (std::size_t q = 0; q < candidates && q + f::k_min_fragment_room <= b.size(); ++q) {
      const auto type = static_cast<std::uint8_t>(b[q + f::k_type_offset]);
      if (type != static_cast<std::uint8_t>(f::fragment_type::full) &&
          type != static_cast<std::uint8_t>(f::fragment_type::first)) {
        continue;
      }
      const std::size_t len = decode_fixed16(b.data() + q + f::k_length_offset);
      if (len == 0 || q + f::k_fragment_header_size + len > b.size()) continue;
      // With the block size known, a fragment must also fit its block. (With
      // a damaged header it is unknown, and the scan is only less picky.)
      if (block_size_ != 0) {
        const std::size_t room = block_size_ - static_cast<std::size_t>((w + q) % block_size_);
        if (room < f::k_min_fragment_room || len > room - f::k_fragment_header_size) continue;
      }
      if (decode_fixed32(b.data() + q + f::k_crc_offset) == fragment_crc(seed_, b.data() + q + f::k_length_offset, len)) {
        return true;
      }
    }
  }
  return false;
}

}  // namespace jadekv::inline v0::persist::detail
