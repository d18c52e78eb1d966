// list_append: a concurrent list-append workload in the style of Jepsen's
// Elle, run against any store with jadekv's transaction API, recording a
// history for elle_checker.hpp.
//
// A transaction is 1..max_ops micro-ops over `keys` hot keys: read(k), or
// append(k, e), which reads k's value (a comma-separated list of integers),
// adds e and puts the list back. The read half of an append is recorded as a
// read, so a lost update shows as two committed appends built on the same
// list. Elements are unique across the run (thread t hands out t+1, t+1+T,
// t+1+2T, ... for T threads), so each one names its writer.
//
// Each hot key retires after max_appends_per_key appends and a fresh key takes
// its place: lists stay short, so reads, writes and the checker stay cheap.
//
// Thread safety: run_list_append starts opt.threads threads that share the DB
// and only the key slots below; each records its own part of the history.
#pragma once

#include <atomic>
#include <charconv>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <latch>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <jadekv/core/result.hpp>
#include <jadekv/core/status.hpp>
#include <jadekv/core/tx_options.hpp>

#include "history.hpp"

namespace elle {

// A store whose begin(tx_options) returns a transaction with get, put, commit
// and rollback as in jadekv's mvcc engines.
template <class DB>
concept transactional_store = requires(DB& db, const std::string& key) {
  requires requires(decltype(db.begin(jadekv::tx_options{}))& tx) {
    { tx.get(key) } -> std::same_as<jadekv::result<std::string>>;
    { tx.put(key, key) } -> std::same_as<jadekv::status>;
    { tx.commit() } -> std::same_as<jadekv::status>;
    tx.rollback();
  };
};

struct run_options {
  unsigned threads = 4;
  unsigned txns_per_thread = 500;
  unsigned keys = 3;     // hot keys in use at any moment
  unsigned max_ops = 4;  // micro-ops per transaction, at least 1
  std::uint64_t seed = 1;
  jadekv::isolation isolation = jadekv::isolation::snapshot;
  unsigned max_appends_per_key = 32;
  // Yield the CPU between micro-ops, so that transactions interleave even
  // when threads outnumber cores and a time slice would fit many of them.
  bool yield_between_ops = true;
};

struct run_result {
  elle::history history;
  // One line per failed transaction (an error other than a conflict, or a
  // value that is not a list): each one means the store or the run is broken.
  std::vector<std::string> errors;
  std::size_t committed = 0;
  std::size_t aborted = 0;
};

// The store key of a list; the prefix keeps the lists apart from other data.
inline std::string key_name(key_id k) { return "elle/" + std::to_string(k); }

// The list a value encodes ("" is the empty list), or nullopt when the value
// is not a comma-separated list of integers.
inline std::optional<std::vector<element>> parse_list(std::string_view value) {
  std::vector<element> out;
  if (value.empty()) return out;
  const char* p = value.data();
  const char* end = p + value.size();
  while (true) {
    element e = 0;
    auto [next, ec] = std::from_chars(p, end, e);
    if (ec != std::errc{} || next == p) return std::nullopt;
    out.push_back(e);
    if (next == end) return out;
    if (*next != ',') return std::nullopt;
    p = next + 1;
  }
}

// Runs the workload on opt.threads threads and returns the merged history.
// REQUIRES: every count in opt is at least 1.
template <transactional_store DB>
run_result run_list_append(DB& db, const run_options& opt);

// ---------------------------------------------------------------------------

namespace detail {

// The key each hot slot stands for: slot s moves to key s + keys * g after
// g * max_appends appends were handed out for it.
class key_slots {
 public:
  key_slots(unsigned keys, unsigned max_appends) : appends_(keys), keys_(keys), max_appends_(max_appends) {}

  key_id for_read(unsigned slot) const {
    // Relaxed: the count only picks a key; a stale one reads a retired key,
    // which is still a valid read.
    return key_of(slot, appends_[slot].load(std::memory_order_relaxed));
  }
  key_id for_append(unsigned slot) { return key_of(slot, appends_[slot].fetch_add(1, std::memory_order_relaxed)); }

 private:
  key_id key_of(unsigned slot, std::uint64_t appends) const {
    return static_cast<key_id>(slot + keys_ * (appends / max_appends_));
  }

  std::vector<std::atomic<std::uint64_t>> appends_;
  unsigned keys_;
  unsigned max_appends_;
};

struct planned_op {
  op_kind kind;
  unsigned slot;
};

inline void record_failure(transaction& t, const jadekv::status& s) {
  t.result = s.is_conflict() ? outcome::aborted : outcome::failed;
  t.error = s.to_string();
}

// Runs one transaction of `plan`; elements come from next_element, which
// advances by `stride`.
template <class DB>
transaction run_transaction(DB& db, const run_options& opt, std::uint64_t id, const std::vector<planned_op>& plan,
                            key_slots& slots, element& next_element, element stride) {
  transaction t;
  t.id = id;
  bool read_only = true;
  for (const planned_op& p : plan) read_only = read_only && p.kind == op_kind::read;
  auto tx = db.begin(jadekv::tx_options{.read_only = read_only, .isolation = opt.isolation});

  for (const planned_op& p : plan) {
    if (opt.yield_between_ops) std::this_thread::yield();
    const key_id k = p.kind == op_kind::append ? slots.for_append(p.slot) : slots.for_read(p.slot);
    const std::string name = key_name(k);
    jadekv::result<std::string> got = tx.get(name);
    std::string value;
    if (got) {
      value = std::move(*got);
    } else if (!got.status().is_not_found()) {
      record_failure(t, got.status());
      break;
    }
    std::optional<std::vector<element>> seen = parse_list(value);
    if (!seen) {
      record_failure(t, jadekv::status::corruption(name + " holds \"" + value + "\", not a list of integers"));
      break;
    }
    t.ops.push_back(micro_op::read(k, std::move(*seen)));
    if (p.kind == op_kind::read) continue;

    const element e = next_element;
    next_element += stride;
    if (!value.empty()) value += ',';
    value += std::to_string(e);
    // Recorded before the put's outcome is known: if the put failed the
    // transaction does not commit, and then nobody may ever see e.
    t.ops.push_back(micro_op::append(k, e));
    if (jadekv::status s = tx.put(name, value); !s.ok()) {
      record_failure(t, s);
      break;
    }
  }
  if (t.error.empty()) {
    // A failed commit leaves nothing behind, so there is nothing to roll back.
    if (jadekv::status s = tx.commit(); !s.ok()) record_failure(t, s);
  } else {
    static_cast<void>(tx.rollback());
  }
  return t;
}

}  // namespace detail

template <transactional_store DB>
run_result run_list_append(DB& db, const run_options& opt) {
  detail::key_slots slots(opt.keys, opt.max_appends_per_key);
  std::vector<history> parts(opt.threads);
  // Short transactions finish before the next thread starts unless all start together.
  std::latch start(opt.threads);
  std::vector<std::thread> workers;
  workers.reserve(opt.threads);
  for (unsigned thread = 0; thread < opt.threads; ++thread) {
    workers.emplace_back([&, thread] {
      std::mt19937_64 rng(opt.seed * 0x9E3779B97F4A7C15ull + thread);
      std::uniform_int_distribution<unsigned> op_count(1, opt.max_ops);
      std::uniform_int_distribution<unsigned> slot(0, opt.keys - 1);
      std::bernoulli_distribution is_append(0.5);
      element next_element = thread + 1;
      std::vector<detail::planned_op> plan;
      start.arrive_and_wait();
      for (unsigned i = 0; i < opt.txns_per_thread; ++i) {
        plan.resize(op_count(rng));
        for (auto& p : plan) p = {is_append(rng) ? op_kind::append : op_kind::read, slot(rng)};
        parts[thread].push_back(detail::run_transaction(db, opt, std::uint64_t{thread} * opt.txns_per_thread + i, plan,
                                                        slots, next_element, opt.threads));
      }
    });
  }
  for (auto& w : workers) w.join();

  run_result out;
  for (history& part : parts) {
    for (transaction& t : part) {
      if (t.result == outcome::committed) ++out.committed;
      if (t.result == outcome::aborted) ++out.aborted;
      if (t.result == outcome::failed) out.errors.push_back("T" + std::to_string(t.id) + ": " + t.error);
      out.history.push_back(std::move(t));
    }
  }
  return out;
}

}  // namespace elle
