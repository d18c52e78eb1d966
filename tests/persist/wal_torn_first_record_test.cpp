// persist::wal keeps its sequence numbers when the only segment left holds
// an intact header followed by a torn first record.
//
// The case arises in every engine over an on-disk index: the memtable is
// flushed, the segments before the new one are released, and the disk fails
// (or power goes) while the first record of the new segment is written.
// Recovery used to take the segment's first sequence from its header only
// when the first record read back whole, so last_sequence() came back 0, the
// next write got sequence 1 and engine::open refused the directory ("the log
// ends at sequence 0 but the index holds sequence N"). Found by the fault
// matrix in tests/crash.
#include <doctest/doctest.h>

#include <memory>

#include <jadekv/io/fault_fs.hpp>
#include <jadekv/io/memory_fs.hpp>
#include <jadekv/persist/wal.hpp>

namespace kv = jadekv;

TEST_CASE("wal: a torn first record after an intact header keeps the sequence numbers") {
  auto fs = std::make_shared<kv::io::fault_fs<kv::io::memory_fs>>();
  {
    auto w = kv::persist::wal<>::open(fs, "/db", {});
    REQUIRE(w);
    REQUIRE(w->recover([](const kv::write_batch&) {}).ok());
    for (int i = 0; i < 5; ++i) {
      kv::write_batch b;
      b.put("k" + std::to_string(i), "v");
      REQUIRE(w->append(b, {}).ok());
    }
    auto next = w->switch_segment();
    REQUIRE(next);
    REQUIRE(w->release_segments_before(*next).ok());  // the memtable went into the index
    fs->tear_at(fs->operation_count() + 1, 3);        // the first record of the new segment is torn
    kv::write_batch b;
    b.put("k5", "v");
    CHECK_FALSE(w->append(b, {}).ok());
  }
  fs->clear_faults();
  auto w = kv::persist::wal<>::open(fs, "/db", {});
  REQUIRE(w);
  REQUIRE(w->recover([](const kv::write_batch&) {}).ok());
  CHECK(w->last_sequence() == 5);
  kv::write_batch b;
  b.put("k6", "v");
  REQUIRE(w->append(b, {}).ok());
  CHECK(b.sequence() == 6);
}
