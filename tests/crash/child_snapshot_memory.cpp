// crash_child's snapshot_memory composition (compositions.hpp): writes
// survive only at completed checkpoints.
#include <jadekv/concurrency/single.hpp>
#include <jadekv/engine.hpp>
#include <jadekv/index/memory.hpp>
#include <jadekv/memtable/skiplist.hpp>
#include <jadekv/persist/snapshot.hpp>

#include "child_modes.hpp"
#include "compositions.hpp"

int crash::run_snapshot_memory(const child_args& a) {
  using db = jadekv::engine<jadekv::memtable::skiplist<>, jadekv::persist::snapshot<>, jadekv::index::memory<>,
                            jadekv::concurrency::single<>>;
  return run_mode<db>(a);
}
