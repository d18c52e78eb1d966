// The durable compositions the crash tests cover, by name: each has its own
// translation unit (child_<name>.cpp) defining run_<name>.
//
//   wal_memory           rbtree + wal + memory + striped<16> (striped_kv)
//   snapshot_wal_memory  skiplist + snapshot<wal> + memory + lock_free (memkv)
//   snapshot_memory      skiplist + snapshot<> + memory + single: writes
//                        survive only at checkpoints
//   wal_lsm              skiplist + wal + lsm + lock_free (lsm_db)
//   wal_bptree           skiplist + wal + bptree + lock_free (bptree_db)
//   wal_lsm_mvcc         skiplist + wal + lsm + mvcc, with transactions (mvcc_db)
#pragma once

#include "child_args.hpp"

namespace crash {

int run_wal_memory(const child_args& a);
int run_snapshot_wal_memory(const child_args& a);
int run_snapshot_memory(const child_args& a);
int run_wal_lsm(const child_args& a);
int run_wal_bptree(const child_args& a);
int run_wal_lsm_mvcc(const child_args& a);

// In the order of the run functions above; crash_test.cpp runs every one.
inline constexpr const char* k_composition_names[] = {"wal_memory", "snapshot_wal_memory", "snapshot_memory",
                                                      "wal_lsm",    "wal_bptree",          "wal_lsm_mvcc"};

}  // namespace crash
