// jadekv_engines: the jadekv engines the driver runs, every one with WAL
// persistence (every engine in a comparison runs with its WAL on):
//
//   family   name                      memtable  concurrency
//   memory   memory                    skiplist  lock_free   (family default)
//            memory:skiplist/striped   skiplist  striped<16>
//            memory:rbtree/striped     rbtree    striped<16>
//            memory:hash/striped       hash      striped<16>
//            memory:skiplist/single    skiplist  single      (one thread)
//   lsm      lsm, lsm:skiplist/striped, lsm:tiered  (jadekv_lsm_engines.cpp)
//   bptree   bptree, bptree:skiplist/striped        (jadekv_bptree_engines.cpp)
//   preset   memkv, striped_kv, cache_kv, single_kv  (presets.hpp, as
//            shipped: cache_kv and single_kv log nothing, so they sit outside
//            the WAL-on rule of a comparison; lsm_db and bptree_db register
//            with their families and are the lsm and bptree defaults)
//
// On-disk index families register from their own files (one translation unit
// per family keeps each compile small). --engine=memory --memtable=all picks
// every memory composition; --engine=preset every preset.
#include <jadekv/jadekv.hpp>

#include "jadekv_adapter.hpp"
#include "registry.hpp"

namespace bench {
namespace {

namespace kv = ::jadekv;

template <class M, class C>
void add_memory(registry& r, const std::string& memtable, const std::string& concurrency, bool family_default) {
  using db = kv::engine<M, kv::persist::wal<>, kv::index::memory<>, C>;
  const std::string name = family_default ? "memory" : "memory:" + memtable + "/" + concurrency;
  r.add(jadekv_entry<db>(name, "memory", memtable, concurrency, family_default, concurrency == "single" ? 1 : 0,
                         memtable + " + wal + memory + " + concurrency));
}

}  // namespace

void register_jadekv_engines(registry& r) {
  add_memory<kv::memtable::skiplist<>, kv::concurrency::lock_free<>>(r, "skiplist", "lock_free", true);
  add_memory<kv::memtable::skiplist<>, kv::concurrency::striped<>>(r, "skiplist", "striped", false);
  add_memory<kv::memtable::rbtree<>, kv::concurrency::striped<>>(r, "rbtree", "striped", false);
  add_memory<kv::memtable::hash<>, kv::concurrency::striped<>>(r, "hash", "striped", false);
  add_memory<kv::memtable::skiplist<>, kv::concurrency::single<>>(r, "skiplist", "single", false);
  r.add(jadekv_entry<kv::memkv>("memkv", "preset", "", "", false, 0, "preset memkv"));
  r.add(jadekv_entry<kv::striped_kv>("striped_kv", "preset", "", "", false, 0, "preset striped_kv"));
  r.add(jadekv_entry<kv::cache_kv>("cache_kv", "preset", "", "", false, 0, "preset cache_kv (no WAL: nothing on disk)"));
  r.add(jadekv_entry<kv::single_kv>("single_kv", "preset", "", "", false, 1,
                                    "preset single_kv (no WAL: nothing on disk; one thread)"));
  register_jadekv_lsm_engines(r);
  register_jadekv_bptree_engines(r);
  register_jadekv_mvcc_engines(r);
}

}  // namespace bench
