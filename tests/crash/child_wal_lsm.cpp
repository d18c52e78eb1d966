// crash_child's wal_lsm composition (compositions.hpp).
#include <jadekv/presets.hpp>

#include "child_modes.hpp"
#include "compositions.hpp"

int crash::run_wal_lsm(const child_args& a) { return run_mode<jadekv::lsm_db>(a); }
