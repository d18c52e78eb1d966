// The two halves of a kill -9 cycle, run by crash_child over posix_fs:
// write_until_killed (the child the parent SIGKILLs) and verify_after_kill
// (a fresh process that reopens the directory and checks it against the
// shared state; see shared_state.hpp for the protocol).
#pragma once

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>

#include "shared_state.hpp"
#include "workload.hpp"

namespace crash {

namespace detail {

// persist::snapshot<>: a checkpoint under the protocol of shared_state.hpp.
template <class E>
kv::status checkpoint_recorded(E& db, state_layout& st) {
  const std::uint64_t spare = 1 - load(st.checkpoint_current);
  for (std::uint32_t k = 0; k < k_keys; ++k) store(st.checkpoint[spare][k], load(st.committed[k]));
  store(st.checkpoint_pending, spare);
  if (auto s = maintain(db, maintenance::checkpoint); !s.ok()) return s;
  store(st.checkpoint_current, spare);
  store(st.checkpoint_pending, k_no_checkpoint);
  store(st.checkpoints, load(st.checkpoints) + 1);
  return {};
}

template <class E>
kv::status recorded_write(E& db, state_layout& st, const write_op& op) {
  for (std::size_t j = 0; j < op.writes.size(); ++j) {
    store(st.in_flight_key[j], op.writes[j].key);
    store(st.in_flight_before[j], load(st.committed[op.writes[j].key]));
    store(st.in_flight_after[j], op.writes[j].version);
  }
  store(st.in_flight_count, op.writes.size());
  store(st.in_flight, 1);
  if (auto s = apply(db, op); !s.ok()) return s;
  for (const auto& w : op.writes) store(st.committed[w.key], w.version);
  store(st.acked, load(st.acked) + 1);
  if (op.sync) store(st.acked_synced, load(st.acked_synced) + 1);
  store(st.in_flight, 0);
  return {};
}

}  // namespace detail

// Writes until killed (returns only on an error: 3 when open fails, 4 when
// a call fails).
template <class E>
int write_until_killed(const std::filesystem::path& dir, state_layout& st, std::uint64_t seed) {
  auto r = E::open(crash_options<E>(dir, kv::io::default_fs()));
  if (!r) {
    std::fprintf(stderr, "crash_child write: open failed: %s\n", r.status().to_string().c_str());
    return 3;
  }
  E& db = *r;
  // Synced writes are rare: an fsync costs milliseconds, and a cycle lasts
  // a fraction of a second. The phase of the maintenance calls varies with
  // the seed, so that short cycles reach them too.
  op_source source(seed, has_transactions<E>, 64);
  for (std::uint64_t i = 1 + seed % 128;; ++i) {
    kv::status s;
    if (checkpoints_only<E> && i % 64 == 0) {
      s = detail::checkpoint_recorded(db, st);
    } else if (i % 128 == 0) {
      s = maintain(db, static_cast<maintenance>((i / 128) % 3));
    } else {
      std::uint64_t next = load(st.next_version);
      const write_op op = source.next(next);
      store(st.next_version, next);
      s = detail::recorded_write(db, st, op);
    }
    if (!s.ok()) {
      std::fprintf(stderr, "crash_child write: step %llu failed: %s\n", static_cast<unsigned long long>(i),
                   s.to_string().c_str());
      return 4;
    }
  }
}

// Reopens after a kill and checks: 0 when all is well (and the shared state
// then holds what the database holds), 1 with problems, 2 when open fails.
template <class E>
int verify_after_kill(const std::filesystem::path& dir, state_layout& st) {
  const auto opt = crash_options<E>(dir, kv::io::default_fs());
  std::string why;
  {
    auto r = E::open(opt);
    if (!r) {
      std::printf("open failed: %s\n", r.status().to_string().c_str());
      return 2;
    }
    const observed o = observe(*r);
    why = o.problems;
    const bool in_flight = load(st.in_flight) != 0;
    if constexpr (logs_writes<E>) {
      std::vector<bool> flying(k_keys, false);
      bool all_before = true, all_after = true;
      for (std::uint64_t j = 0; in_flight && j < load(st.in_flight_count); ++j) {
        const auto k = load(st.in_flight_key[j]);
        flying[k] = true;
        all_before = all_before && o.versions[k] == load(st.in_flight_before[j]);
        all_after = all_after && o.versions[k] == load(st.in_flight_after[j]);
      }
      if (in_flight && !all_before && !all_after) why += " the call in flight landed in part (or invented);";
      for (std::uint32_t k = 0; k < k_keys; ++k) {
        if (flying[k] || o.versions[k] == load(st.committed[k])) continue;
        why += " " + key_name(k) + " holds v" + std::to_string(o.versions[k]) + ", acknowledged v" +
               std::to_string(load(st.committed[k])) + ";";
      }
    } else {
      auto holds = [&](std::uint64_t slot) {
        for (std::uint32_t k = 0; k < k_keys; ++k)
          if (o.versions[k] != load(st.checkpoint[slot][k])) return false;
        return true;
      };
      const std::uint64_t pending = load(st.checkpoint_pending);
      if (!holds(load(st.checkpoint_current)) && (pending == k_no_checkpoint || !holds(pending)))
        why += " the state is no completed (or in-flight) checkpoint;";
    }
    if (in_flight) store(st.kills_in_flight, load(st.kills_in_flight) + 1);
    const std::uint64_t current = load(st.checkpoint_current);
    for (std::uint32_t k = 0; k < k_keys; ++k) {
      store(st.committed[k], o.versions[k]);
      store(st.checkpoint[current][k], o.versions[k]);
    }
    store(st.checkpoint_pending, k_no_checkpoint);
    store(st.in_flight, 0);
    if (auto s = r->close(); !s.ok()) why += " close: " + s.to_string() + ";";
  }
  if (auto s = check_index<E>(opt); !s.ok()) why += " check(): " + s.to_string() + ";";
  if (!why.empty()) std::printf("%s\n", why.c_str());
  return why.empty() ? 0 : 1;
}

}  // namespace crash
