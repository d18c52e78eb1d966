// The engines explicit_instantiation_test uses through JADEKV_EXTERN_ENGINE:
// every preset and two compositions that exercise the members an
// instantiation must compile although the composition cannot call them
// (checkpoint() only with snapshots, begin() only with mvcc; clang before 16
// compiles them anyway). explicit_instantiation_defs.cpp defines them.
#pragma once

#include <jadekv/jadekv.hpp>

namespace extern_engines {
namespace kv = jadekv;
using snapshot_striped = kv::engine<kv::memtable::rbtree<>, kv::persist::snapshot<>, kv::index::memory<>,
                                    kv::concurrency::striped<4>>;
using hash_lsm = kv::engine<kv::memtable::hash<>, kv::persist::wal<>, kv::index::lsm<>, kv::concurrency::single<>>;
}  // namespace extern_engines

// One list for the extern declarations here and the definitions.
#define EXTERN_ENGINES_EACH(X)             \
  X(jadekv::lsm_db);                       \
  X(jadekv::mvcc_db);                      \
  X(jadekv::bptree_db);                    \
  X(jadekv::memkv);                        \
  X(jadekv::cache_kv);                     \
  X(jadekv::single_kv);                    \
  X(jadekv::striped_kv);                   \
  X(extern_engines::snapshot_striped);     \
  X(extern_engines::hash_lsm)

EXTERN_ENGINES_EACH(JADEKV_EXTERN_ENGINE);
