// Helpers shared by the LSM store tests: a vector-backed internal_iterator
// that plays an immutable memtable, a multi-version std::map model, a
// deterministic workload, and full scans through add_sources + a merge.
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
#include <jadekv/core/internal_key.hpp>
#include <jadekv/detail/internal_iterator.hpp>
#include <jadekv/detail/merging_iterator.hpp>
#include <jadekv/index/concepts.hpp>
#include <jadekv/index/lsm.hpp>
#include <jadekv/io/fault_fs.hpp>
#include <jadekv/io/memory_fs.hpp>

namespace lsm_test {

namespace kv = jadekv;
namespace io = jadekv::io;
namespace ix = jadekv::index;
using cmp_t = kv::bytewise_comparator;

template <class Style>
using store_t = typename ix::lsm<Style>::template store<cmp_t>;
template <class Style>
using options_t = typename ix::lsm<Style>::options;

static_assert(ix::durable<ix::lsm<>>);
static_assert(ix::store<store_t<ix::leveled<>>, options_t<ix::leveled<>>, cmp_t>);
static_assert(ix::store<store_t<ix::tiered<>>, options_t<ix::tiered<>>, cmp_t>);

struct entry {
  std::string key;
  kv::sequence_number seq = 0;
  kv::value_kind kind = kv::value_kind::put;
  std::string value;
};

// One immutable memtable: entries sorted by internal key.
class vector_iterator final : public kv::detail::internal_iterator {
 public:
  explicit vector_iterator(std::vector<entry> e) : e_(std::move(e)) {
    std::sort(e_.begin(), e_.end(), [](const entry& a, const entry& b) { return before(a.key, a.seq, b); });
  }
  bool valid() const override { return i_ < e_.size(); }
  void seek_to_first() override { i_ = 0; }
  void seek_to_last() override { i_ = e_.empty() ? 0 : e_.size() - 1; }
  void seek(std::string_view k, kv::sequence_number s) override {
    i_ = static_cast<std::size_t>(std::partition_point(e_.begin(), e_.end(), [&](const entry& x) {
                                    return before(x.key, x.seq, k, s);
                                  }) - e_.begin());
  }
  void next() override { ++i_; }
  void prev() override { i_ = i_ == 0 ? e_.size() : i_ - 1; }
  std::string_view user_key() const override { return e_[i_].key; }
  kv::sequence_number seq() const override { return e_[i_].seq; }
  kv::value_kind kind() const override { return e_[i_].kind; }
  std::string_view value() const override { return e_[i_].value; }

 private:
  static bool before(std::string_view ak, kv::sequence_number as, std::string_view bk, kv::sequence_number bs) {
    if (ak != bk) return ak < bk;
    return as > bs;
  }
  static bool before(std::string_view ak, kv::sequence_number as, const entry& b) { return before(ak, as, b.key, b.seq); }
  std::vector<entry> e_;
  std::size_t i_ = 0;
};

// Every version ever written: key -> seq -> value (nullopt: an erase).
class model {
 public:
  void put(const std::string& k, kv::sequence_number s, std::string v) { m_[k][s] = std::move(v); }
  void erase(const std::string& k, kv::sequence_number s) { m_[k][s] = std::nullopt; }

  std::optional<std::string> get(const std::string& k, kv::sequence_number at) const {
    auto it = m_.find(k);
    if (it == m_.end()) return std::nullopt;
    auto v = it->second.upper_bound(at);
    if (v == it->second.begin()) return std::nullopt;
    return std::prev(v)->second;
  }
  std::vector<std::pair<std::string, std::string>> state(kv::sequence_number at) const {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& [k, versions] : m_) {
      if (auto v = get(k, at)) out.emplace_back(k, *v);
    }
    return out;
  }
  std::vector<std::string> keys() const {
    std::vector<std::string> out;
    for (const auto& [k, v] : m_) out.push_back(k);
    return out;
  }

 private:
  std::map<std::string, std::map<kv::sequence_number, std::optional<std::string>>> m_;
};

inline std::string key_of(int i) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "k%05d", i);
  return buf;
}

// Builds batches of random puts and erases over `keys` keys, numbering
// versions from the model's last sequence.
class workload {
 public:
  explicit workload(int keys, std::uint32_t seed = 7) : keys_(keys), rng_(seed) {}

  // One memtable of n writes; applied to the model.
  std::vector<entry> batch(int n, model& m, int erase_percent = 20) {
    std::vector<entry> out;
    std::map<std::string, bool> seen;
    for (int i = 0; i < n; ++i) {
      const std::string k = key_of(static_cast<int>(rng_() % static_cast<std::uint32_t>(keys_)));
      const kv::sequence_number s = ++last_;
      if (static_cast<int>(rng_() % 100) < erase_percent) {
        out.push_back({k, s, kv::value_kind::erase, {}});
        m.erase(k, s);
      } else {
        std::string v = "v" + std::to_string(s) + std::string(rng_() % 40, 'x');
        out.push_back({k, s, kv::value_kind::put, v});
        m.put(k, s, std::move(v));
      }
    }
    return out;
  }
  kv::sequence_number last() const noexcept { return last_; }
  void set_last(kv::sequence_number s) noexcept { last_ = s; }

 private:
  int keys_;
  std::mt19937 rng_;
  kv::sequence_number last_ = 0;
};

// Small tables and levels so that a few hundred writes reach several levels.
template <class Style>
options_t<Style> small_options() {
  options_t<Style> o;
  o.table.block_size = 256;
  o.target_file_bytes = 2048;
  o.max_bytes_for_level_base = 4096;
  o.level_ratio = 2;
  o.num_levels = 5;
  o.l0_compaction_trigger = 2;
  o.l0_slowdown_trigger = 20;
  o.l0_stop_trigger = 40;
  o.block_cache_bytes = 64 << 10;
  return o;
}

// The visible (key, value) pairs at `at`, scanning all sources forward.
template <class Store>
std::vector<std::pair<std::string, std::string>> scan_forward(const Store& st, kv::sequence_number at,
                                                              const kv::read_options& ro = {}) {
  std::vector<std::unique_ptr<kv::detail::internal_iterator>> sources;
  st.add_sources(sources, ro);
  kv::detail::merging_iterator<cmp_t> it(cmp_t{}, std::move(sources));
  std::vector<std::pair<std::string, std::string>> out;
  std::string last;
  bool have = false;
  for (it.seek_to_first(); it.valid(); it.next()) {
    if (it.seq() > at) continue;
    if (have && it.user_key() == last) continue;
    last.assign(it.user_key());
    have = true;
    if (it.kind() == kv::value_kind::put) out.emplace_back(last, std::string(it.value()));
  }
  REQUIRE(it.status().ok());
  return out;
}

template <class Store>
std::vector<std::pair<std::string, std::string>> scan_backward(const Store& st, kv::sequence_number at) {
  std::vector<std::unique_ptr<kv::detail::internal_iterator>> sources;
  st.add_sources(sources, {});
  kv::detail::merging_iterator<cmp_t> it(cmp_t{}, std::move(sources));
  std::vector<std::pair<std::string, std::string>> out;
  std::string key;
  std::optional<std::optional<std::string>> visible;  // of `key`: unset, erase, or value
  auto emit = [&] {
    if (visible && *visible) out.emplace_back(key, **visible);
  };
  for (it.seek_to_last(); it.valid(); it.prev()) {
    if (it.user_key() != key) {
      emit();
      key.assign(it.user_key());
      visible.reset();
    }
    // Going backward, a key's versions come oldest first: the last one <= at wins.
    if (it.seq() <= at) {
      visible = it.kind() == kv::value_kind::put ? std::optional<std::string>(std::string(it.value())) : std::nullopt;
    }
  }
  emit();
  REQUIRE(it.status().ok());
  std::reverse(out.begin(), out.end());
  return out;
}

// Every key of the model agrees through get() at `at`.
template <class Store>
void check_gets(const Store& st, const model& m, kv::sequence_number at) {
  std::string out;
  for (const auto& k : m.keys()) {
    const auto want = m.get(k, at);
    auto s = st.get(k, at, out, {});
    INFO("key " << k << " at " << at);
    if (want) {
      REQUIRE(s.ok());
      CHECK(out == *want);
    } else {
      REQUIRE(s.is_not_found());
    }
  }
}

template <class Store>
void check_all(const Store& st, const model& m, kv::sequence_number at) {
  check_gets(st, m, at);
  const auto want = m.state(at);
  CHECK(scan_forward(st, at) == want);
  CHECK(scan_backward(st, at) == want);
}

inline std::size_t files_at(const ix::lsm_detail::version<>& v, int level) {
  return v.levels[static_cast<std::size_t>(level)].size();
}

}  // namespace lsm_test
