// map_index: the smallest on-disk index a user could write against the
// index::store seam - a std::map of the newest version of each key, rewritten
// whole into one file at every flush. It is what the engine's rotation, flush
// thread and recovery are tested with independently of lsm and bptree, and
// the proof that a user type models index::store.
//
// File "MAPSTORE" (written aside and renamed, so a crash leaves the old one):
//   fixed64 flushed_sequence
//   repeated: varint32 key_len, key, fixed64 seq, varint32 value_len, value
//   fixed32 masked crc32c of everything before it
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <jadekv/core/coding.hpp>
#include <jadekv/core/crc32c.hpp>
#include <jadekv/core/read_options.hpp>
#include <jadekv/core/result.hpp>
#include <jadekv/core/stats.hpp>
#include <jadekv/detail/internal_iterator.hpp>
#include <jadekv/io/file_system.hpp>

namespace conformance {

namespace kv = jadekv;

struct map_index {
  struct options {
    bool fail_flushes = false;  // tests turn it on to see a failed background flush
  };
  static constexpr std::string_view name = "map";
  static constexpr bool on_disk = true;

  template <class Cmp>
  class store {
    struct less {
      Cmp cmp;
      bool operator()(const std::string& a, const std::string& b) const { return cmp.compare(a, b) < 0; }
    };
    struct version {
      kv::sequence_number seq;
      std::string value;
    };
    using map_type = std::map<std::string, version, less>;

    // A cursor over one immutable map; every version is a put.
    class cursor final : public kv::detail::internal_iterator {
     public:
      cursor(std::shared_ptr<const map_type> m, Cmp cmp) : m_(std::move(m)), cmp_(cmp), it_(m_->end()) {}
      bool valid() const override { return it_ != m_->end(); }
      void seek_to_first() override { it_ = m_->begin(); }
      void seek_to_last() override { it_ = m_->empty() ? m_->end() : std::prev(m_->end()); }
      void seek(std::string_view k, kv::sequence_number s) override {
        it_ = m_->lower_bound(std::string(k));
        if (it_ != m_->end() && cmp_.compare(it_->first, k) == 0 && it_->second.seq > s) ++it_;
      }
      void next() override { ++it_; }
      void prev() override { it_ = it_ == m_->begin() ? m_->end() : std::prev(it_); }
      std::string_view user_key() const override { return it_->first; }
      kv::sequence_number seq() const override { return it_->second.seq; }
      kv::value_kind kind() const override { return kv::value_kind::put; }
      std::string_view value() const override { return it_->second.value; }

     private:
      std::shared_ptr<const map_type> m_;
      Cmp cmp_;
      typename map_type::const_iterator it_;
    };

   public:
    static kv::result<std::unique_ptr<store>> open(std::shared_ptr<kv::io::file_system> fs,
                                                   const std::filesystem::path& dir, const options& o,
                                                   const Cmp& cmp) {
      auto s = std::unique_ptr<store>(new store(std::move(fs), dir, o, cmp));
      auto exists = s->fs_->exists(s->path_);
      if (!exists) return exists.status();
      if (!*exists) return s;
      auto bytes = kv::io::read_file(*s->fs_, s->path_);
      if (!bytes) return bytes.status();
      if (auto st = s->decode(*bytes); !st.ok()) return st;
      return s;
    }

    kv::sequence_number flushed_sequence() const {
      std::lock_guard g(mu_);
      return flushed_;
    }

    kv::status get(std::string_view key, kv::sequence_number at, std::string& out, const kv::read_options& ro) const {
      return get(key, at, out, ro, pin());
    }

    void add_sources(std::vector<std::unique_ptr<kv::detail::internal_iterator>>& out, const kv::read_options& ro) const {
      add_sources(out, ro, pin());
    }

    // index::snapshot_store: a snapshot pins the map it was taken at (one
    // version per key is kept, so reading a newer map could miss its version).
    std::shared_ptr<const void> pin() const { return current(); }
    kv::status get(std::string_view key, kv::sequence_number at, std::string& out, const kv::read_options&,
                   const std::shared_ptr<const void>& view) const {
      const auto& m = *static_cast<const map_type*>(view.get());
      auto it = m.find(std::string(key));
      if (it == m.end() || it->second.seq > at) return kv::status::not_found();
      out = it->second.value;
      return {};
    }
    void add_sources(std::vector<std::unique_ptr<kv::detail::internal_iterator>>& out, const kv::read_options&,
                     const std::shared_ptr<const void>& view) const {
      out.push_back(std::make_unique<cursor>(std::static_pointer_cast<const map_type>(view), cmp_));
    }

    kv::status throttle() { return {}; }

    kv::status flush(kv::detail::internal_iterator& entries, kv::sequence_number last, kv::sequence_number) {
      if (opt_.fail_flushes) return kv::status::io_error("map_index: flush refused by the test");
      auto next = std::make_shared<map_type>(*current());
      std::string prev;
      bool first = true;
      for (entries.seek_to_first(); entries.valid(); entries.next()) {
        const std::string k(entries.user_key());
        if (!first && k == prev) continue;  // an older version of the key just taken
        first = false;
        prev = k;
        if (entries.kind() == kv::value_kind::erase) next->erase(k);
        else (*next)[k] = version{entries.seq(), std::string(entries.value())};
      }
      if (auto s = entries.status(); !s.ok()) return s;
      if (auto s = kv::io::write_file_atomically(*fs_, path_, encode(*next, last)); !s.ok()) return s;
      std::lock_guard g(mu_);
      map_ = std::move(next);
      flushed_ = last;
      ++flushes_;
      return {};
    }

    kv::status compact() { return {}; }
    kv::status check() const { return {}; }
    void add_stats(kv::stats& st) const {
      std::lock_guard g(mu_);
      st.index_files = flushes_ > 0 || !map_->empty() ? 1 : 0;
    }
    kv::status close() { return {}; }

   private:
    store(std::shared_ptr<kv::io::file_system> fs, const std::filesystem::path& dir, const options& o, const Cmp& cmp)
        : fs_(std::move(fs)), path_(dir / "MAPSTORE"), opt_(o), cmp_(cmp),
          map_(std::make_shared<map_type>(less{cmp})) {}

    std::shared_ptr<const map_type> current() const {
      std::lock_guard g(mu_);
      return map_;
    }

    static std::string encode(const map_type& m, kv::sequence_number last) {
      std::string out;
      kv::put_fixed64(out, last);
      for (const auto& [k, v] : m) {
        kv::put_varint32(out, static_cast<std::uint32_t>(k.size()));
        out += k;
        kv::put_fixed64(out, v.seq);
        kv::put_varint32(out, static_cast<std::uint32_t>(v.value.size()));
        out += v.value;
      }
      kv::put_fixed32(out, kv::crc32c::mask(kv::crc32c::value(out)));
      return out;
    }

    kv::status decode(std::string_view in) {
      const auto bad = [&] { return kv::status::corruption("map_index: " + path_.string() + " is damaged"); };
      if (in.size() < 12) return bad();
      const std::string_view body = in.substr(0, in.size() - 4);
      if (kv::crc32c::unmask(kv::decode_fixed32(in.data() + body.size())) != kv::crc32c::value(body)) return bad();
      std::string_view p = body;
      auto m = std::make_shared<map_type>(less{cmp_});
      flushed_ = kv::decode_fixed64(p.data());
      p.remove_prefix(8);
      while (!p.empty()) {
        std::uint32_t kn = 0, vn = 0;
        if (!kv::get_varint32(p, kn) || p.size() < kn + 8) return bad();
        std::string k(p.substr(0, kn));
        p.remove_prefix(kn);
        const kv::sequence_number seq = kv::decode_fixed64(p.data());
        p.remove_prefix(8);
        if (!kv::get_varint32(p, vn) || p.size() < vn) return bad();
        (*m)[std::move(k)] = version{seq, std::string(p.substr(0, vn))};
        p.remove_prefix(vn);
      }
      map_ = std::move(m);
      return {};
    }

    std::shared_ptr<kv::io::file_system> fs_;
    std::filesystem::path path_;
    options opt_;
    Cmp cmp_;
    mutable std::mutex mu_;
    std::shared_ptr<const map_type> map_;
    kv::sequence_number flushed_ = 0;
    std::uint64_t flushes_ = 0;
  };
};

}  // namespace conformance
