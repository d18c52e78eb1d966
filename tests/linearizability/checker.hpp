// A linearizability checker for histories of registers (history.hpp), in
// the manner of Wing & Gong with Lowe's memoisation: a depth-first search
// for a sequential order that respects real time (an operation may go next
// only if no pending operation returned before it was invoked) and the
// register's semantics (a get reads the last put, or not found after an
// erase or before any put), remembering every (operations placed, register
// value) pair already explored so that each is explored once.
//
// Linearizability is compositional (Herlihy & Wing), so a history of many
// keys is linearizable exactly when each key's sub-history is: check() runs
// the search key by key, which keeps each search small.
//
// Thread safety: pure functions.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "history.hpp"

namespace linearizability {

struct verdict {
  bool linearizable = true;
  std::string explanation;  // when not: the key, how far the search got, and what could not go next
};

namespace detail {

inline std::string describe(const operation& o) {
  std::string s = "T" + std::to_string(o.thread) + " ";
  switch (o.kind) {
    case op_kind::put: s += "put(" + o.key + ", " + o.value + ")"; break;
    case op_kind::erase: s += "erase(" + o.key + ")"; break;
    case op_kind::get: s += "get(" + o.key + ") -> " + (o.result ? *o.result : std::string("not found")); break;
  }
  return s + " [" + std::to_string(o.invoke) + ", " + std::to_string(o.ret) + "]";
}

class key_search {
 public:
  explicit key_search(std::vector<const operation*> ops) : ops_(std::move(ops)) {
    std::sort(ops_.begin(), ops_.end(), [](const operation* a, const operation* b) { return a->invoke < b->invoke; });
    std::map<std::string, int> ids;
    for (const operation* o : ops_) {
      if (o->kind == op_kind::put) ids.emplace(o->value, static_cast<int>(ids.size()));
    }
    for (const operation* o : ops_) {
      int id = k_absent;
      if (o->kind == op_kind::put) id = ids.at(o->value);
      if (o->kind == op_kind::get && o->result) {
        const auto it = ids.find(*o->result);
        id = it == ids.end() ? k_never_written : it->second;
      }
      value_id_.push_back(id);
    }
    placed_.assign((ops_.size() + 63) / 64, 0);
  }

  verdict run() {
    if (search(0, k_absent)) return {};
    verdict v;
    v.linearizable = false;
    v.explanation = "key " + ops_.front()->key + ": no linearization of its " + std::to_string(ops_.size()) +
                    " operations; at most " + std::to_string(best_depth_) +
                    " can be ordered; that order ends with" + best_tail_ + "\nand none of these can go next:" + best_stuck_;
    return v;
  }

 private:
  static constexpr int k_absent = -1;
  static constexpr int k_never_written = -2;
  static constexpr std::size_t k_tail = 6;  // operations of the longest order shown

  bool is_placed(std::size_t i) const noexcept { return ((placed_[i / 64] >> (i % 64)) & 1u) != 0; }
  void flip(std::size_t i) noexcept { placed_[i / 64] ^= std::uint64_t{1} << (i % 64); }

  // The register after op i, or nullopt when op i cannot happen in `state`.
  std::optional<int> apply(std::size_t i, int state) const {
    switch (ops_[i]->kind) {
      case op_kind::put: return value_id_[i];
      case op_kind::erase: return k_absent;
      case op_kind::get: return value_id_[i] == state ? std::optional<int>(state) : std::nullopt;
    }
    return std::nullopt;
  }

  std::string memo_key(int state) const {
    std::string k(reinterpret_cast<const char*>(placed_.data()), placed_.size() * sizeof(std::uint64_t));
    k.append(reinterpret_cast<const char*>(&state), sizeof state);
    return k;
  }

  bool search(std::size_t depth, int state) {
    if (depth == ops_.size()) return true;
    // Only an operation invoked before every pending one returned may go next.
    std::uint64_t min_ret = ~std::uint64_t{0};
    for (std::size_t i = 0; i < ops_.size(); ++i) {
      if (!is_placed(i)) min_ret = std::min(min_ret, ops_[i]->ret);
    }
    std::string stuck;
    for (std::size_t i = 0; i < ops_.size() && ops_[i]->invoke < min_ret; ++i) {
      if (is_placed(i)) continue;
      const auto next = apply(i, state);
      if (!next) {
        stuck += "\n  " + describe(*ops_[i]);
        continue;
      }
      flip(i);
      path_.push_back(i);
      if (memo_.insert(memo_key(*next)).second && search(depth + 1, *next)) return true;
      path_.pop_back();
      flip(i);
    }
    if (depth >= best_depth_ && !stuck.empty()) {
      best_depth_ = depth;
      best_stuck_ = stuck;
      best_tail_.clear();
      for (std::size_t k = path_.size() > k_tail ? path_.size() - k_tail : 0; k < path_.size(); ++k) {
        best_tail_ += "\n  " + describe(*ops_[path_[k]]);
      }
    }
    return false;
  }

  std::vector<const operation*> ops_;
  std::vector<int> value_id_;  // per op: the put's value, or the get's result (k_absent: not found)
  std::vector<std::uint64_t> placed_;
  std::unordered_set<std::string> memo_;
  std::vector<std::size_t> path_;  // the order being tried
  std::size_t best_depth_ = 0;
  std::string best_tail_;
  std::string best_stuck_;
};

}  // namespace detail

// Checks every key of h on its own; the first key without a linearization.
// REQUIRES: every operation completed, and every key started not found.
inline verdict check(const history& h) {
  std::map<std::string_view, std::vector<const operation*>> by_key;
  for (const auto& o : h) by_key[o.key].push_back(&o);
  for (auto& [key, ops] : by_key) {
    verdict v = detail::key_search(std::move(ops)).run();
    if (!v.linearizable) return v;
  }
  return {};
}

}  // namespace linearizability
