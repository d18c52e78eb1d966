// crash_child's wal_lsm_mvcc composition (compositions.hpp).
#include <jadekv/presets.hpp>

#include "child_modes.hpp"
#include "compositions.hpp"

int crash::run_wal_lsm_mvcc(const child_args& a) { return run_mode<jadekv::mvcc_db>(a); }
