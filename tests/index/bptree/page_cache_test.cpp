// The bptree buffer pool: its page table against a std::map model
// (including erases inside wrapped probe runs, and CLOCK evictions), and the pool's hit, miss,
// replace and budget behaviour; and the pager's pool hits, which hand out a
// node only where a node was pooled.
#include <doctest/doctest.h>

#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "jadekv/core/comparator.hpp"
#include "jadekv/index/bptree/format.hpp"
#include "jadekv/index/bptree/node.hpp"
#include "jadekv/index/bptree/page_cache.hpp"
#include "jadekv/index/bptree/pager.hpp"
#include "jadekv/io/memory_fs.hpp"

namespace bp = jadekv::index::detail::bptree;

namespace {

bp::page_ref<> page_of(bp::page_id id, std::size_t size) {
  bp::page_ref<> p = bp::page_ref<>::allocate(size);
  std::memset(p.mutable_data(), 0, size);
  std::memcpy(p.mutable_data(), &id, sizeof id);
  return p;
}

bp::page_id id_in(const bp::page_ref<>& p) {
  bp::page_id id;
  std::memcpy(&id, p.data(), sizeof id);
  return id;
}

}  // namespace

TEST_CASE("bptree page_table: finds what a std::map finds through inserts, erases and evictions") {
  for (const std::uint64_t id_range : {40ull, 1000ull, 1ull << 40}) {
    bp::page_table<> table;
    std::map<bp::page_id, bool> model;  // id -> referenced since the last eviction pass
    std::mt19937_64 rng(id_range);
    for (int step = 0; step < 40000; ++step) {
      // Ids of one residue mod 16, as a shard of the pool holds.
      const bp::page_id id = 16 * (1 + rng() % id_range) + 3;
      const auto it = model.find(id);
      if (it == model.end() && rng() % 3 != 0) {
        table.insert(id, page_of(id, 64));
        model[id] = false;
      } else if (it != model.end() && rng() % 8 == 0) {
        // The victim is some pooled page, whole, and leaves the table.
        const bp::page_ref<> victim = table.evict_one();
        REQUIRE(victim);
        REQUIRE(model.erase(id_in(victim)) == 1);
      } else if (it != model.end()) {
        table.erase(id);
        model.erase(it);
      }
      if (step % 97 == 0) {
        for (const auto& [k, referenced] : model) {
          const bp::page_table<>::cell* c = table.find(k);
          REQUIRE(c != nullptr);
          REQUIRE(c->id == k);
          REQUIRE(id_in(c->page) == k);
        }
        REQUIRE(table.size() == model.size());
      }
      const bp::page_id probe = 16 * (1 + rng() % id_range) + 3;
      const bp::page_table<>::cell* c = table.find(probe);
      REQUIRE((c != nullptr) == model.contains(probe));
    }
  }
}

TEST_CASE("bptree page_table: the clock spares referenced pages") {
  bp::page_table<> table;
  for (bp::page_id id = 1; id <= 8; ++id) table.insert(id, page_of(id, 64));
  for (bp::page_id id = 1; id <= 8; ++id) {
    if (id != 5) table.find(id)->referenced = true;
  }
  CHECK(id_in(table.evict_one()) == 5);
  // A page referenced since the hand passed is never the victim while an
  // unreferenced one is left.
  for (bp::page_id id : {1, 2, 3, 4, 6, 7, 8}) table.find(id)->referenced = id == 2;
  for (int i = 0; i < 6; ++i) CHECK(id_in(table.evict_one()) != 2);
  REQUIRE(table.size() == 1);
  CHECK(id_in(table.evict_one()) == 2);  // alone, it goes after its second chance
  CHECK(table.size() == 0);
}

TEST_CASE("bptree page_cache: hits, misses, replacement and the byte budget") {
  constexpr std::size_t page = 512;
  bp::page_cache<> cache(16 * 4 * page);  // four pages per shard
  CHECK(!cache.find(7));
  CHECK(cache.misses() == 1);

  cache.insert(7, page_of(7, page));
  bp::page_ref<> hit = cache.find(7);
  REQUIRE(hit);
  CHECK(id_in(hit) == 7);
  CHECK(cache.hits() == 1);

  // Replacing an id keeps one entry, charged once, and the new bytes.
  bp::page_ref<> newer = page_of(7, page);
  newer.mutable_data()[100] = 'x';
  cache.insert(7, newer);
  CHECK(cache.find(7).data()[100] == 'x');
  CHECK(cache.charged_bytes() == page);
  CHECK(id_in(hit) == 7);  // a reader's ref outlives the replacement

  cache.erase(7);
  CHECK(!cache.find(7));
  CHECK(cache.charged_bytes() == 0);

  // Far more pages than fit: the budget holds, the newest page of each
  // shard is always present, and every hit returns its own id's bytes.
  for (bp::page_id id = 2; id < 2000; ++id) {
    cache.insert(id, page_of(id, page));
    CHECK(cache.charged_bytes() <= 16 * 4 * page);
    REQUIRE(cache.find(id));
  }
  std::size_t present = 0;
  for (bp::page_id id = 2; id < 2000; ++id) {
    if (bp::page_ref<> p = cache.find(id)) {
      CHECK(id_in(p) == id);
      ++present;
    }
  }
  CHECK(present == 16 * 4);
}

TEST_CASE("bptree page_cache: a peek (a scan's read-ahead) is neither a hit nor a miss and earns no second chance") {
  constexpr std::size_t page = 512;
  bp::page_cache<> cache(16 * 2 * page);  // two pages per shard; ids 16 apart share one
  cache.insert(3, page_of(3, page));
  cache.insert(19, page_of(19, page));
  REQUIRE(cache.peek(3));
  CHECK(id_in(cache.peek(3)) == 3);
  CHECK(!cache.peek(35));
  CHECK(cache.hits() == 0);
  CHECK(cache.misses() == 0);
  // 19 was found, 3 only peeked at: the next page of the shard evicts 3.
  REQUIRE(cache.find(19));
  cache.insert(35, page_of(35, page));
  CHECK(!cache.peek(3));
  CHECK(cache.peek(19));
  CHECK(cache.peek(35));
}

TEST_CASE("bptree page_cache: offer fills only unused budget and never replaces") {
  constexpr std::size_t page = 512;
  bp::page_cache<> cache(16 * 2 * page);  // two pages per shard
  // Ids 16 apart share a shard.
  cache.insert(3, page_of(3, page));
  cache.offer(19, page_of(19, page));
  REQUIRE(cache.find(19));
  cache.offer(35, page_of(35, page));  // the shard is full: refused, nothing evicted
  CHECK(!cache.find(35));
  CHECK(cache.find(3));
  CHECK(cache.find(19));
  bp::page_ref<> other = page_of(19, page);
  other.mutable_data()[100] = 'x';
  cache.erase(3);
  cache.offer(19, other);  // already present: the pooled bytes stay
  CHECK(cache.find(19).data()[100] == 0);
  CHECK(cache.charged_bytes() == page);
}

// A damaged file can name the first page of an overflow run as a node. The
// run, read and pooled by a value lookup, must not come back from the pool
// as that node (it never passed the node checks): found by the bptree_file
// fuzz target, where a cursor then decoded run bytes as branch cells and
// read outside the page.
TEST_CASE("bptree pager: a pooled overflow run is not handed out as a node") {
  constexpr std::size_t k_page = 512;
  auto fs = std::make_shared<jadekv::io::memory_fs>();
  REQUIRE(fs->mkdir("/d").ok());
  std::string file(4 * k_page, '\0');
  char* run = file.data() + 3 * k_page;
  bp::write_header(run, bp::page_type::overflow, 0, 3, 0);
  std::memset(run + bp::k_header_size, 'v', 100);
  bp::seal(run, k_page);
  {
    auto f = fs->open("/d/data", jadekv::io::open_mode::create);
    REQUIRE(f);
    REQUIRE((*f)->write_at(0, file).ok());
  }
  auto reader = fs->open("/d/data", jadekv::io::open_mode::read_only);
  auto writer = fs->open("/d/data", jadekv::io::open_mode::read_write);
  REQUIRE(reader);
  REQUIRE(writer);
  bp::pager<jadekv::bytewise_comparator> pg(std::move(*reader), std::move(*writer), "/d/data", k_page, 1 << 20, {});
  bp::page_ref<> got;
  REQUIRE(pg.load_run(3, 1, bp::page_type::overflow, 4, true, true, true, got).ok());
  CHECK(got.type() == bp::page_type::overflow);
  bp::page_ref<> node;
  const jadekv::status s = pg.load_node(3, 4, true, true, true, node);
  CHECK(s.is_corruption());
  CHECK_FALSE(node);
  // Read past the pool, it fails the node checks as well.
  CHECK(pg.load_node(3, 4, true, false, false, node).is_corruption());
}
