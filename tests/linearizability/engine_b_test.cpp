// Linearizability of lock_free and mvcc engines, over indexes that flush
// (the memtable switches and flushes happen during the histories).
#include <jadekv/concurrency/lock_free.hpp>
#include <jadekv/concurrency/mvcc.hpp>
#include <jadekv/index/bptree.hpp>
#include <jadekv/index/lsm.hpp>
#include <jadekv/memtable/skiplist.hpp>
#include <jadekv/persist/wal.hpp>

#include "engine_suite.hpp"

namespace kv = jadekv;

TEST_CASE("linearizability: lock_free, skiplist with wal over lsm") {
  linearizability::check_engine<
      kv::engine<kv::memtable::skiplist<>, kv::persist::wal<>, kv::index::lsm<>, kv::concurrency::lock_free<>>>();
}

TEST_CASE("linearizability: mvcc, skiplist with wal over bptree") {
  linearizability::check_engine<
      kv::engine<kv::memtable::skiplist<>, kv::persist::wal<>, kv::index::bptree<>, kv::concurrency::mvcc<>>>();
}
