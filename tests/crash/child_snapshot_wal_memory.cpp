// crash_child's snapshot_wal_memory composition (compositions.hpp).
#include <jadekv/presets.hpp>

#include "child_modes.hpp"
#include "compositions.hpp"

int crash::run_snapshot_wal_memory(const child_args& a) { return run_mode<jadekv::memkv>(a); }
