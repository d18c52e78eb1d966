// peers: registration functions of the peer adapters. Each is defined in its
// own translation unit, compiled only when meson found the engine; only
// peer_engines.cpp knows which were.
#pragma once

#include "registry.hpp"

namespace bench {

void register_rocksdb(registry& r);   // rocksdb_engine.cpp
void register_leveldb(registry& r);   // leveldb_engine.cpp
void register_lmdb(registry& r);      // lmdb_engine.cpp: "lmdb" and "lmdb_batch"

}  // namespace bench
