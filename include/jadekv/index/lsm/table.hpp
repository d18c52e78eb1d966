// table: an open sorted table (layout in table_format.hpp), read-only.
//
//   auto t = sst::table<Cmp>::open(std::move(file), size, {.cache = cache}, cmp);
//   sst::get_result r;
//   status s = (*t)->get(sst::lookup_key(user_key, seq), value, r, ro);
//   // s.ok(): r.state is found (value set), erased, or absent
//   auto it = (*t)->new_iterator(ro);     // a detail::internal_iterator
//   s = (*t)->verify();                   // every block's crc, and the layout
//
// open() reads the footer, header, properties, filter and index blocks (their
// crcs always checked) and keeps the filter and the index parsed in memory.
// A point lookup is then: the bloom filter, a binary search of the in-memory
// index, one data block (from the block cache when it is there), a binary
// search over that block's restart points and a short scan; it allocates
// nothing but on a cache miss (and `value`'s growth).
//
// A table opened with `map` reads through a read-only mapping of its file
// when the file system offers one (io::file::map), as LevelDB does on 64-bit
// hosts: a data block is then used where it lies, with no syscall, copy,
// allocation or cache entry, and the page cache is its only cache.
//
// Thread safety: a table is immutable after open; get, new_iterator, verify
// and the accessors may run concurrently from any number of threads. An
// iterator belongs to one thread and keeps its table open (it holds a
// shared_ptr) until it is destroyed.
//
// Invariants:
//   1. Whatever the file holds, no read goes outside the file or a buffer:
//      damage is reported as corruption, never as a crash.
//   2. With read_options::verify_checksums (the default) every data block is
//      checked against its crc before use, also when it comes from the cache
//      (a block cached by an unverified read is checked once, then marked)
//      and at every use of a mapped block (its pages may be read again from
//      the disk): a damaged table gives corruption, never a wrong answer.
//   3. A file written with another comparator (by name) fails to open with
//      invalid_argument.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "jadekv/core/comparator.hpp"
#include "jadekv/core/internal_key.hpp"
#include "jadekv/core/read_options.hpp"
#include "jadekv/core/result.hpp"
#include "jadekv/core/status.hpp"
#include "jadekv/detail/concat.hpp"
#include "jadekv/detail/internal_iterator.hpp"
#include "jadekv/index/lsm/block.hpp"
#include "jadekv/index/lsm/block_cache.hpp"
#include "jadekv/index/lsm/bloom.hpp"
#include "jadekv/index/lsm/key_order.hpp"
#include "jadekv/index/lsm/table_format.hpp"
#include "jadekv/index/lsm/table_properties.hpp"
#include "jadekv/io/file_system.hpp"

namespace jadekv::inline v0::index::sst {

enum class lookup_state : std::uint8_t { absent, found, erased };

struct get_result {
  lookup_state state = lookup_state::absent;
  sequence_number seq = 0;  // of the version found (found or erased)
};

// A point lookup, its filter hash computed once for every table it visits.
struct lookup_key {
  std::string_view user_key;
  sequence_number seq = k_max_sequence;
  std::uint64_t hash = 0;

  lookup_key(std::string_view k, sequence_number at) noexcept : user_key(k), seq(at), hash(key_hash(k)) {}
};

struct table_open_options {
  // Data blocks go through this cache; null reads every block from the file.
  std::shared_ptr<block_cache> cache;
  // Read through a mapping of the file when it can be mapped (then the cache
  // is not used for data blocks).
  bool map = false;
};

template <comparator Cmp = bytewise_comparator>
class table : public std::enable_shared_from_this<table<Cmp>> {
  struct private_tag {};

 public:
  using comparator_type = Cmp;

  // Opens a table of `file_size` bytes read through `f`.
  [[gnu::cold]] static result<std::shared_ptr<const table>> open(std::unique_ptr<io::file> f, std::uint64_t file_size,
                                                   const table_open_options& o = {}, const Cmp& cmp = {});

  // The newest version of k.user_key with seq <= k.seq. ok with r.state set
  // (value assigned only when found), or the error that prevented an answer.
  ::jadekv::status get(const lookup_key& k, std::string& value, get_result& r, const read_options& ro = {}) const;
  ::jadekv::status get(std::string_view user_key, sequence_number at, std::string& value, get_result& r,
                       const read_options& ro = {}) const {
    return get(lookup_key(user_key, at), value, r, ro);
  }

  // False only when the table holds no version of the key (the bloom filter).
  bool may_contain(const lookup_key& k) const noexcept { return !has_filter_ || filter_.may_match(k.hash); }

  // A cursor over every entry (ro: verify_checksums, fill_cache; bounds are
  // the caller's business).
  std::unique_ptr<::jadekv::detail::internal_iterator> new_iterator(const read_options& ro = {}) const;

  // Reads the whole file back (bypassing the cache) and checks every crc,
  // the layout (no gap, no overlap), every entry's order, the index against
  // the blocks, the filter against the keys and the properties against the
  // entries.
  ::jadekv::status verify() const;

  // Roughly where in the file the entries of user_key start.
  std::uint64_t approximate_offset_of(std::string_view user_key) const;

  const table_properties& properties() const noexcept { return props_; }
  std::uint64_t file_size() const noexcept { return file_size_; }
  std::uint64_t cache_id() const noexcept { return cache_id_; }
  std::size_t data_blocks() const noexcept { return index_.size(); }
  bool mapped() const noexcept { return !mapped_.empty(); }
  const key_order<Cmp>& order() const noexcept { return order_; }

  table(private_tag, std::unique_ptr<io::file> f, std::uint64_t file_size, const table_open_options& o,
        const Cmp& cmp)
      : file_(std::move(f)), file_size_(file_size), cache_(o.cache), cache_id_(next_table_id()), order_(cmp) {
    if (o.map) mapped_ = file_->map(file_size_);
    if (mapped_.size() != file_size_) mapped_ = {};
  }

 private:
  class iterator_impl;

  // One data block as the in-memory index holds it: 48 bytes, with the
  // separator's user key inline when it is short (the usual case with
  // shortened separators), so a step of the binary search touches one line.
  static constexpr std::size_t k_inline_key = 24;
  struct index_entry {
    std::uint64_t offset;
    std::uint64_t tag;  // of the separator
    std::uint32_t size;
    std::uint32_t key_size;
    char key[k_inline_key];  // the user key, or (longer keys) its fixed32 offset in index_keys_
  };

  std::string_view separator_user_key(const index_entry& e) const noexcept {
    if (e.key_size <= k_inline_key) return {e.key, e.key_size};
    return {index_keys_.data() + decode_fixed32(e.key), e.key_size};
  }
  // "table <path>: data block at <offset>", for messages.
  std::string block_name(const index_entry& e) const {
    return ::jadekv::detail::concat({"table ", file_->path().string(), ": data block at ", e.offset});
  }
  // The first data block whose separator is not before (user_key, tag); index_.size() if none.
  std::size_t find_block(std::string_view user_key, std::uint64_t tag) const;

  ::jadekv::status read_exact(std::uint64_t offset, std::size_t n, char* buf) const;
  // Reads a meta block's contents (crc checked) into out.
  ::jadekv::status read_meta(const block_handle& h, const char* what, std::string& out) const;
  [[gnu::cold]] ::jadekv::status load();
  // The data block of index entry e, from the mapping, the cache or the
  // file. `hold` keeps a block from the cache or the file alive while `out`
  // is in use; a mapped block needs no holder (it lives as long as the table).
  ::jadekv::status load_block(const index_entry& e, bool verify, bool fill_cache, std::shared_ptr<const block<>>& hold,
                              block_view& out) const;
  ::jadekv::status check_block(const index_entry& e, const char* bytes, bool verify, block_view& out) const;
  ::jadekv::status read_block(const index_entry& e, bool verify, std::shared_ptr<const block<>>& out) const;
  ::jadekv::status verify_data(std::size_t i, std::string& prev_key, table_properties& seen) const;

  std::unique_ptr<io::file> file_;
  std::uint64_t file_size_;
  std::string_view mapped_;  // the whole file, or empty when it is read with read_at
  std::shared_ptr<block_cache> cache_;
  std::uint64_t cache_id_;
  [[no_unique_address]] key_order<Cmp> order_;
  footer footer_;
  table_properties props_;
  std::string filter_bytes_;
  bloom_reader filter_;
  bool has_filter_ = false;
  std::vector<index_entry> index_;
  std::string index_keys_;
};

// ---- iterator -------------------------------------------------------------

template <comparator Cmp>
class table<Cmp>::iterator_impl final : public ::jadekv::detail::internal_iterator {
 public:
  iterator_impl(std::shared_ptr<const table> t, const read_options& ro)
      : t_(std::move(t)), verify_(ro.verify_checksums), fill_(ro.fill_cache) {}

  bool valid() const override { return cur_.valid(); }

  void seek_to_first() override {
    status_ = {};
    if (!enter(0)) return;
    cur_.seek_to_first();
    forward();
  }

  void seek_to_last() override {
    status_ = {};
    if (t_->index_.empty() || !enter(t_->index_.size() - 1)) return;
    cur_.seek_to_last();
    backward();
  }

  void seek(std::string_view user_key, sequence_number seq) override {
    status_ = {};
    const std::uint64_t tag = pack_tag(seq, k_max_value_kind);
    if (!enter(t_->find_block(user_key, tag))) return;
    cur_.seek([&](std::string_view k) {
      return t_->order_.compare(extract_user_key(k), extract_tag(k), user_key, tag) < 0;
    });
    forward();
  }

  void next() override {
    cur_.next();
    forward();
  }

  void prev() override {
    cur_.prev();
    backward();
  }

  std::string_view user_key() const override { return cur_.user_key(); }
  sequence_number seq() const override { return tag_sequence(cur_.tag()); }
  value_kind kind() const override { return tag_kind(cur_.tag()); }
  std::string_view value() const override { return cur_.value(); }
  ::jadekv::status status() const override { return status_; }

 private:
  // Points the cursor at data block i (invalid, not yet positioned); false
  // when there is no such block or it cannot be read.
  bool enter(std::size_t i) {
    if (i >= t_->index_.size()) {
      invalidate();
      return false;
    }
    if (i != pos_ || view_.data == nullptr) {
      block_.reset();
      if (auto s = t_->load_block(t_->index_[i], verify_, fill_, block_, view_); !s.ok()) {
        status_ = std::move(s);
        invalidate();
        return false;
      }
    }
    pos_ = i;
    cur_.reset(view_);
    return true;
  }

  void invalidate() noexcept {
    pos_ = t_->index_.size();
    block_.reset();
    view_ = {};
    cur_.reset(block_view{});
  }

  // Past the end of a block: on to the first entry of the next non-empty one.
  void forward() {
    while (!cur_.valid()) {
      if (!cur_.status().ok()) return fail();
      if (pos_ + 1 >= t_->index_.size() || !enter(pos_ + 1)) return invalidate();
      cur_.seek_to_first();
    }
  }

  void backward() {
    while (!cur_.valid()) {
      if (!cur_.status().ok()) return fail();
      if (pos_ == 0 || pos_ >= t_->index_.size() || !enter(pos_ - 1)) return invalidate();
      cur_.seek_to_last();
    }
  }

  void fail() {
    status_ = cur_.status().with_context(t_->block_name(t_->index_[pos_]));
    invalidate();
  }

  std::shared_ptr<const table> t_;
  bool verify_;
  bool fill_;
  std::size_t pos_ = 0;
  std::shared_ptr<const block<>> block_;  // holds view_'s bytes unless the table is mapped
  block_view view_;                     // of block pos_; data is null when none is entered
  block_cursor<> cur_;
  ::jadekv::status status_;
};

// ---- open -----------------------------------------------------------------

template <comparator Cmp>
auto table<Cmp>::open(std::unique_ptr<io::file> f, std::uint64_t file_size, const table_open_options& o,
                      const Cmp& cmp) -> result<std::shared_ptr<const table>> {
  if (f == nullptr) return ::jadekv::status::invalid_argument("table::open: no file");
  const std::string name = f->path().string();
  if (file_size < k_min_table_size)
    return ::jadekv::status::corruption(
        ::jadekv::detail::concat({"table ", name, ": ", file_size, " bytes is too short for a table"}));
  auto t = std::make_shared<table>(private_tag{}, std::move(f), file_size, o, cmp);
  if (auto s = t->load(); !s.ok()) return s.with_context(::jadekv::detail::concat({"table ", name}));
  return std::shared_ptr<const table>(std::move(t));
}

template <comparator Cmp>
::jadekv::status table<Cmp>::load() {
  ::jadekv::status s;
  char fixed[k_footer_size];
  if (s = read_exact(file_size_ - k_footer_size, k_footer_size, fixed); !s.ok()) return s;
  if (s = decode_footer({fixed, k_footer_size}, file_size_, footer_); !s.ok()) return s;
  if (s = read_exact(0, k_header_size, fixed); !s.ok()) return s;
  if (s = check_header({fixed, k_header_size}); !s.ok()) return s;

  std::string bytes;
  if (s = read_meta(footer_.properties, "properties", bytes); !s.ok()) return s;
  if (!decode_properties(bytes, props_)) return ::jadekv::status::corruption("properties block malformed");
  if (props_.comparator != Cmp::name())
    return ::jadekv::status::invalid_argument(::jadekv::detail::concat(
        {"written with comparator \"", props_.comparator, "\", opened with \"", Cmp::name(), "\""}));

  has_filter_ = footer_.filter.size != 0 || footer_.filter.offset != 0;
  if (has_filter_) {
    if (s = read_meta(footer_.filter, "filter", filter_bytes_); !s.ok()) return s;
    if (!bloom_reader::parse(filter_bytes_, filter_)) return ::jadekv::status::corruption("filter block malformed");
  }

  if (s = read_meta(footer_.index, "index", bytes); !s.ok()) return s;
  block_view v;
  if (!block_view::parse(bytes, v)) return ::jadekv::status::corruption("index block malformed");
  const std::uint64_t data_end = has_filter_ ? footer_.filter.offset : footer_.properties.offset;
  block_cursor<> c(v);
  for (c.seek_to_first(); c.valid(); c.next()) {
    block_handle h;
    if (!decode_block_handle(c.value(), h) || h.offset < k_header_size || h.offset > data_end ||
        h.size > k_max_block_contents || h.size + k_block_trailer_size > data_end - h.offset)
      return ::jadekv::status::corruption("index block: bad block handle");
    const std::string_view uk = c.user_key();
    index_entry e{h.offset, c.tag(), static_cast<std::uint32_t>(h.size), static_cast<std::uint32_t>(uk.size()), {}};
    if (uk.size() <= k_inline_key) {
      if (!uk.empty()) std::memcpy(e.key, uk.data(), uk.size());
    } else {
      if (index_keys_.size() + uk.size() > 0xffff'ffffu) return ::jadekv::status::corruption("index block too large");
      encode_fixed32(e.key, static_cast<std::uint32_t>(index_keys_.size()));
      index_keys_.append(uk);
    }
    index_.push_back(e);
  }
  if (!c.status().ok()) return c.status().with_context("index block");
  if (index_.size() != props_.data_blocks)
    return ::jadekv::status::corruption(::jadekv::detail::concat(
        {"index block names ", index_.size(), " data blocks, properties ", props_.data_blocks}));
  index_.shrink_to_fit();
  index_keys_.shrink_to_fit();
  return {};
}

template <comparator Cmp>
::jadekv::status table<Cmp>::read_exact(std::uint64_t offset, std::size_t n, char* buf) const {
  if (mapped()) {
    if (offset > mapped_.size() || n > mapped_.size() - offset)
      return ::jadekv::status::corruption(
          ::jadekv::detail::concat({"read of ", n, " bytes at offset ", offset, " past the end of the table"}));
    if (n != 0) std::memcpy(buf, mapped_.data() + offset, n);
    return {};
  }
  auto r = file_->read_at(offset, n, buf);
  if (!r) return r.status();
  if (r->size() != n)
    return ::jadekv::status::corruption(
        ::jadekv::detail::concat({"short read: ", r->size(), " of ", n, " bytes at offset ", offset}));
  if (r->data() != buf && n != 0) std::memmove(buf, r->data(), n);
  return {};
}

template <comparator Cmp>
::jadekv::status table<Cmp>::read_meta(const block_handle& h, const char* what, std::string& out) const {
  out.resize(static_cast<std::size_t>(h.size) + k_block_trailer_size);
  if (auto s = read_exact(h.offset, out.size(), out.data()); !s.ok()) return s;
  auto where = [&] { return ::jadekv::detail::concat({what, " block at ", h.offset}); };
  if (!block_crc_matches(out.data(), h.size))
    return ::jadekv::status::corruption(::jadekv::detail::concat({where(), ": checksum mismatch"}));
  if (static_cast<std::uint8_t>(out[h.size]) != static_cast<std::uint8_t>(block_type::raw))
    return ::jadekv::status::corruption(::jadekv::detail::concat({where(), ": unknown block type"}));
  out.resize(h.size);
  return {};
}

// ---- reads ----------------------------------------------------------------

template <comparator Cmp>
std::size_t table<Cmp>::find_block(std::string_view user_key, std::uint64_t tag) const {
  const auto it = std::partition_point(index_.begin(), index_.end(), [&](const index_entry& e) {
    return order_.compare(separator_user_key(e), e.tag, user_key, tag) < 0;
  });
  return static_cast<std::size_t>(it - index_.begin());
}

template <comparator Cmp>
::jadekv::status table<Cmp>::read_block(const index_entry& e, bool verify, std::shared_ptr<const block<>>& out) const {
  const std::size_t n = e.size;
  auto buf = std::make_unique_for_overwrite<char[]>(n + k_block_trailer_size);
  if (auto s = read_exact(e.offset, n + k_block_trailer_size, buf.get()); !s.ok())
    return s.with_context(::jadekv::detail::concat({"table ", file_->path().string()}));
  block_view v;
  if (auto s = check_block(e, buf.get(), verify, v); !s.ok()) return s;
  out = std::make_shared<const block<>>(std::move(buf), n, v, verify);
  return {};
}

template <comparator Cmp>
::jadekv::status table<Cmp>::check_block(const index_entry& e, const char* bytes, bool verify, block_view& out) const {
  const std::size_t n = e.size;
  if (verify && !block_crc_matches(bytes, n))
    return ::jadekv::status::corruption(::jadekv::detail::concat({block_name(e), ": checksum mismatch"}));
  if (static_cast<std::uint8_t>(bytes[n]) != static_cast<std::uint8_t>(block_type::raw))
    return ::jadekv::status::corruption(::jadekv::detail::concat({block_name(e), ": unknown block type"}));
  if (!block_view::parse({bytes, n}, out))
    return ::jadekv::status::corruption(::jadekv::detail::concat({block_name(e), ": malformed"}));
  return {};
}

template <comparator Cmp>
::jadekv::status table<Cmp>::load_block(const index_entry& e, bool verify, bool fill_cache,
                                        std::shared_ptr<const block<>>& hold, block_view& out) const {
  // load() checked that every index entry's block and trailer lie inside the file.
  if (mapped()) return check_block(e, mapped_.data() + e.offset, verify, out);
  if (cache_ != nullptr) {
    if (hold = cache_->lookup({cache_id_, e.offset}); hold != nullptr) {
      if (verify && !hold->verify())
        return ::jadekv::status::corruption(::jadekv::detail::concat({block_name(e), ": checksum mismatch"}));
      out = hold->view();
      return {};
    }
  }
  if (auto s = read_block(e, verify, hold); !s.ok()) return s;
  if (cache_ != nullptr && fill_cache) cache_->insert({cache_id_, e.offset}, hold, hold->charge());
  out = hold->view();
  return {};
}

template <comparator Cmp>
::jadekv::status table<Cmp>::get(const lookup_key& k, std::string& value, get_result& r, const read_options& ro) const {
  r = {};
  if (has_filter_ && !filter_.may_match(k.hash)) return {};
  const std::uint64_t tag = pack_tag(k.seq, k_max_value_kind);
  const std::size_t i = find_block(k.user_key, tag);
  if (i == index_.size()) return {};
  std::shared_ptr<const block<>> hold;
  block_view v;
  if (auto s = load_block(index_[i], ro.verify_checksums, ro.fill_cache, hold, v); !s.ok()) return s;
  block_cursor<> c(v);
  c.seek([&](std::string_view ik) { return order_.compare(extract_user_key(ik), extract_tag(ik), k.user_key, tag) < 0; });
  if (!c.valid()) {  // past this block, so past the key (see table_format.hpp), or a malformed entry
    return c.status().ok() ? c.status() : c.status().with_context(block_name(index_[i]));
  }
  if (order_.compare_user(c.user_key(), k.user_key) != 0) return {};
  const std::uint64_t found = c.tag();
  r.seq = tag_sequence(found);
  if (tag_kind(found) == value_kind::put) {
    r.state = lookup_state::found;
    value.assign(c.value());
  } else {
    r.state = lookup_state::erased;
  }
  return {};
}

template <comparator Cmp>
std::unique_ptr<::jadekv::detail::internal_iterator> table<Cmp>::new_iterator(const read_options& ro) const {
  return std::make_unique<iterator_impl>(this->shared_from_this(), ro);
}

template <comparator Cmp>
std::uint64_t table<Cmp>::approximate_offset_of(std::string_view user_key) const {
  const std::size_t i = find_block(user_key, pack_tag(k_max_sequence, k_max_value_kind));
  if (i < index_.size()) return index_[i].offset;
  return has_filter_ ? footer_.filter.offset : footer_.properties.offset;
}

// ---- verify ---------------------------------------------------------------

template <comparator Cmp>
::jadekv::status table<Cmp>::verify() const {
  auto fail = [&](const std::string& what) {
    return ::jadekv::status::corruption(::jadekv::detail::concat({"table ", file_->path().string(), ": ", what}));
  };
  auto ctx = [&](const ::jadekv::status& s) {
    return s.with_context(::jadekv::detail::concat({"table ", file_->path().string()}));
  };
  char fixed[k_footer_size];
  if (auto s = read_exact(0, k_header_size, fixed); !s.ok()) return ctx(s);
  if (auto s = check_header({fixed, k_header_size}); !s.ok()) return ctx(s);
  footer f;
  if (auto s = read_exact(file_size_ - k_footer_size, k_footer_size, fixed); !s.ok()) return ctx(s);
  if (auto s = decode_footer({fixed, k_footer_size}, file_size_, f); !s.ok()) return ctx(s);
  if (f.filter != footer_.filter || f.properties != footer_.properties || f.index != footer_.index)
    return fail("footer changed since open");
  std::string bytes;
  if (has_filter_)
    if (auto s = read_meta(footer_.filter, "filter", bytes); !s.ok()) return ctx(s);
  if (auto s = read_meta(footer_.properties, "properties", bytes); !s.ok()) return ctx(s);
  if (auto s = read_meta(footer_.index, "index", bytes); !s.ok()) return ctx(s);

  // Layout: header, data blocks, [filter], properties, index, footer, back to back.
  std::uint64_t at = k_header_size;
  for (const index_entry& e : index_) {
    if (e.offset != at) return fail(::jadekv::detail::concat({"data block at ", e.offset, " expected at ", at}));
    at = e.offset + e.size + k_block_trailer_size;
  }
  for (const block_handle* h : {has_filter_ ? &footer_.filter : nullptr, &footer_.properties, &footer_.index}) {
    if (h == nullptr) continue;
    if (h->offset != at) return fail(::jadekv::detail::concat({"meta block at ", h->offset, " expected at ", at}));
    at = h->end();
  }
  if (at != file_size_ - k_footer_size) return fail("gap before the footer");

  std::string prev;
  table_properties seen;
  for (std::size_t i = 0; i < index_.size(); ++i)
    if (auto s = verify_data(i, prev, seen); !s.ok()) return s;
  if (seen.entries != props_.entries || seen.puts != props_.puts || seen.user_key_bytes != props_.user_key_bytes ||
      seen.value_bytes != props_.value_bytes)
    return fail("entries disagree with the properties block");
  if (props_.entries != 0 && (seen.smallest_key != props_.smallest_key || prev != props_.largest_key ||
                              seen.smallest_seq != props_.smallest_seq || seen.largest_seq != props_.largest_seq))
    return fail("key or sequence range disagrees with the properties block");
  return {};
}

template <comparator Cmp>
::jadekv::status table<Cmp>::verify_data(std::size_t i, std::string& prev, table_properties& seen) const {
  const index_entry& e = index_[i];
  auto fail = [&](const char* what) {
    return ::jadekv::status::corruption(::jadekv::detail::concat({block_name(e), ": ", what}));
  };
  std::shared_ptr<const block<>> b;
  if (auto s = read_block(e, true, b); !s.ok()) return s;
  block_cursor<> c(b->view());
  c.seek_to_first();
  if (!c.valid()) return c.status().ok() ? fail("empty") : fail("malformed entry");
  for (bool first = true; c.valid(); c.next(), first = false) {
    const std::string_view k = c.key();
    const sequence_number seq = tag_sequence(c.tag());
    if (seen.entries == 0) {
      seen.smallest_key.assign(k);
      seen.smallest_seq = seen.largest_seq = seq;
    } else if (order_.compare(prev, k) >= 0) {
      return fail("keys out of order");
    }
    if (first && i > 0) {
      const index_entry& p = index_[i - 1];
      if (order_.compare(separator_user_key(p), p.tag, c.user_key(), c.tag()) >= 0)
        return fail("first key not after the previous index separator");
    }
    seen.smallest_seq = std::min(seen.smallest_seq, seq);
    seen.largest_seq = std::max(seen.largest_seq, seq);
    ++seen.entries;
    if (tag_kind(c.tag()) == value_kind::put) ++seen.puts;
    seen.user_key_bytes += c.user_key().size();
    seen.value_bytes += c.value().size();
    if (has_filter_ && !filter_.may_match(key_hash(c.user_key()))) return fail("bloom filter misses a key");
    prev.assign(k);
  }
  if (!c.status().ok()) return fail("malformed entry");
  if (order_.compare(extract_user_key(prev), extract_tag(prev), separator_user_key(e), e.tag) > 0)
    return fail("last key after its index separator");
  return {};
}

}  // namespace jadekv::inline v0::index::sst
