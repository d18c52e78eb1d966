// Helpers shared by the bptree store tests: a vector-backed internal_iterator
// to feed flushes, a std::map model with its own sequence numbers, and
// checks that a store answers exactly as the model (gets and scans both
// ways).
#pragma once

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <jadekv/core/comparator.hpp>
#include <jadekv/core/read_options.hpp>
#include <jadekv/detail/internal_iterator.hpp>
#include <jadekv/index/bptree.hpp>
#include <jadekv/index/concepts.hpp>
#include <jadekv/io/fault_fs.hpp>
#include <jadekv/io/memory_fs.hpp>

namespace bptree_test {

namespace kv = jadekv;
namespace io = jadekv::io;

using cmp_t = kv::bytewise_comparator;
using policy_t = kv::index::bptree<>;
using store_t = policy_t::store<cmp_t>;
using options_t = policy_t::options;
using model = std::map<std::string, std::string>;

static_assert(kv::index::durable<policy_t>);
static_assert(kv::index::store<store_t, options_t, cmp_t>);

inline const std::filesystem::path k_dir = "/db";

struct entry {
  std::string key;
  kv::sequence_number seq = 0;
  kv::value_kind kind = kv::value_kind::put;
  std::string value;
};

// Entries in internal-key order: key ascending, sequence descending.
class vector_iterator final : public kv::detail::internal_iterator {
 public:
  explicit vector_iterator(std::vector<entry> es) : es_(std::move(es)) {
    std::sort(es_.begin(), es_.end(), [](const entry& a, const entry& b) {
      return a.key != b.key ? a.key < b.key : a.seq > b.seq;
    });
  }
  bool valid() const override { return i_ < es_.size(); }
  void seek_to_first() override { i_ = 0; }
  void seek_to_last() override { i_ = es_.empty() ? es_.size() : es_.size() - 1; }
  void seek(std::string_view k, kv::sequence_number s) override {
    i_ = 0;
    while (i_ < es_.size() && (es_[i_].key < k || (es_[i_].key == k && es_[i_].seq > s))) ++i_;
  }
  void next() override { ++i_; }
  void prev() override { i_ = i_ == 0 ? es_.size() : i_ - 1; }
  std::string_view user_key() const override { return es_[i_].key; }
  kv::sequence_number seq() const override { return es_[i_].seq; }
  kv::value_kind kind() const override { return es_[i_].kind; }
  std::string_view value() const override { return es_[i_].value; }
  std::size_t size_hint() const override { return es_.size(); }

 private:
  std::vector<entry> es_;
  std::size_t i_ = 0;
};

// A batch of writes with sequence numbers, and the model they produce.
struct writer {
  model state;
  kv::sequence_number seq = 0;
  std::vector<entry> pending;

  void put(const std::string& k, const std::string& v) {
    pending.push_back({k, ++seq, kv::value_kind::put, v});
  }
  void erase(const std::string& k) { pending.push_back({k, ++seq, kv::value_kind::erase, {}}); }

  // Flushes the pending writes as the engine's flush thread does (flush,
  // then after_flush); the model follows only when it succeeds.
  kv::status flush(store_t& s) {
    vector_iterator it(pending);
    auto st = s.flush(it, seq, seq);
    if (st.ok()) {
      commit();
      s.after_flush();
    }
    return st;
  }

  // Applies the pending writes to the model.
  void commit() {
    for (const auto& e : pending) {
      if (e.kind == kv::value_kind::put) state[e.key] = e.value;
      else state.erase(e.key);
    }
    pending.clear();
  }
};

inline options_t small_pages(std::size_t p = 512) {
  options_t o;
  o.page_size = p;
  o.cache_bytes = 64 << 10;
  return o;
}

inline std::unique_ptr<store_t> open_store(std::shared_ptr<io::file_system> fs, const options_t& o = small_pages()) {
  auto r = store_t::open(std::move(fs), k_dir, o, cmp_t{});
  REQUIRE_MESSAGE(r.has_value(), r.status().to_string());
  return std::move(*r);
}

inline std::unique_ptr<kv::detail::internal_iterator> cursor_of(const store_t& s, const kv::read_options& ro = {}) {
  std::vector<std::unique_ptr<kv::detail::internal_iterator>> v;
  s.add_sources(v, ro);
  REQUIRE(v.size() == 1);
  return std::move(v.front());
}

using pairs = std::vector<std::pair<std::string, std::string>>;

inline pairs scan_forward(const store_t& s, const kv::read_options& ro = {}) {
  pairs out;
  auto it = cursor_of(s, ro);
  for (it->seek_to_first(); it->valid(); it->next()) out.emplace_back(it->user_key(), it->value());
  REQUIRE_MESSAGE(it->status().ok(), it->status().to_string());
  return out;
}

inline pairs scan_backward(const store_t& s, const kv::read_options& ro = {}) {
  pairs out;
  auto it = cursor_of(s, ro);
  for (it->seek_to_last(); it->valid(); it->prev()) out.emplace_back(it->user_key(), it->value());
  REQUIRE_MESSAGE(it->status().ok(), it->status().to_string());
  std::reverse(out.begin(), out.end());
  return out;
}

inline pairs model_range(const model& m, const std::optional<std::string>& lo, const std::optional<std::string>& hi) {
  pairs out;
  for (auto it = lo ? m.lower_bound(*lo) : m.begin(); it != m.end() && (!hi || it->first < *hi); ++it) {
    out.emplace_back(it->first, it->second);
  }
  return out;
}

// Every key of the model found with its value, absent keys not found, and
// full scans both ways equal to the model.
inline void expect_model(const store_t& s, const model& m, const std::vector<std::string>& absent = {}) {
  std::string v;
  for (const auto& kvp : m) {
    const std::string& k = kvp.first;
    auto st = s.get(k, kv::k_max_sequence, v, {});
    REQUIRE_MESSAGE(st.ok(), k, ": ", st.to_string());
    REQUIRE(v == kvp.second);
  }
  for (const auto& k : absent) {
    if (m.count(k) != 0) continue;
    auto st = s.get(k, kv::k_max_sequence, v, {});
    REQUIRE_MESSAGE(st.is_not_found(), k, ": ", st.to_string());
  }
  const pairs all = model_range(m, std::nullopt, std::nullopt);
  REQUIRE(scan_forward(s) == all);
  REQUIRE(scan_backward(s) == all);
  CHECK(s.entries() == m.size());
}

inline std::string key_of(int i) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "k%06d", i);
  return buf;
}

// A value whose length varies with (i, round): some share a 512-byte page
// with others, some go to overflow pages spanning several pages.
inline std::string value_of(int i, int round) {
  const int kind = (i * 7 + round * 3) % 23;
  const std::size_t len = kind == 0 ? 1500 : (kind == 1 ? 200 : static_cast<std::size_t>((i + round) % 40));
  std::string v(len, static_cast<char>('a' + (i + round) % 26));
  if (!v.empty()) v[0] = static_cast<char>('A' + round % 26);
  return v;
}

}  // namespace bptree_test
