// Linearizability of single (calls serialised by the caller, as it
// requires) and striped<4> engines.
#include <jadekv/concurrency/single.hpp>
#include <jadekv/concurrency/striped.hpp>
#include <jadekv/index/memory.hpp>
#include <jadekv/memtable/rbtree.hpp>
#include <jadekv/memtable/skiplist.hpp>
#include <jadekv/persist/none.hpp>
#include <jadekv/persist/wal.hpp>

#include "engine_suite.hpp"

namespace kv = jadekv;

TEST_CASE("linearizability: single, skiplist over memory") {
  linearizability::check_engine<
      kv::engine<kv::memtable::skiplist<>, kv::persist::none<>, kv::index::memory<>, kv::concurrency::single<>>>();
}

TEST_CASE("linearizability: striped<4>, rbtree with wal over memory") {
  linearizability::check_engine<
      kv::engine<kv::memtable::rbtree<>, kv::persist::wal<>, kv::index::memory<>, kv::concurrency::striped<4>>>();
}
