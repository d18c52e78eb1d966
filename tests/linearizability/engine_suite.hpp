// The linearizability check of one engine: histories of 2-4 threads over
// 2-4 hot keys, each checked per key. A composition that flushes gets a
// tiny memtable so that the histories cross memtable switches and flushes.
#pragma once

#include <doctest/doctest.h>

#include <cstdint>
#include <string>

#include <jadekv/engine.hpp>

#include "../conformance/harness.hpp"
#include "checker.hpp"
#include "runner.hpp"

namespace linearizability {

template <class E>
void check_engine() {
  for (std::uint64_t seed = 1; seed <= 6; ++seed) {
    conformance::harness<E> h;
    auto o = h.options();
    if constexpr (conformance::on_disk<E>) o.memtable_bytes = 4 << 10;
    E db = h.open(o);
    const workload w{.threads = 2 + seed % 3, .keys = 2 + (seed / 3) % 3, .ops_per_thread = 250, .seed = seed};
    CAPTURE(w.threads);
    CAPTURE(w.keys);
    CAPTURE(seed);
    run_result r;
    if constexpr (E::concurrency_type::thread_safe) {
      r = run(db, w);
    } else {
      serialised<E> one_at_a_time(db);
      r = run(one_at_a_time, w);
    }
    REQUIRE_MESSAGE(r.error.empty(), r.error);
    // Only a history whose calls overlap says anything about concurrency; on a
    // loaded machine one thread may rarely run alone, so this only warns.
    WARN(overlapping(r.h) > 0);
    const verdict v = check(r.h);
    CHECK_MESSAGE(v.linearizable, v.explanation);
    REQUIRE(db.close().ok());
  }
}

}  // namespace linearizability
