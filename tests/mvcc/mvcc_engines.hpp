// The mvcc compositions the tests in this directory run over, one per
// index, opened on a fresh memory file system with the conformance
// harness's small sizes (many flushes, compactions, B+tree commits and,
// for the memory index, collections).
#pragma once

#include <jadekv/concurrency/mvcc.hpp>
#include <jadekv/engine.hpp>
#include <jadekv/index/bptree.hpp>
#include <jadekv/index/lsm.hpp>
#include <jadekv/index/memory.hpp>
#include <jadekv/memtable/skiplist.hpp>
#include <jadekv/persist/wal.hpp>

#include "../conformance/harness.hpp"

namespace mvcc_test {

namespace kv = jadekv;

template <class Index>
using mvcc_engine = kv::engine<kv::memtable::skiplist<>, kv::persist::wal<>, Index, kv::concurrency::mvcc<>>;

using memory_db = mvcc_engine<kv::index::memory<>>;
using lsm_db = mvcc_engine<kv::index::lsm<>>;
using bptree_db = mvcc_engine<kv::index::bptree<>>;

}  // namespace mvcc_test
