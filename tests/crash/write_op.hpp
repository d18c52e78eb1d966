// write_op: the unit of the crash workloads. One write_op is one call into an
// engine (put, erase, a batch, or a transaction commit) writing one or more
// distinct keys, each to a fresh version. Keys and values are a function of
// (key index, version), so a reader can tell a written value from an
// invented or torn one:
//
//   key   "key00042"
//   value "v<version>:k<key>:" then (version * 7 + key) % 200 filler bytes
//
// Version 0 means "absent" (never written, or erased). Versions are unique
// across a whole test run, so a recovered value names exactly one write.
#pragma once

#include <charconv>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace crash {

inline constexpr std::uint32_t k_keys = 200;
inline constexpr std::size_t k_max_writes_per_op = 6;

inline std::string key_name(std::uint32_t key) {
  std::string k = std::to_string(key);
  return "key" + std::string(5 - k.size(), '0') + k;
}

inline std::optional<std::uint32_t> key_index(std::string_view name) {
  if (name.size() != 8 || !name.starts_with("key")) return std::nullopt;
  std::uint32_t k = 0;
  auto [end, ec] = std::from_chars(name.data() + 3, name.data() + name.size(), k);
  if (ec != std::errc{} || end != name.data() + name.size() || k >= k_keys) return std::nullopt;
  return k;
}

inline std::string value_of(std::uint32_t key, std::uint64_t version) {
  std::string v = "v" + std::to_string(version) + ":k" + std::to_string(key) + ":";
  v.append((version * 7 + key) % 200, static_cast<char>('a' + version % 26));
  return v;
}

// The version a stored value encodes, if it is exactly value_of(key, version).
inline std::optional<std::uint64_t> version_in(std::uint32_t key, std::string_view value) {
  if (!value.starts_with("v")) return std::nullopt;
  std::uint64_t version = 0;
  auto [end, ec] = std::from_chars(value.data() + 1, value.data() + value.size(), version);
  if (ec != std::errc{} || version == 0) return std::nullopt;
  (void)end;
  if (value != value_of(key, version)) return std::nullopt;
  return version;
}

struct key_write {
  std::uint32_t key = 0;
  std::uint64_t version = 0;  // 0: erase
};

enum class op_kind { put, erase, batch, transaction };

struct write_op {
  op_kind kind = op_kind::put;
  std::vector<key_write> writes;  // distinct keys
  bool sync = false;
};

// Draws write_ops from a seed. Versions come from the caller, which keeps
// them unique across processes (the kill -9 driver keeps the counter in its
// shared state file).
class op_source {
 public:
  op_source(std::uint64_t seed, bool transactions, unsigned sync_one_in)
      : rng_(seed), transactions_(transactions), sync_one_in_(sync_one_in) {}

  write_op next(std::uint64_t& next_version) {
    write_op op;
    const unsigned roll = pick(100);
    if (roll < 50) op.kind = op_kind::put;
    else if (roll < 65) op.kind = op_kind::erase;
    else if (roll < 85 || !transactions_) op.kind = op_kind::batch;
    else op.kind = op_kind::transaction;
    const std::size_t n = op.kind == op_kind::put || op.kind == op_kind::erase ? 1 : 2 + pick(k_max_writes_per_op - 1);
    while (op.writes.size() < n) {
      const std::uint32_t key = pick(k_keys);
      bool seen = false;
      for (const auto& w : op.writes) seen = seen || w.key == key;
      if (seen) continue;
      const bool erase = op.kind == op_kind::erase || (op.kind != op_kind::put && pick(4) == 0);
      op.writes.push_back({key, erase ? 0 : next_version++});
    }
    op.sync = sync_one_in_ != 0 && pick(sync_one_in_) == 0;
    return op;
  }

  // A uniform draw in [0, n).
  unsigned pick(std::size_t n) { return static_cast<unsigned>(std::uniform_int_distribution<std::size_t>(0, n - 1)(rng_)); }

 private:
  std::mt19937_64 rng_;
  bool transactions_;
  unsigned sync_one_in_;
};

}  // namespace crash
