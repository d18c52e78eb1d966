// crash_child: the engine side of the crash tests, one process per kill -9
// cycle half or per in-process check (command line: child_modes.hpp).
// The engine code borrows the conformance harness (its options), which
// includes doctest: this links doctest's implementation, with our own main.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdio>
#include <iterator>
#include <string_view>

#include "compositions.hpp"

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: crash_child write|verify|power|faults|fsync <composition> args...\n");
    return 64;
  }
  crash::child_args a{argv[1], argv[2], {}};
  for (int i = 3; i < argc; ++i) a.rest.emplace_back(argv[i]);
  using run_fn = int (*)(const crash::child_args&);
  constexpr run_fn runs[] = {crash::run_wal_memory, crash::run_snapshot_wal_memory, crash::run_snapshot_memory,
                             crash::run_wal_lsm,    crash::run_wal_bptree,          crash::run_wal_lsm_mvcc};
  static_assert(std::size(runs) == std::size(crash::k_composition_names));
  for (std::size_t i = 0; i < std::size(runs); ++i) {
    if (a.composition == crash::k_composition_names[i]) return runs[i](a);
  }
  std::fprintf(stderr, "crash_child: unknown composition '%s'\n", argv[2]);
  return 64;
}
