// jadekv_lsm_engines: the LSM family of jadekv_bench (see jadekv_engines.cpp).
//
//   lsm                       skiplist + wal + lsm<leveled> + lock_free (= preset lsm_db)
//   lsm:skiplist/striped      skiplist + wal + lsm<leveled> + striped<16>
//   lsm:tiered                skiplist + wal + lsm<tiered>  + lock_free
//   lsm_db                    the preset, under its own name (family preset)
#include <jadekv/jadekv.hpp>

#include "jadekv_adapter.hpp"
#include "registry.hpp"

namespace bench {

void register_jadekv_lsm_engines(registry& r) {
  namespace kv = ::jadekv;
  r.add(jadekv_entry<kv::lsm_db>("lsm", "lsm", "skiplist", "lock_free", true, 0,
                                 "skiplist + wal + lsm<leveled> + lock_free (lsm_db)"));
  r.add(jadekv_entry<kv::lsm_db>("lsm_db", "preset", "", "", false, 0, "preset lsm_db"));
  using striped = kv::engine<kv::memtable::skiplist<>, kv::persist::wal<>, kv::index::lsm<>, kv::concurrency::striped<>>;
  r.add(jadekv_entry<striped>("lsm:skiplist/striped", "lsm", "skiplist", "striped", false, 0,
                              "skiplist + wal + lsm<leveled> + striped"));
  using tiered = kv::engine<kv::memtable::skiplist<>, kv::persist::wal<>, kv::index::lsm<kv::index::tiered<>>,
                            kv::concurrency::lock_free<>>;
  r.add(jadekv_entry<tiered>("lsm:tiered", "lsm", "skiplist", "lock_free", false, 0,
                             "skiplist + wal + lsm<tiered> + lock_free"));
}

}  // namespace bench
