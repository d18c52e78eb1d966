// crash_child's wal_bptree composition (compositions.hpp).
#include <jadekv/presets.hpp>

#include "child_modes.hpp"
#include "compositions.hpp"

int crash::run_wal_bptree(const child_args& a) { return run_mode<jadekv::bptree_db>(a); }
