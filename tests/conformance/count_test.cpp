// How many compositions the suite covers: every valid cell of the policy
// product is instantiated by exactly one shard, and every invalid one is
// proven by tests/conformance/invalid_compositions.sh to fail with its rule.
#include <doctest/doctest.h>

#include "compositions.hpp"

TEST_CASE("the composition list covers the whole policy product") {
  constexpr std::size_t valid = std::tuple_size_v<conformance::all_valid>;
  constexpr std::size_t invalid = std::tuple_size_v<conformance::all_invalid>;
  constexpr std::size_t product = std::tuple_size_v<conformance::memtables> * std::tuple_size_v<conformance::persists> *
                                  std::tuple_size_v<conformance::indexes> *
                                  std::tuple_size_v<conformance::concurrencies>;
  MESSAGE(valid << " valid compositions, " << invalid << " invalid, of " << product);
  CHECK(valid + invalid == product);
  // lock_free and mvcc are invalid exactly over the 2 memtables without
  // concurrent inserts; the 2 snapshot policies are invalid with the 2
  // on-disk indexes (8 memtable x concurrency pairs are not already invalid).
  constexpr std::size_t lock_free_invalid =
      2 * 2 * std::tuple_size_v<conformance::persists> * std::tuple_size_v<conformance::indexes>;
  constexpr std::size_t snapshot_invalid = 2 * 2 * 8;
  CHECK(invalid == lock_free_invalid + snapshot_invalid);
  CHECK(valid == 8 * (4 + 2 * 2));  // index::memory with every persist; lsm and bptree with none and wal
  CHECK(std::tuple_size_v<conformance::with_snapshots<conformance::all_valid>::type> == 8);
}
