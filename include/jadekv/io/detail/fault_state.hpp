// fault_state: the shared state of a fault_fs and the handles it opened — the
// operation counter, the fault rules, and the durability bookkeeping that
// crash() rolls back to. Users name fault_fs, never this.
//
// Thread safety: every member is guarded by `mu`; every function here
// REQUIRES mu held.
//
// Invariants:
//   1. `nodes` maps the current location (a key) of every file fault_fs
//      tracks, hidden victims included, to its node; node.key is that key.
//   2. A node's durable bytes are its first synced_size bytes as they were at
//      the last sync; `undo` holds, oldest first, every byte of that range
//      overwritten or truncated away since, so replaying it backwards and
//      truncating to synced_size restores them.
//   3. `durable` holds, for every tracked directory, its entries as of its
//      last sync_dir (or as first seen). A directory becomes tracked before
//      the first create, rename or remove inside it, so every file in a
//      tracked directory is in `nodes`.
//   4. A hidden name (k_hidden_prefix + node id) is a removed or replaced
//      file kept for crash(); it exists only while some durable entry still
//      refers to its node.
#pragma once

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "jadekv/core/status.hpp"
#include "jadekv/io/errno_status.hpp"
#include "jadekv/io/fault_spec.hpp"
#include "jadekv/io/file_system.hpp"
#include "jadekv/io/glob.hpp"

namespace jadekv::inline v0::io::detail {

inline constexpr std::string_view k_hidden_prefix = ".jadekv-fault-";

// Normalised path text: lexically_normal, "/" separators, no trailing "/",
// "." for the empty path.
inline std::string fault_key(const std::filesystem::path& p) {
  std::string k = p.lexically_normal().generic_string();
  while (k.size() > 1 && k.back() == '/') k.pop_back();
  return k.empty() ? std::string(".") : k;
}

inline std::string fault_parent(std::string_view key) {
  const auto slash = key.rfind('/');
  if (slash == std::string_view::npos) return ".";
  return slash == 0 ? std::string("/") : std::string(key.substr(0, slash));
}

inline std::string_view fault_name(std::string_view key) {
  const auto slash = key.rfind('/');
  return slash == std::string_view::npos ? key : key.substr(slash + 1);
}

inline std::string fault_child(std::string_view dir, std::string_view name) {
  if (dir == ".") return std::string(name);
  std::string k(dir);
  if (k != "/") k += '/';
  k += name;
  return k;
}

inline bool fault_hidden(std::string_view key) { return fault_name(key).starts_with(k_hidden_prefix); }

struct fault_node {
  std::uint64_t id = 0;
  std::string key;  // current location in the wrapped fs; empty once deleted
  std::uint64_t synced_size = 0;
  std::vector<std::pair<std::uint64_t, std::string>> undo;  // (offset, old bytes), oldest first
};

struct fault_lock_slot {
  std::unique_ptr<file_lock> inner;  // null once released
};

struct fault_rule {
  fault_spec spec;
  bool spent = false;
};

struct fault_hit {
  std::uint64_t op = 0;
  int error = 0;
  std::size_t torn_prefix = 0;
};

struct fault_state {
  std::mutex mu;
  std::uint64_t ops = 0;
  std::uint64_t injected = 0;
  std::uint64_t torn = 0;
  std::uint64_t generation = 0;  // bumped by crash(); older handles are dead
  std::uint64_t next_id = 1;
  std::vector<fault_rule> rules;
  std::map<std::string, std::shared_ptr<fault_node>> nodes;
  std::map<std::string, std::map<std::string, std::shared_ptr<fault_node>, std::less<>>> durable;
  std::vector<std::weak_ptr<fault_lock_slot>> locks;

  // The fault to inject into operation number n, if any.
  std::optional<fault_hit> match(std::uint64_t n, op_kind k, std::string_view p1, std::string_view p2 = {}) {
    for (auto& r : rules) {
      if (r.spent || n < r.spec.at || !r.spec.kinds.contains(k)) continue;
      if (!r.spec.path.empty() && !glob_match(r.spec.path, p1) && (p2.empty() || !glob_match(r.spec.path, p2))) {
        continue;
      }
      if (!r.spec.persistent) r.spent = true;
      ++injected;
      return fault_hit{n, r.spec.error, r.spec.torn_prefix};
    }
    return std::nullopt;
  }

  bool durably_referenced(const fault_node& n) const {
    for (const auto& [dir, entries] : durable) {
      for (const auto& [name, node] : entries) {
        if (node.get() == &n) return true;
      }
    }
    return false;
  }

  std::shared_ptr<fault_node> add_node(const std::string& key, std::uint64_t synced_size) {
    auto n = std::make_shared<fault_node>();
    n->id = next_id++;
    n->key = key;
    n->synced_size = synced_size;
    nodes[key] = n;
    return n;
  }

  void move_node(fault_node& n, const std::string& to) {
    auto it = nodes.find(n.key);
    auto owned = it->second;
    nodes.erase(it);
    n.key = to;
    nodes[to] = std::move(owned);
  }

  // Visible entries of the tracked directory dir, as they stand now.
  std::map<std::string, std::shared_ptr<fault_node>, std::less<>> current_entries(const std::string& dir) const {
    std::map<std::string, std::shared_ptr<fault_node>, std::less<>> out;
    for (const auto& [key, node] : nodes) {
      if (!fault_hidden(key) && fault_parent(key) == dir) out.emplace(fault_name(key), node);
    }
    return out;
  }

  // Keys equal to `from` or under it move under `to` (a directory rename).
  void rekey(const std::string& from, const std::string& to) {
    auto moved = [&](const std::string& k) -> std::optional<std::string> {
      if (k == from) return to;
      if (from == "/" || from == ".") return std::nullopt;
      if (k.size() > from.size() && k.compare(0, from.size(), from) == 0 && k[from.size()] == '/') {
        return to + k.substr(from.size());
      }
      return std::nullopt;
    };
    decltype(nodes) new_nodes;
    for (auto& [key, node] : nodes) {
      if (auto m = moved(key)) node->key = *m;
      new_nodes[node->key] = std::move(node);
    }
    nodes = std::move(new_nodes);
    decltype(durable) new_durable;
    for (auto& [key, entries] : durable) new_durable[moved(key).value_or(key)] = std::move(entries);
    durable = std::move(new_durable);
  }
};

// Saves the bytes of [from, to) that lie inside n's durable range and still
// exist in f, before they are overwritten or truncated away.
inline status record_undo(file& f, fault_node& n, std::uint64_t from, std::uint64_t to) {
  if (from >= n.synced_size || from >= to) return {};
  auto cur = f.size();
  if (!cur) return cur.status();
  const std::uint64_t end = std::min({to, n.synced_size, *cur});
  if (end <= from) return {};
  std::string old(static_cast<std::size_t>(end - from), '\0');
  auto r = f.read_at(from, old.size(), old.data());
  if (!r) return r.status();
  const std::size_t got = r->size();
  old.resize(got);
  n.undo.emplace_back(from, std::move(old));
  return {};
}

inline constexpr std::uint64_t k_to_end = std::numeric_limits<std::uint64_t>::max();

inline status injected_status(op_kind k, const std::filesystem::path& p, const fault_hit& hit) {
  status s = errno_status(to_string(k), p, hit.error);
  return {s.code(), s.message() + " [injected by fault_fs at operation " + std::to_string(hit.op) + "]"};
}

inline status crashed_status(op_kind k, const std::filesystem::path& p) {
  return status::io_error(std::string(to_string(k)) + " " + p.string() + ": handle invalidated by fault_fs::crash()");
}

}  // namespace jadekv::inline v0::io::detail
