// jadekv_bptree_engines: the B+tree family of jadekv_bench (see jadekv_engines.cpp).
//
//   bptree                    skiplist + wal + bptree + lock_free (= preset bptree_db)
//   bptree:skiplist/striped   skiplist + wal + bptree + striped<16>
//   bptree_db                 the preset, under its own name (family preset)
#include <jadekv/jadekv.hpp>

#include "jadekv_adapter.hpp"
#include "registry.hpp"

namespace bench {

void register_jadekv_bptree_engines(registry& r) {
  namespace kv = ::jadekv;
  r.add(jadekv_entry<kv::bptree_db>("bptree", "bptree", "skiplist", "lock_free", true, 0,
                                    "skiplist + wal + bptree + lock_free (bptree_db)"));
  r.add(jadekv_entry<kv::bptree_db>("bptree_db", "preset", "", "", false, 0, "preset bptree_db"));
  using striped =
      kv::engine<kv::memtable::skiplist<>, kv::persist::wal<>, kv::index::bptree<>, kv::concurrency::striped<>>;
  r.add(jadekv_entry<striped>("bptree:skiplist/striped", "bptree", "skiplist", "striped", false, 0,
                              "skiplist + wal + bptree + striped"));
}

}  // namespace bench
