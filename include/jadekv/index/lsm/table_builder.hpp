// table_builder: writes one sorted table (layout in table_format.hpp) from
// versioned entries given in internal-key order.
//
//   io::file& f = ...;                        // opened empty by the caller
//   sst::table_builder<Cmp> b(f, opts, cmp);
//   b.add(user_key, seq, kind, value);        // ... in increasing internal-key order
//   status s = b.finish();                    // then f.sync() and f.close() are the caller's
//   b.properties(); b.file_size();
//
// Thread safety: one thread per builder.
//
// Invariants:
//   1. add() rejects (invalid_argument) a key that does not sort strictly
//      after the previous one, a malformed internal key, or a value too large
//      for a block; nothing is written for it.
//   2. After a failed write every later call returns that error (sticky).
//   3. Bytes reach the file only through f.append, front to back; after
//      finish() returns ok, file_size() bytes have been appended.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "jadekv/core/comparator.hpp"
#include "jadekv/core/internal_key.hpp"
#include "jadekv/core/status.hpp"
#include "jadekv/index/lsm/block_builder.hpp"
#include "jadekv/index/lsm/bloom.hpp"
#include "jadekv/index/lsm/key_order.hpp"
#include "jadekv/index/lsm/table_format.hpp"
#include "jadekv/index/lsm/table_options.hpp"
#include "jadekv/index/lsm/table_properties.hpp"
#include "jadekv/io/file_system.hpp"

namespace jadekv::inline v0::index::sst {

template <comparator Cmp = bytewise_comparator>
class table_builder {
 public:
  [[gnu::cold]] table_builder(io::file& out, const table_options& o = {}, const Cmp& cmp = {});

  table_builder(const table_builder&) = delete;
  table_builder& operator=(const table_builder&) = delete;

  // Adds one versioned entry. REQUIRES: !finished().
  ::jadekv::status add(std::string_view user_key, sequence_number seq, value_kind kind, std::string_view value);
  // Adds an entry by its encoded internal key.
  ::jadekv::status add(std::string_view internal_key, std::string_view value);

  // Writes the rest of the table (last data block, filter, properties, index,
  // footer) and hands every byte to the file. REQUIRES: !finished().
  [[gnu::cold]] ::jadekv::status finish();

  bool finished() const noexcept { return finished_; }
  const ::jadekv::status& status() const noexcept { return status_; }
  std::uint64_t entries() const noexcept { return props_.entries; }
  // Bytes of the table so far, counting the data block being filled (for
  // splitting output at a target size); after finish(), the file's size.
  std::uint64_t file_size() const noexcept {
    return finished_ || data_.empty() ? offset_ : offset_ + data_.size_estimate() + k_block_trailer_size;
  }
  // Complete after finish(); the counts are current before.
  const table_properties& properties() const noexcept { return props_; }

 private:
  void flush_data_block();
  void add_index_entry(bool has_next, std::string_view next_user_key);
  void write_block(std::string_view contents, block_handle& h);
  void drain(bool all);

  io::file* out_;
  table_options o_;
  [[no_unique_address]] key_order<Cmp> order_;
  block_builder<> data_;
  block_builder<> index_;
  bloom_builder<> bloom_;
  table_properties props_;
  std::string last_key_;  // the last internal key added
  std::string ikey_;      // scratch for add(user_key, ...)
  std::string sep_;       // scratch for separators
  std::string pending_;   // bytes not yet appended to the file
  std::uint64_t offset_ = 0;
  std::uint64_t written_ = 0;  // bytes appended to the file
  block_handle pending_handle_;
  bool pending_index_ = false;  // a data block was written whose index entry waits for the next key
  bool finished_ = false;
  ::jadekv::status status_;
};

// ---- implementation -------------------------------------------------------

template <comparator Cmp>
table_builder<Cmp>::table_builder(io::file& out, const table_options& o, const Cmp& cmp)
    : out_(&out), o_(o), order_(cmp), data_(o.restart_interval), index_(1), bloom_(o.bits_per_key) {
  props_.comparator.assign(Cmp::name());
  props_.bits_per_key = o.bits_per_key > 0 ? static_cast<std::uint32_t>(o.bits_per_key) : 0;
  props_.restart_interval = static_cast<std::uint32_t>(o.restart_interval < 1 ? 1 : o.restart_interval);
  pending_.resize(k_header_size);
  encode_header(pending_.data());
  offset_ = k_header_size;
}

template <comparator Cmp>
::jadekv::status table_builder<Cmp>::add(std::string_view user_key, sequence_number seq, value_kind kind,
                                         std::string_view value) {
  ikey_.clear();
  append_internal_key(ikey_, user_key, seq, kind);
  return add(std::string_view(ikey_), value);
}

template <comparator Cmp>
::jadekv::status table_builder<Cmp>::add(std::string_view ikey, std::string_view value) {
  if (!status_.ok()) return status_;
  if (finished_) return ::jadekv::status::invalid_argument("table_builder: add after finish");
  parsed_internal_key k;
  if (!parse_internal_key(ikey, k))
    return ::jadekv::status::invalid_argument("table_builder: malformed internal key");
  if (ikey.size() + value.size() + 3 * k_max_varint32_bytes > k_max_block_contents / 2)
    return ::jadekv::status::invalid_argument("table_builder: entry too large for a block");
  const bool first = props_.entries == 0;
  if (!first && order_.compare(last_key_, ikey) >= 0)
    return ::jadekv::status::invalid_argument("table_builder: keys out of order");

  if (pending_index_) add_index_entry(true, k.user_key);
  const bool new_user_key = first || order_.compare_user(extract_user_key(last_key_), k.user_key) != 0;
  if (o_.bits_per_key > 0 && new_user_key) bloom_.add_hash(key_hash(k.user_key));

  data_.add(ikey, value);
  last_key_.assign(ikey);
  if (first) {
    props_.smallest_key.assign(ikey);
    props_.smallest_seq = props_.largest_seq = k.seq;
  }
  props_.smallest_seq = std::min(props_.smallest_seq, k.seq);
  props_.largest_seq = std::max(props_.largest_seq, k.seq);
  ++props_.entries;
  if (k.kind == value_kind::put) ++props_.puts;
  props_.user_key_bytes += k.user_key.size();
  props_.value_bytes += value.size();

  if (data_.size_estimate() >= o_.block_size) flush_data_block();
  return status_;
}

template <comparator Cmp>
void table_builder<Cmp>::flush_data_block() {
  if (data_.empty()) return;
  write_block(data_.finish(), pending_handle_);
  data_.reset();
  pending_index_ = true;
  ++props_.data_blocks;
  if (pending_.size() >= o_.write_buffer) drain(false);
}

// The index entry of the block just written: a key S with
// last key of the block <= S < the next block's first key.
template <comparator Cmp>
void table_builder<Cmp>::add_index_entry(bool has_next, std::string_view next_user_key) {
  const std::string_view last_user = extract_user_key(last_key_);
  std::string_view sep = last_key_;
  if constexpr (shortenable_comparator<Cmp>) {
    if (o_.shorten_separators) {
      const Cmp& ucmp = order_.user_comparator();
      sep_.assign(last_user);
      if (has_next) ucmp.find_shortest_separator(sep_, next_user_key);
      else ucmp.find_short_successor(sep_);
      // Used only when it really is shorter and between the two keys.
      if (sep_.size() < last_user.size() && ucmp.compare(last_user, sep_) < 0 &&
          (!has_next || ucmp.compare(sep_, next_user_key) < 0)) {
        put_fixed64(sep_, pack_tag(k_max_sequence, k_max_value_kind));
        sep = sep_;
      }
    }
  }
  std::string handle;
  handle.reserve(k_max_handle_size);
  put_block_handle(handle, pending_handle_);
  index_.add(sep, handle);
  pending_index_ = false;
}

template <comparator Cmp>
void table_builder<Cmp>::write_block(std::string_view contents, block_handle& h) {
  h.offset = offset_;
  h.size = contents.size();
  append_block(pending_, contents);
  offset_ += contents.size() + k_block_trailer_size;
}

template <comparator Cmp>
void table_builder<Cmp>::drain(bool all) {
  if (!status_.ok() || pending_.empty() || (!all && pending_.size() < o_.write_buffer)) return;
  status_ = out_->append(pending_);
  if (status_.ok()) written_ += pending_.size();
  pending_.clear();
}

template <comparator Cmp>
::jadekv::status table_builder<Cmp>::finish() {
  if (!status_.ok()) return status_;
  if (finished_) return ::jadekv::status::invalid_argument("table_builder: finish twice");
  finished_ = true;
  flush_data_block();
  if (pending_index_) add_index_entry(false, {});
  footer f;
  if (o_.bits_per_key > 0) {
    std::string filter;
    bloom_.finish(filter);
    write_block(filter, f.filter);
  }
  props_.largest_key = props_.entries == 0 ? std::string() : last_key_;
  if (props_.entries == 0) props_.smallest_key.clear();
  std::string props;
  encode_properties(props, props_);
  write_block(props, f.properties);
  write_block(index_.finish(), f.index);
  char foot[k_footer_size];
  encode_footer(foot, f);
  pending_.append(foot, sizeof foot);
  offset_ += k_footer_size;
  drain(true);
  return status_;
}

}  // namespace jadekv::inline v0::index::sst
