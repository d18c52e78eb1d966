// snapshot_file: the one encoder and decoder of persist/snapshot_format.hpp.
// snapshot_writer streams entries into a file in chunks; read_snapshot_header
// checks a header; verify_snapshot checks a whole file; replay_snapshot turns
// a verified file into write batches.
//
// Thread safety: one writer or reader per file at a time.
//
// Invariants:
//   1. The decoders never read outside [0, size) of the file nor outside
//      their buffers: every length is checked against what remains first,
//      so a damaged length cannot make them allocate more than the file.
//   2. verify_snapshot accepts a file only if it is exactly what a
//      snapshot_writer produced: header, entries chunks, end chunk, nothing
//      after; I/O errors are returned as such, damage as status::corruption.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "jadekv/core/coding.hpp"
#include "jadekv/core/crc32c.hpp"
#include "jadekv/core/internal_key.hpp"
#include "jadekv/core/result.hpp"
#include "jadekv/core/status.hpp"
#include "jadekv/core/write_batch.hpp"
#include "jadekv/detail/concat.hpp"
#include "jadekv/io/file_system.hpp"
#include "jadekv/persist/detail/apply.hpp"
#include "jadekv/persist/detail/log_writer.hpp"
#include "jadekv/persist/snapshot_format.hpp"

namespace jadekv::inline v0::persist::detail {

struct snapshot_header {
  std::uint64_t number = 0;
  sequence_number sequence = 0;
  std::uint64_t log_start = 0;
};

struct snapshot_info {
  snapshot_header header;
  std::uint64_t entries = 0;
  std::uint64_t chunks = 0;
};

inline std::uint32_t chunk_crc(std::uint32_t seed, const char* p, std::size_t length) noexcept {
  namespace f = snapshot_format;
  return crc32c::mask(crc32c::extend(seed, p, f::k_chunk_header_size - f::k_chunk_length_offset + length));
}

class snapshot_writer {
 public:
  // Starts the file (REQUIRES: empty, opened for writing) with its header.
  snapshot_writer(io::file& f, const snapshot_header& h) : file_(f), seed_(segment_seed(h.number)) {
    namespace f_ = snapshot_format;
    std::string head(f_::k_header_size, '\0');
    head.replace(f_::k_magic_offset, f_::k_magic.size(), f_::k_magic);
    encode_fixed32(head.data() + f_::k_version_offset, f_::k_version);
    encode_fixed64(head.data() + f_::k_number_offset, h.number);
    encode_fixed64(head.data() + f_::k_sequence_offset, h.sequence);
    encode_fixed64(head.data() + f_::k_log_start_offset, h.log_start);
    encode_fixed32(head.data() + f_::k_header_crc_offset,
                   crc32c::mask(crc32c::value(head.data(), f_::k_header_crc_offset)));
    write(head);
  }

  // Adds one entry; the first I/O error is kept and later calls do nothing.
  void add(std::string_view key, std::string_view value) {
    if (!error_.ok()) return;
    put_length_prefixed(pending_, key);
    put_length_prefixed(pending_, value);
    ++pending_count_;
    ++entries_;
    if (pending_.size() >= snapshot_format::k_target_chunk_payload) flush_entries();
  }

  // Writes the last entries chunk and the end chunk; the first error met.
  status finish() {
    flush_entries();
    std::string end(snapshot_format::k_end_payload_size, '\0');
    encode_fixed64(end.data(), entries_);
    encode_fixed64(end.data() + 8, chunks_);
    write_chunk(snapshot_format::chunk_type::end, end);
    return error_;
  }

  std::uint64_t entries() const noexcept { return entries_; }
  std::uint64_t bytes() const noexcept { return bytes_; }

 private:
  void write(std::string_view data) {
    if (!error_.ok()) return;
    error_ = file_.write_at(bytes_, data);
    if (error_.ok()) bytes_ += data.size();
  }
  void write_chunk(snapshot_format::chunk_type t, std::string_view payload) {
    namespace f = snapshot_format;
    if (!error_.ok()) return;
    if (payload.size() > 0xffffffffu) {
      error_ = status::invalid_argument("snapshot: one entry of 4 GiB or more");
      return;
    }
    chunk_.assign(f::k_chunk_header_size, '\0');
    encode_fixed32(chunk_.data() + f::k_chunk_length_offset, static_cast<std::uint32_t>(payload.size()));
    chunk_[f::k_chunk_type_offset] = static_cast<char>(t);
    chunk_.append(payload);
    encode_fixed32(chunk_.data() + f::k_chunk_crc_offset,
                   chunk_crc(seed_, chunk_.data() + f::k_chunk_length_offset, payload.size()));
    write(chunk_);
  }
  void flush_entries() {
    if (pending_count_ == 0 || !error_.ok()) return;
    std::string payload;
    payload.reserve(pending_.size() + k_max_varint32_bytes);
    put_varint32(payload, pending_count_);
    payload += pending_;
    write_chunk(snapshot_format::chunk_type::entries, payload);
    ++chunks_;
    pending_.clear();
    pending_count_ = 0;
  }

  io::file& file_;
  std::uint32_t seed_;
  std::string pending_;  // entries of the open chunk
  std::uint32_t pending_count_ = 0;
  std::string chunk_;
  std::uint64_t entries_ = 0;
  std::uint64_t chunks_ = 0;
  std::uint64_t bytes_ = 0;
  status error_;
};

// Reads chunks one at a time.
class snapshot_reader {
 public:
  snapshot_reader(io::file& f, std::uint64_t size, std::uint64_t number)
      : file_(f), size_(size), number_(number), seed_(segment_seed(number)) {}

  // Checks the header (magic, version, flags, crc, number).
  result<snapshot_header> header() {
    namespace f = snapshot_format;
    if (size_ < f::k_header_size) return bad(jadekv::detail::concat({"header cut short (", size_, " bytes)"}));
    char h[f::k_header_size];
    auto r = file_.read_at(0, f::k_header_size, h);
    if (!r) return r.status();
    if (r->size() != f::k_header_size) return bad("header cut short");
    if (crc32c::unmask(decode_fixed32(h + f::k_header_crc_offset)) != crc32c::value(h, f::k_header_crc_offset)) {
      return bad("header checksum mismatch");
    }
    if (std::string_view(h, f::k_magic.size()) != f::k_magic) return bad("not a jadekv snapshot (bad magic)");
    if (const auto v = decode_fixed32(h + f::k_version_offset); v != f::k_version) {
      return bad(jadekv::detail::concat({"format version ", v, " is not supported"}));
    }
    if (decode_fixed32(h + f::k_flags_offset) != 0) return bad("unknown flags");
    snapshot_header out;
    out.number = decode_fixed64(h + f::k_number_offset);
    out.sequence = decode_fixed64(h + f::k_sequence_offset);
    out.log_start = decode_fixed64(h + f::k_log_start_offset);
    if (out.number != number_) {
      return bad(jadekv::detail::concat({"header says number ", out.number, " (a misplaced file)"}));
    }
    pos_ = f::k_header_size;
    return out;
  }

  // The next chunk (type and payload), or false at the end of the file.
  // REQUIRES: header() succeeded.
  result<bool> next(snapshot_format::chunk_type& type, std::string_view& payload) {
    namespace f = snapshot_format;
    if (pos_ == size_) return false;
    if (size_ - pos_ < f::k_chunk_header_size) {
      return bad(jadekv::detail::concat({"chunk header cut short at offset ", pos_}));
    }
    char h[f::k_chunk_header_size];
    auto r = file_.read_at(pos_, f::k_chunk_header_size, h);
    if (!r) return r.status();
    if (r->size() != f::k_chunk_header_size) return bad("chunk header cut short");
    const std::uint32_t len = decode_fixed32(h + f::k_chunk_length_offset);
    if (len > size_ - pos_ - f::k_chunk_header_size) {
      return bad(jadekv::detail::concat({"chunk at offset ", pos_, " runs past the end of the file"}));
    }
    buf_.resize(f::k_chunk_header_size - f::k_chunk_length_offset + len);
    auto p = file_.read_at(pos_ + f::k_chunk_length_offset, buf_.size(), buf_.data());
    if (!p) return p.status();
    if (p->size() != buf_.size()) return bad("chunk cut short");
    if (decode_fixed32(h + f::k_chunk_crc_offset) != chunk_crc(seed_, buf_.data(), len)) {
      return bad(jadekv::detail::concat({"chunk checksum mismatch at offset ", pos_}));
    }
    const auto t = static_cast<std::uint8_t>(buf_[f::k_chunk_type_offset - f::k_chunk_length_offset]);
    if (t != static_cast<std::uint8_t>(f::chunk_type::entries) && t != static_cast<std::uint8_t>(f::chunk_type::end)) {
      return bad(jadekv::detail::concat({"unknown chunk type ", t, " at offset ", pos_}));
    }
    type = static_cast<f::chunk_type>(t);
    payload = std::string_view(buf_).substr(f::k_chunk_header_size - f::k_chunk_length_offset);
    chunk_offset_ = pos_;
    pos_ += f::k_chunk_header_size + len;
    return true;
  }

  std::uint64_t chunk_offset() const noexcept { return chunk_offset_; }

  status bad(std::string what) const {
    return status::corruption(jadekv::detail::concat({snapshot_file_label(number_), ": ", what}));
  }

 private:
  static std::string snapshot_file_label(std::uint64_t n) { return jadekv::detail::concat({"snapshot ", n}); }

  io::file& file_;
  std::uint64_t size_;
  std::uint64_t number_;
  std::uint32_t seed_;
  std::uint64_t pos_ = 0;
  std::uint64_t chunk_offset_ = 0;
  std::string buf_;
};

// Walks an entries payload: f(key, value) per entry; corruption if malformed.
template <class F>
status for_each_entry(const snapshot_reader& rd, std::string_view payload, F&& f) {
  std::uint32_t n = 0;
  if (!get_varint32(payload, n) || n == 0) {
    return rd.bad(jadekv::detail::concat({"bad entry count in chunk at ", rd.chunk_offset()}));
  }
  for (std::uint32_t i = 0; i < n; ++i) {
    std::string_view k, v;
    if (!get_length_prefixed(payload, k) || !get_length_prefixed(payload, v)) {
      return rd.bad(jadekv::detail::concat({"entry ", i, " cut short in chunk at ", rd.chunk_offset()}));
    }
    f(k, v);
  }
  if (!payload.empty()) {
    return rd.bad(jadekv::detail::concat({"bytes after the last entry of chunk at ", rd.chunk_offset()}));
  }
  return {};
}

// Checks a whole snapshot file (invariant 2).
inline result<snapshot_info> verify_snapshot(io::file& f, std::uint64_t size, std::uint64_t number) {
  namespace fmt = snapshot_format;
  snapshot_reader rd(f, size, number);
  auto h = rd.header();
  if (!h) return h.status();
  snapshot_info info;
  info.header = *h;
  for (;;) {
    fmt::chunk_type t{};
    std::string_view payload;
    auto more = rd.next(t, payload);
    if (!more) return more.status();
    if (!*more) return rd.bad("no end chunk: the file is cut short");
    if (t == fmt::chunk_type::entries) {
      if (auto s = for_each_entry(rd, payload, [&](std::string_view, std::string_view) { ++info.entries; }); !s.ok()) {
        return s;
      }
      ++info.chunks;
      continue;
    }
    if (payload.size() != fmt::k_end_payload_size) return rd.bad("end chunk of the wrong size");
    if (decode_fixed64(payload.data()) != info.entries || decode_fixed64(payload.data() + 8) != info.chunks) {
      return rd.bad("end chunk counts disagree with the chunks read");
    }
    auto after = rd.next(t, payload);
    if (!after) return after.status();
    if (*after) return rd.bad("data after the end chunk");
    if (info.entries > info.header.sequence) {
      return rd.bad(
          jadekv::detail::concat({info.entries, " entries but only ", info.header.sequence, " sequence numbers"}));
    }
    return info;
  }
}

// Replays a snapshot that verify_snapshot accepted: one batch of puts per
// entries chunk, numbered S - entries + 1 .. S in file order.
inline status replay_snapshot(io::file& f, std::uint64_t size, const snapshot_info& info, apply_fn apply) {
  namespace fmt = snapshot_format;
  snapshot_reader rd(f, size, info.header.number);
  auto h = rd.header();
  if (!h) return h.status();
  sequence_number seq = info.header.sequence - info.entries + 1;
  write_batch b;
  for (;;) {
    fmt::chunk_type t{};
    std::string_view payload;
    auto more = rd.next(t, payload);
    if (!more) return more.status();
    if (!*more || t == fmt::chunk_type::end) return {};
    b.clear();
    b.set_sequence(seq);
    if (auto s = for_each_entry(rd, payload, [&](std::string_view k, std::string_view v) { b.put(k, v); }); !s.ok()) {
      return s;
    }
    seq += b.count();
    if (auto s = apply(b); !s.ok()) return s;
  }
}

}  // namespace jadekv::inline v0::persist::detail
