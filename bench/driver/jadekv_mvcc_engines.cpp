// jadekv_mvcc_engines: concurrency::mvcc compositions in jadekv_bench (see
// jadekv_engines.cpp), in the families of their indexes.
//
//   lsm:skiplist/mvcc         skiplist + wal + lsm<leveled> + mvcc (= preset mvcc_db)
//   bptree:skiplist/mvcc      skiplist + wal + bptree + mvcc
//   mvcc_db                   the preset, under its own name (family preset)
#include <jadekv/jadekv.hpp>

#include "jadekv_adapter.hpp"
#include "registry.hpp"

namespace bench {

void register_jadekv_mvcc_engines(registry& r) {
  namespace kv = ::jadekv;
  r.add(jadekv_entry<kv::mvcc_db>("lsm:skiplist/mvcc", "lsm", "skiplist", "mvcc", false, 0,
                                  "skiplist + wal + lsm<leveled> + mvcc (mvcc_db)"));
  r.add(jadekv_entry<kv::mvcc_db>("mvcc_db", "preset", "", "", false, 0, "preset mvcc_db"));
  using bptree = kv::engine<kv::memtable::skiplist<>, kv::persist::wal<>, kv::index::bptree<>, kv::concurrency::mvcc<>>;
  r.add(jadekv_entry<bptree>("bptree:skiplist/mvcc", "bptree", "skiplist", "mvcc", false, 0,
                             "skiplist + wal + bptree + mvcc"));
}

}  // namespace bench
