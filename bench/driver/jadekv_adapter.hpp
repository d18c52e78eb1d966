// jadekv_adapter: any jadekv engine type DB (an engine<M, P, I, C> or a preset)
// adapted to the driver's interface (engine.hpp), written against DESIGN.md's
// public contract only: DB::options with .dir, .create_if_missing,
// .error_if_exists, .memtable_bytes; DB::open -> result<DB>; put/get/erase
// with write_options; write_batch and write; iterator() with seek,
// seek_to_first, seek_to_last, valid, next, prev, key, value, status;
// flush, compact, close.
//
// Settings every jadekv engine gets: memtable_bytes = the common write buffer
// size, the persist policy's defaults (for persist::wal: WAL on), sync per
// workload through write_options::sync. The cache budget and the bloom filter
// bits are policy options the contract does not name: they are applied when
// the options carry `index.cache_bytes` or `index.block_cache_bytes` /
// `index.bloom_bits_per_key` or `index.table.bloom_bits_per_key`, and the
// engine's settings line says whether they were (an index without a cache,
// such as index::memory, has nothing to budget). A registration may pass a
// `tuning` function for anything else.
//
// Cursors: a session keeps one iterator and refresh()es it for each new
// cursor (RocksDB's Iterator::Refresh), as the LMDB adapter renews one read
// transaction and cursor per session; a session has one cursor at a time.
// An iterator type without refresh() is made anew for each cursor.
//
// Thread safety: sessions share the DB; the engine's concurrency policy is what
// makes that safe, so single-threaded compositions register max_threads = 1.
#pragma once

#include <jadekv/jadekv.hpp>

#include <concepts>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "engine.hpp"
#include "format.hpp"

namespace bench {

// Sets DB's policy options the common ones do not cover (called after them).
template <class DB>
using jadekv_tuning = std::function<void(typename DB::options&, const engine_config&)>;

namespace jadekv_detail {

inline void check(const ::jadekv::status& s, const char* what) {
  if (!s.ok()) throw engine_error(std::string("jadekv ") + what + ": " + s.to_string());
}

// A key or value as returned by the iterator, as a string_view.
template <class Bytes>
std::string_view view(const Bytes& b) {
  if constexpr (std::is_convertible_v<const Bytes&, std::string_view>) return std::string_view(b);
  else return std::string_view(reinterpret_cast<const char*>(b.data()), b.size());
}

// Empties a write batch for reuse.
template <class Batch>
void reset(Batch& b) {
  if constexpr (requires { b.clear(); }) b.clear();
  else b = Batch{};
}

template <class Options>
bool apply_cache_budget(Options& opt, std::uint64_t bytes) {
  if constexpr (requires { opt.index.cache_bytes = bytes; }) {
    opt.index.cache_bytes = bytes;
    return true;
  } else if constexpr (requires { opt.index.block_cache_bytes = bytes; }) {
    opt.index.block_cache_bytes = bytes;
    return true;
  } else {
    return false;
  }
}

template <class Options>
bool apply_bloom_bits(Options& opt, int bits) {
  if constexpr (requires { opt.index.bloom_bits_per_key = bits; }) {
    opt.index.bloom_bits_per_key = bits;
    return true;
  } else if constexpr (requires { opt.index.table.bloom_bits_per_key = bits; }) {
    opt.index.table.bloom_bits_per_key = bits;
    return true;
  } else {
    return false;
  }
}

// The common settings, applied to DB's options; returns what the settings line says of them.
template <class DB>
std::string apply_common(typename DB::options& opt, const engine_config& c) {
  opt.dir = c.dir;
  opt.create_if_missing = true;
  opt.error_if_exists = false;
  opt.memtable_bytes = c.write_buffer_bytes;
  std::string text = "memtable_bytes " + format_bytes(c.write_buffer_bytes);
  text += apply_cache_budget(opt, c.cache_bytes) ? ", cache " + format_bytes(c.cache_bytes) : ", no cache option";
  if (apply_bloom_bits(opt, c.bloom_bits)) text += ", bloom " + std::to_string(c.bloom_bits) + " bits/key";
  return text;
}

}  // namespace jadekv_detail

template <class DB>
class jadekv_cursor final : public cursor {
 public:
  using iterator_type = decltype(std::declval<DB&>().iterator());
  explicit jadekv_cursor(iterator_type& it) : it_(it) {}
  void seek(std::string_view target) override { it_.seek(target); }
  void seek_to_first() override { it_.seek_to_first(); }
  void seek_to_last() override { it_.seek_to_last(); }
  bool valid() const override { return it_.valid(); }
  void next() override { it_.next(); }
  void prev() override { it_.prev(); }
  std::string_view key() const override { return jadekv_detail::view(it_.key()); }
  std::string_view value() const override { return jadekv_detail::view(it_.value()); }
  void check() const override { jadekv_detail::check(it_.status(), "iterator"); }

 private:
  iterator_type& it_;  // the session's; the contract does not promise const accessors
};

template <class DB>
class jadekv_session final : public session {
 public:
  jadekv_session(DB& db, bool sync) : db_(db) { wo_.sync = sync; }
  void put(std::string_view k, std::string_view v) override { jadekv_detail::check(db_.put(k, v, wo_), "put"); }
  void erase(std::string_view k) override {
    if constexpr (requires { db_.erase(k, wo_); }) jadekv_detail::check(db_.erase(k, wo_), "erase");
    else jadekv_detail::check(db_.erase(k), "erase");
  }
  bool get(std::string_view k, std::string& v) override {
    const ::jadekv::status s = db_.get(k, v);
    if (s.is_not_found()) return false;
    jadekv_detail::check(s, "get");
    return true;
  }
  void batch_put(std::string_view k, std::string_view v) override { batch_.put(k, v); }
  void batch_erase(std::string_view k) override { batch_.erase(k); }
  void batch_commit() override {
    if constexpr (requires { db_.write(batch_, wo_); }) jadekv_detail::check(db_.write(batch_, wo_), "write");
    else jadekv_detail::check(db_.write(batch_), "write");
    jadekv_detail::reset(batch_);
  }
  std::unique_ptr<cursor> new_cursor() override {
    if constexpr (requires { reader_->refresh(); }) {
      if (reader_) jadekv_detail::check(reader_->refresh(), "iterator refresh");
      else reader_.emplace(db_.iterator());
    } else {
      reader_.emplace(db_.iterator());
    }
    return std::make_unique<jadekv_cursor<DB>>(*reader_);
  }
  void finish() override {}

 private:
  using iterator_type = typename jadekv_cursor<DB>::iterator_type;

  DB& db_;
  std::optional<iterator_type> reader_;  // declared after db_: destroyed first
  ::jadekv::write_options wo_{};
  ::jadekv::write_batch batch_;
};

template <class DB>
class jadekv_engine final : public engine {
 public:
  explicit jadekv_engine(DB&& db) : db_(std::move(db)) {}

  static std::unique_ptr<engine> open(const engine_config& c, const jadekv_tuning<DB>& tuning) {
    typename DB::options opt;
    jadekv_detail::apply_common<DB>(opt, c);
    if (tuning) tuning(opt, c);
    ::jadekv::result<DB> r = DB::open(opt);
    if (!r) throw engine_error("jadekv open: " + r.status().to_string());
    return std::make_unique<jadekv_engine>(std::move(*r));
  }

  void set_sync(bool sync) override { sync_ = sync; }
  std::unique_ptr<session> new_session() override { return std::make_unique<jadekv_session<DB>>(db_, sync_); }
  bool flush() override {
    jadekv_detail::check(db_.flush(), "flush");
    return true;
  }
  bool compact() override {
    jadekv_detail::check(db_.compact(), "compact");
    return true;
  }
  void close() override {
    if (closed_) return;
    closed_ = true;
    jadekv_detail::check(db_.close(), "close");
  }

 private:
  DB db_;
  bool sync_ = false;
  bool closed_ = false;
};

// The registry entry of DB. `composition` names its policies for the settings
// line ("skiplist + wal + memory + mvcc"); max_threads is 1 for compositions
// whose concurrency policy is single.
template <class DB>
engine_entry jadekv_entry(std::string name, std::string family, std::string memtable, std::string concurrency,
                          bool family_default, int max_threads, std::string composition,
                          jadekv_tuning<DB> tuning = {}) {
  engine_entry e;
  e.name = std::move(name);
  e.family = std::move(family);
  e.memtable = std::move(memtable);
  e.concurrency = std::move(concurrency);
  e.family_default = family_default;
  e.max_threads = max_threads;
  e.describe = [composition = std::move(composition)](const engine_config& c) {
    typename DB::options opt;
    return "jadekv " + composition + ": " + jadekv_detail::apply_common<DB>(opt, c) +
           ", persist defaults, sync per workload (write_options)";
  };
  e.open = [tuning = std::move(tuning)](const engine_config& c) { return jadekv_engine<DB>::open(c, tuning); };
  return e;
}

}  // namespace bench
