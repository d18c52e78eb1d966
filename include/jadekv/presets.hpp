// presets: named compositions users reach for first. Each is a plain alias of
// engine<M, P, I, C>.
//
//   lsm_db          LevelDB's shape: logged writes into a lock-free skiplist,
//                   flushed into an LSM tree with leveled compaction; any
//                   number of threads, readers never wait for writers.
//   mvcc_db         lsm_db with snapshots and optimistic transactions
//                   (Badger's shape): readers never wait, writers commit
//                   transactions validated at snapshot or serializable
//                   isolation.
//   bptree_db       LotusDB's shape: the same front end, flushed into a paged
//                   copy-on-write B+tree; reads cost one tree descent.
//   memkv           a durable in-memory store: every write logged (kill -9
//                   safe; sync per write on request), the data set in memory,
//                   snapshots keep the log short. Thread-safe, lock-free reads.
//   cache_kv        a fast volatile cache: nothing on disk, lock-free skiplist,
//                   any number of threads.
//   single_kv       the leanest engine: one thread, no locks, nothing on disk.
//   striped_kv      many writers on an ordered red-black tree: 16 shards under
//                   reader-writer locks, logged.
#pragma once

#include "jadekv/concurrency/lock_free.hpp"
#include "jadekv/concurrency/mvcc.hpp"
#include "jadekv/concurrency/single.hpp"
#include "jadekv/concurrency/striped.hpp"
#include "jadekv/engine.hpp"
#include "jadekv/index/bptree.hpp"
#include "jadekv/index/lsm.hpp"
#include "jadekv/index/memory.hpp"
#include "jadekv/memtable/rbtree.hpp"
#include "jadekv/memtable/skiplist.hpp"
#include "jadekv/persist/none.hpp"
#include "jadekv/persist/snapshot.hpp"
#include "jadekv/persist/wal.hpp"

namespace jadekv::inline v0 {

using lsm_db = engine<memtable::skiplist<>, persist::wal<>, index::lsm<>, concurrency::lock_free<>>;
using mvcc_db = engine<memtable::skiplist<>, persist::wal<>, index::lsm<>, concurrency::mvcc<>>;
using bptree_db = engine<memtable::skiplist<>, persist::wal<>, index::bptree<>, concurrency::lock_free<>>;
using memkv = engine<memtable::skiplist<>, persist::snapshot<persist::wal<>>, index::memory<>, concurrency::lock_free<>>;
using cache_kv = engine<memtable::skiplist<>, persist::none<>, index::memory<>, concurrency::lock_free<>>;
using single_kv = engine<memtable::skiplist<>, persist::none<>, index::memory<>, concurrency::single<>>;
using striped_kv = engine<memtable::rbtree<>, persist::wal<>, index::memory<>, concurrency::striped<16>>;

}  // namespace jadekv::inline v0
