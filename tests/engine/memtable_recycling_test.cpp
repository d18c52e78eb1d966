// The engine's memtables reuse the arena blocks of the memtables flushed
// before them (core/block_recycler.hpp), without changing what is stored.
#include <jadekv/io/memory_fs.hpp>
#include <jadekv/jadekv.hpp>

#include <doctest/doctest.h>

#include <cstddef>
#include <memory>
#include <string>

namespace {

namespace kv = jadekv;

std::string key_of(int i) { return "key" + std::to_string(100000 + i); }
std::string value_of(int i) { return std::string(60, static_cast<char>('a' + i % 26)) + std::to_string(i); }

template <class Db>
void rotate_and_check() {
  auto fs = std::make_shared<kv::io::memory_fs>();
  auto recycler = std::make_shared<kv::block_recycler>(std::size_t{1} << 20);
  typename Db::options o;
  o.fs = fs;
  o.dir = "/db";
  o.memtable_bytes = 128 * 1024;
  o.memtable.arena_block_size = 4096;
  o.memtable.recycler = recycler;
  constexpr int n = 30000;  // about 3 MiB of entries: a dozen memtables
  {
    auto db = Db::open(o);
    REQUIRE(db);
    for (int i = 0; i < n; ++i) {
      REQUIRE(db->put(key_of(i), value_of(i)).ok());
      if (i % 2500 == 2499) REQUIRE(db->flush().ok());  // each flush ends a memtable's life
    }
    REQUIRE(db->close().ok());
  }
  // Later memtables took their blocks from earlier ones.
  CHECK(recycler->reused_bytes() >= 5 * o.memtable_bytes);
  CHECK(recycler->kept_bytes() <= recycler->max_bytes());
  auto db = Db::open(o);
  REQUIRE(db);
  for (int i = 0; i < n; ++i) {
    auto v = db->get(key_of(i));
    REQUIRE(v);
    REQUIRE(*v == value_of(i));
  }
}

}  // namespace

TEST_CASE("lsm_db: memtables reuse the blocks of flushed memtables and store the same") {
  rotate_and_check<kv::lsm_db>();
}

TEST_CASE("bptree_db: memtables reuse the blocks of flushed memtables and store the same") {
  rotate_and_check<kv::bptree_db>();
}
