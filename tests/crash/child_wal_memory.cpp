// crash_child's wal_memory composition (compositions.hpp).
#include <jadekv/presets.hpp>

#include "child_modes.hpp"
#include "compositions.hpp"

int crash::run_wal_memory(const child_args& a) { return run_mode<jadekv::striped_kv>(a); }
