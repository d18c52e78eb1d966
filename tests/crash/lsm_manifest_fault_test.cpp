// A failing test, not registered in meson (see the crash-test report): over
// wal + lsm, one failed write or sync of the manifest (EIO or ENOSPC once,
// or a torn append), with the OS otherwise intact, leaves a directory whose
// next open fails with corruption:
//   "MANIFEST-000001 record at offset 329: deletes table 3 that level 0 does
//    not hold" (EIO once on the manifest sync of a compaction), and
//   "lsm: MANIFEST-000001 at offset 188: unknown fragment type 134",
//   "fragment checksum mismatch" (a torn manifest append, then more edits).
// Found by the fault matrix (crash_child faults wal_lsm 1 1); the operation
// numbers below are those of that script, scanned over a window because the
// flush thread can shift them by one or two.
//
// Build by hand (from the worktree):
//   g++ -std=c++20 -Iinclude tests/main.cpp tests/crash/lsm_manifest_fault_test.cpp -pthread
#include <doctest/doctest.h>

#include <jadekv/presets.hpp>

#include "in_process_modes.hpp"

namespace {

int failures_in(crash::fault_kind kind, std::uint64_t from, std::uint64_t to) {
  int failures = 0;
  for (std::uint64_t n = from; n <= to; ++n) {
    auto fs = std::make_shared<crash::fault_mem>();
    crash::inject(*fs, kind, n);
    crash::scripted_run<jadekv::lsm_db> run(fs, 1, crash::k_script_steps);
    run.run();
    (void)run.close();
    fs->clear_faults();
    const std::string why = run.verify(run.must_survive(false));
    if (!why.empty() && why.find("ends at sequence 0") == std::string::npos) {  // that one is the wal's bug
      ++failures;
      CHECK_MESSAGE(why.empty(), std::string(crash::to_string(kind)), " at operation ", n, ":", why);
    }
  }
  return failures;
}

}  // namespace

TEST_CASE("wal + lsm: a failed manifest sync (EIO once) leaves a directory that opens") {
  CHECK(failures_in(crash::fault_kind::eio_once, 205, 215) == 0);
}

TEST_CASE("wal + lsm: a torn manifest append leaves a directory that opens") {
  CHECK(failures_in(crash::fault_kind::torn, 204, 212) == 0);
  CHECK(failures_in(crash::fault_kind::torn, 490, 500) == 0);
}
