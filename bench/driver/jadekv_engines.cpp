// jadekv_engines: the jadekv engines the driver runs. Every preset, and the
// main compositions by index family, each with WAL persistence (every engine
// in a comparison runs with its WAL on):
//
//   family   name                      memtable  concurrency
//   memory   memory                    skiplist  mvcc        (family default)
//            memory:skiplist/lock_free skiplist  lock_free
//            memory:skiplist/striped   skiplist  striped
//            memory:rbtree/striped     rbtree    striped
//            memory:hash/striped       hash      striped
//            memory:skiplist/single    skiplist  single      (one thread)
//   lsm      lsm                       skiplist  mvcc        (family default)
//            lsm:skiplist/striped      skiplist  striped
//   bptree   bptree                    skiplist  mvcc        (family default)
//            bptree:skiplist/striped   skiplist  striped
//   preset   lsm_db, bptree_db, memkv  (presets.hpp, as shipped)
//
// --engine=memory --memtable=all picks every memory composition;
// --engine=preset every preset. Each composition instantiates a whole engine:
// split this file by family if its compile time grows too long.
#include <jadekv/jadekv.hpp>

#include "jadekv_adapter.hpp"
#include "registry.hpp"

namespace bench {
namespace {

namespace kv = ::jadekv;

template <class M, class I, class C>
using composed = kv::engine<M, kv::persist::wal<>, I, C>;

template <class M, class I, class C>
void add(registry& r, const std::string& family, const std::string& memtable, const std::string& concurrency,
         bool family_default) {
  const std::string name = family_default ? family : family + ":" + memtable + "/" + concurrency;
  r.add(jadekv_entry<composed<M, I, C>>(name, family, memtable, concurrency, family_default,
                                        concurrency == "single" ? 1 : 0,
                                        memtable + " + wal + " + family + " + " + concurrency));
}

template <class I>
void add_family(registry& r, const std::string& family) {
  add<kv::memtable::skiplist<>, I, kv::concurrency::mvcc<>>(r, family, "skiplist", "mvcc", true);
  add<kv::memtable::skiplist<>, I, kv::concurrency::striped<>>(r, family, "skiplist", "striped", false);
}

}  // namespace

void register_jadekv_engines(registry& r) {
  add_family<kv::index::memory<>>(r, "memory");
  add<kv::memtable::skiplist<>, kv::index::memory<>, kv::concurrency::lock_free<>>(r, "memory", "skiplist",
                                                                                   "lock_free", false);
  add<kv::memtable::rbtree<>, kv::index::memory<>, kv::concurrency::striped<>>(r, "memory", "rbtree", "striped",
                                                                               false);
  add<kv::memtable::hash<>, kv::index::memory<>, kv::concurrency::striped<>>(r, "memory", "hash", "striped", false);
  add<kv::memtable::skiplist<>, kv::index::memory<>, kv::concurrency::single<>>(r, "memory", "skiplist", "single",
                                                                                false);
  add_family<kv::index::lsm<>>(r, "lsm");
  add_family<kv::index::bptree<>>(r, "bptree");
  r.add(jadekv_entry<kv::lsm_db>("lsm_db", "preset", "", "", false, 0, "preset lsm_db"));
  r.add(jadekv_entry<kv::bptree_db>("bptree_db", "preset", "", "", false, 0, "preset bptree_db"));
  r.add(jadekv_entry<kv::memkv>("memkv", "preset", "", "", false, 0, "preset memkv"));
}

}  // namespace bench
