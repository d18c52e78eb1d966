// Over wal + lsm, one failed write or sync of the manifest (EIO or ENOSPC
// once, or a torn append), with the OS otherwise intact, must leave a
// directory that opens with every acknowledged write. It used not to: later
// edits were appended behind the failed one, and the next open found
// "deletes table 3 that level 0 does not hold" (a compaction edit whose sync
// failed, applied again) or "unknown fragment type" (edits behind a torn
// one). Each run fails the first manifest operation of the chosen kind at
// or after operation N of the fault matrix's script, for N across the whole
// script, so every manifest append and sync is hit whatever the flush
// thread does to the numbering.
#include <doctest/doctest.h>

#include <cerrno>
#include <string>

#include <jadekv/presets.hpp>

#include "in_process_modes.hpp"

namespace {

namespace kv = jadekv;

// Runs with faults on the manifest, and the failures found.
int failures_with(kv::io::op_kind kind, int error, std::size_t torn_prefix) {
  const std::uint64_t total = crash::operations_of_script<kv::lsm_db>(1);
  int failures = 0, surfaced = 0;
  for (std::uint64_t n = 1; n <= total; n += 5) {
    auto fs = std::make_shared<crash::fault_mem>();
    kv::io::fault_spec f;
    f.at = n;
    f.path = "*MANIFEST-*";
    f.kinds = kind;
    f.error = error;
    f.torn_prefix = torn_prefix;
    fs->inject(f);
    crash::scripted_run<kv::lsm_db> run(fs, 1, crash::k_script_steps);
    run.run();
    (void)run.close();
    if (!run.error.ok()) ++surfaced;
    fs->clear_faults();
    const std::string why = run.verify(run.must_survive(false));
    if (!why.empty()) {
      ++failures;
      CHECK_MESSAGE(why.empty(), kv::io::to_string(kind), " fault at or after operation ", n, ":", why);
    }
  }
  CHECK(surfaced > 0);  // the faults were hit: the script writes the manifest
  return failures;
}

}  // namespace

TEST_CASE("wal + lsm: a failed manifest sync (EIO, ENOSPC once) leaves a directory that opens") {
  CHECK(failures_with(kv::io::op_kind::sync, EIO, 0) == 0);
  CHECK(failures_with(kv::io::op_kind::sync, ENOSPC, 0) == 0);
}

TEST_CASE("wal + lsm: a torn or failed manifest append leaves a directory that opens") {
  CHECK(failures_with(kv::io::op_kind::append, EIO, 7) == 0);
  CHECK(failures_with(kv::io::op_kind::append, ENOSPC, 0) == 0);
}
