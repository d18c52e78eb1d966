// jadekv.hpp: the umbrella header; everything a user needs.
#pragma once

#include "jadekv/core/arena.hpp"
#include "jadekv/core/coding.hpp"
#include "jadekv/core/comparator.hpp"
#include "jadekv/core/concurrent_arena.hpp"
#include "jadekv/core/crc32c.hpp"
#include "jadekv/core/internal_key.hpp"
#include "jadekv/core/result.hpp"
#include "jadekv/core/status.hpp"
#include "jadekv/memtable/concepts.hpp"
#include "jadekv/memtable/hash.hpp"
#include "jadekv/memtable/rbtree.hpp"
#include "jadekv/memtable/skiplist.hpp"
