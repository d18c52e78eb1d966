// registry: the engines this build of the driver can run, and how --engine,
// --memtable and --concurrency select among them.
//
// Selection (--engine takes a comma list; empty means "default"):
//   default        every peer, plus each jadekv family's default composition
//                  (or, with --memtable/--concurrency given, the compositions
//                  that match them in every family that has a default)
//   all            every registered engine
//   peers          every peer
//   <name>         that engine
//   <family>       the family's default composition (all of the family when
//                  it has none), or with --memtable / --concurrency given,
//                  every composition of the family that matches them ("all"
//                  matches any)
// The order of the result is the registration order, without duplicates.
#pragma once

#include <string>
#include <vector>

#include "engine.hpp"

namespace bench {

class registry {
 public:
  // REQUIRES: no engine of that name registered yet.
  void add(engine_entry e);
  const std::vector<engine_entry>& entries() const noexcept { return entries_; }
  const engine_entry* find(const std::string& name) const noexcept;

  // Engines chosen by the three flags; on an unknown name or an empty choice,
  // an empty result and `error` says why.
  std::vector<const engine_entry*> select(const std::vector<std::string>& engines,
                                          const std::vector<std::string>& memtables,
                                          const std::vector<std::string>& concurrencies,
                                          std::string& error) const;

 private:
  std::vector<engine_entry> entries_;
};

// Registers RocksDB, LevelDB and LMDB, those this build found (peer_engines.cpp).
void register_peer_engines(registry& r);

// Registers the jadekv presets and compositions: the memory family and the
// presets (jadekv_engines.cpp), which calls the on-disk families' own
// registrations (jadekv_lsm_engines.cpp, jadekv_bptree_engines.cpp).
void register_jadekv_engines(registry& r);
void register_jadekv_lsm_engines(registry& r);
void register_jadekv_bptree_engines(registry& r);
void register_jadekv_mvcc_engines(registry& r);

}  // namespace bench
