// The in-process crash checks, run by crash_child over fault_fs<memory_fs>
// (fault_fs lives in the process, so power loss cannot follow a real kill):
//
//   power_losses   the scripted run stopped at a random step, or by a
//                  persistent EIO from a random operation on, then crash()
//                  (everything not fsynced is lost): the reopened database
//                  keeps a prefix of the history holding every write
//                  acknowledged as durable.
//   fault_matrix   for every operation index N of the scripted run (every
//                  stride-th for a slice): N fails with EIO once, EIO from
//                  then on, ENOSPC once, ENOSPC from then on, or tears (a
//                  prefix lands, then EIO). The run stops at the error,
//                  which must be a clear status; persistent faults end in
//                  power loss. The reopen must succeed, with every write
//                  acknowledged (once: the OS kept them) or acknowledged as
//                  durable (persistent), as a prefix of the history.
//   fsync_sticky   a synced write whose log fsync fails is not acknowledged,
//                  and no later synced write is either: a failed fsync is
//                  never retried as a success.
// Each prints one summary line and returns the number of failures.
#pragma once

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <random>
#include <string>

#include <jadekv/io/fault_fs.hpp>
#include <jadekv/io/memory_fs.hpp>

#include "scripted_run.hpp"

namespace crash {

using fault_mem = kv::io::fault_fs<kv::io::memory_fs>;
inline constexpr std::size_t k_script_steps = 240;

// Power loss now: what is not durable goes, and the database (if still
// open) dies with every call failing, as the machine took it down.
template <class E>
void power_loss(fault_mem& fs, scripted_run<E>& run) {
  fs.fail_from(fs.operation_count() + 1);
  (void)fs.crash();
  run.db.reset();
  fs.clear_faults();
}

template <class E>
std::uint64_t operations_of_script(std::uint64_t seed) {
  auto fs = std::make_shared<fault_mem>();
  scripted_run<E> run(fs, seed, k_script_steps);
  run.run();
  return fs->operation_count();
}

template <class E>
int power_losses(const char* name, std::uint64_t runs, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  int failures = 0;
  std::uint64_t acked = 0, durable = 0, kept = 0;
  for (std::uint64_t i = 0; i < runs; ++i) {
    const std::uint64_t run_seed = seed + i;
    auto fs = std::make_shared<fault_mem>();
    scripted_run<E> run(fs, run_seed, k_script_steps);
    if (i % 2 == 0) {
      const std::uint64_t total = operations_of_script<E>(run_seed);
      fs->fail_from(std::uniform_int_distribution<std::uint64_t>(1, total)(rng));
      run.run();
    } else {
      run.run(std::uniform_int_distribution<std::size_t>(0, k_script_steps)(rng));
    }
    power_loss(*fs, run);
    const std::string why = run.verify(run.must_survive(true));
    acked += run.h.acked;
    durable += run.must_survive(true);
    kept += run.h.ops.size();
    if (!why.empty()) {
      ++failures;
      std::printf("%s power loss, run %llu (seed %llu):%s\n", name, static_cast<unsigned long long>(i),
                  static_cast<unsigned long long>(run_seed), why.c_str());
    }
  }
  std::printf("%s: %llu power losses, %llu ops attempted, %llu acknowledged, %llu acknowledged durable; %d holes or "
              "losses\n",
              name, static_cast<unsigned long long>(runs), static_cast<unsigned long long>(kept),
              static_cast<unsigned long long>(acked), static_cast<unsigned long long>(durable), failures);
  return failures;
}

enum class fault_kind { eio_once, eio_persistent, enospc_once, enospc_persistent, torn };
inline constexpr fault_kind k_fault_kinds[] = {fault_kind::eio_once, fault_kind::eio_persistent,
                                               fault_kind::enospc_once, fault_kind::enospc_persistent,
                                               fault_kind::torn};

inline const char* to_string(fault_kind k) {
  switch (k) {
    case fault_kind::eio_once: return "EIO once";
    case fault_kind::eio_persistent: return "EIO from then on";
    case fault_kind::enospc_once: return "ENOSPC once";
    case fault_kind::enospc_persistent: return "ENOSPC from then on";
    case fault_kind::torn: return "torn write";
  }
  return "?";
}

inline void inject(fault_mem& fs, fault_kind k, std::uint64_t n) {
  switch (k) {
    case fault_kind::eio_once: fs.fail_at(n, EIO); break;
    case fault_kind::eio_persistent: fs.fail_from(n, EIO); break;
    case fault_kind::enospc_once: fs.fail_at(n, ENOSPC); break;
    case fault_kind::enospc_persistent: fs.fail_from(n, ENOSPC); break;
    case fault_kind::torn: fs.tear_at(n, 1 + n % 23); break;
  }
}

// The status an injected fault may surface as.
inline bool clear_error(const kv::status& s, fault_kind k) {
  const bool no_space = k == fault_kind::enospc_once || k == fault_kind::enospc_persistent;
  return (no_space ? s.is_no_space() : s.is_io_error()) || s.is_corruption();
}

template <class E>
int fault_matrix(const char* name, std::uint64_t stride, std::uint64_t seed) {
  const std::uint64_t total = operations_of_script<E>(seed);
  int failures = 0;
  std::uint64_t cases = 0, surfaced = 0, absorbed = 0, acked = 0;
  for (std::uint64_t n = 1 + seed % stride; n <= total; n += stride) {
    for (const fault_kind k : k_fault_kinds) {
      const bool persistent = k == fault_kind::eio_persistent || k == fault_kind::enospc_persistent;
      auto fs = std::make_shared<fault_mem>();
      inject(*fs, k, n);
      scripted_run<E> run(fs, seed, k_script_steps);
      run.run();
      (void)run.close();
      std::string why;
      if (!run.error.ok()) {
        ++surfaced;
        if (!clear_error(run.error, k)) why += " unclear error: " + run.error.to_string() + ";";
      } else if (fs->injected_faults() > 0) {
        ++absorbed;  // e.g. a failed removal of an obsolete file, retried later
      }
      if (persistent) power_loss(*fs, run);
      fs->clear_faults();
      why += run.verify(run.must_survive(persistent));
      ++cases;
      acked += run.h.acked;
      if (!why.empty()) {
        ++failures;
        std::printf("%s fault matrix: %s at operation %llu of %llu:%s\n", name, to_string(k),
                    static_cast<unsigned long long>(n), static_cast<unsigned long long>(total), why.c_str());
      }
    }
  }
  std::printf("%s: fault matrix over %llu operations (every %llu-th) x 5 kinds = %llu runs, %llu returned an error, "
              "%llu absorbed the fault, %llu acknowledged ops checked; %d failures\n",
              name, static_cast<unsigned long long>(total), static_cast<unsigned long long>(stride),
              static_cast<unsigned long long>(cases), static_cast<unsigned long long>(surfaced),
              static_cast<unsigned long long>(absorbed), static_cast<unsigned long long>(acked), failures);
  return failures;
}

template <class E>
int fsync_sticky(const char* name) {
  if constexpr (!logs_writes<E>) {
    std::printf("%s: no log, no synced writes to check\n", name);
    return 0;
  } else {
    auto fs = std::make_shared<fault_mem>();
    scripted_run<E> run(fs, 7, 20);
    run.run(10);  // an open database with some writes
    std::string why;
    if (!run.db) why += " the first writes failed: " + run.error.to_string() + ";";
    for (int i = 0; run.db && i < 4; ++i) {
      if (i == 0) {
        kv::io::fault_spec f;
        f.at = fs->operation_count() + 1;
        f.kinds = kv::io::op_set::syncs();
        f.path = "/db/*.log*";  // a segment keeps the name it was created under (.tmp)
        fs->inject(f);
      }
      const std::string key = key_name(static_cast<std::uint32_t>(i));
      run.h.attempt(write_op{op_kind::put, {{static_cast<std::uint32_t>(i), 1000000u + static_cast<unsigned>(i)}}, true});
      const auto s = apply(*run.db, run.h.ops.back());
      if (s.ok()) why += " synced write " + std::to_string(i) + " after the failed fsync was acknowledged;";
      if (i == 0 && fs->injected_faults() != 1) why += " the log fsync was never attempted;";
      if (s.ok()) break;
    }
    power_loss(*fs, run);
    why += run.verify(run.must_survive(true));
    std::printf("%s: failed fsync%s\n", name, why.empty() ? " is sticky" : why.c_str());
    return why.empty() ? 0 : 1;
  }
}

}  // namespace crash
