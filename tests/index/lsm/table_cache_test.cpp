// index/lsm/table_cache: the open-file limit, eviction, errors not cached,
// and tables shared by concurrent readers.
#include <doctest/doctest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "jadekv/index/lsm/table_cache.hpp"
#include "jadekv/io/memory_fs.hpp"
#include "../../io/forwarding_fs.hpp"
#include "table_env.hpp"

namespace {

using namespace lsm_test;

// A file system that counts the files it has open right now.
class counting_fs final : public jadekv_test::forwarding_fs {
 public:
  explicit counting_fs(std::shared_ptr<io::file_system> base) : forwarding_fs(std::move(base)) {}

  class counted_file final : public jadekv_test::forwarding_file {
   public:
    counted_file(std::unique_ptr<io::file> f, std::atomic<int>& open) : forwarding_file(std::move(f)), open_(open) {
      ++open_;
    }
    ~counted_file() override { --open_; }

   private:
    std::atomic<int>& open_;
  };

  result<std::unique_ptr<io::file>> open(const std::filesystem::path& p, io::open_mode m) override {
    auto f = inner_->open(p, m);
    if (!f) return f.status();
    ++opens;
    return std::unique_ptr<io::file>(std::make_unique<counted_file>(std::move(*f), open_files));
  }

  std::atomic<int> open_files{0};
  std::atomic<int> opens{0};
};

// Writes tables 1..n into /db, table i holding keys "t<i>-..." at seq i.
void write_tables(io::file_system& fs, int n) {
  REQUIRE(fs.mkdir("/db").ok());
  for (int i = 1; i <= n; ++i) {
    std::vector<entry> es;
    for (int k = 0; k < 50; ++k)
      es.push_back({"t" + std::to_string(i) + "-" + key_of(static_cast<std::uint64_t>(k)), static_cast<sequence_number>(i),
                    value_kind::put, "v" + std::to_string(i)});
    sort_entries(es);
    const std::string bytes = build_table(es);
    REQUIRE(io::write_file_atomically(fs, std::filesystem::path("/db") / sst::table_file_name(static_cast<std::uint64_t>(i)), bytes).ok());
  }
}

}  // namespace

TEST_CASE("table_cache: file names") {
  CHECK(sst::table_file_name(7) == "000007.sst");
  CHECK(sst::table_file_name(1234567) == "1234567.sst");
}

TEST_CASE("table_cache: the open-file limit is respected; lookups hit, evict closes") {
  auto fs = std::make_shared<counting_fs>(std::make_shared<io::memory_fs>());
  write_tables(*fs, 20);
  fs->opens = 0;
  sst::table_cache<> tc(fs, "/db", {.max_open_files = 5, .shard_bits = 4, .block_cache = sst::make_block_cache(1 << 20)});
  CHECK(tc.max_open_files() == 5);
  std::string v;
  sst::get_result r;
  for (int round = 0; round < 3; ++round) {
    for (int i = 1; i <= 20; ++i) {
      const std::string k = "t" + std::to_string(i) + "-" + key_of(3);
      REQUIRE(tc.get(static_cast<std::uint64_t>(i), 0, sst::lookup_key(k, 100), v, r).ok());
      CHECK(r.state == sst::lookup_state::found);
      CHECK(v == "v" + std::to_string(i));
      CHECK(tc.open_tables() <= 5);
      CHECK(fs->open_files <= 5);
    }
  }
  CHECK(fs->opens == 60);  // round robin over 20 with room for 5: every lookup misses
  const int before = fs->opens;
  for (int round = 0; round < 10; ++round)
    for (int i = 1; i <= 5; ++i) REQUIRE(tc.find(static_cast<std::uint64_t>(i)));
  CHECK(fs->opens - before <= 5);
  CHECK(tc.hits() >= 45);
  CHECK(tc.open_tables() == 5);
  CHECK(fs->open_files == 5);
  for (int i = 1; i <= 5; ++i) tc.evict(static_cast<std::uint64_t>(i));
  CHECK(tc.open_tables() == 0);
  CHECK(fs->open_files == 0);
  CHECK(tc.blocks()->hits() + tc.blocks()->misses() > 0);
}

TEST_CASE("table_cache: a held iterator keeps its table open past eviction") {
  auto fs = std::make_shared<counting_fs>(std::make_shared<io::memory_fs>());
  write_tables(*fs, 3);
  sst::table_cache_options o;
  o.max_open_files = 1;
  sst::table_cache<> tc(fs, "/db", o);
  auto it = tc.new_iterator(1, 0);
  REQUIRE(tc.find(2));  // evicts table 1 from the cache
  CHECK(tc.open_tables() == 1);
  CHECK(fs->open_files == 2);
  std::size_t n = 0;
  for (it->seek_to_first(); it->valid(); it->next()) ++n;
  CHECK(n == 50);
  it.reset();
  CHECK(fs->open_files == 1);
}

TEST_CASE("table_cache: a missing or damaged file is an error, and not cached") {
  auto mem = std::make_shared<io::memory_fs>();
  write_tables(*mem, 1);
  sst::table_cache_options o;
  o.max_open_files = 10;
  sst::table_cache<> tc(mem, "/db", o);
  auto missing = tc.find(99);
  REQUIRE(!missing);
  CHECK(missing.status().is_not_found());
  auto it = tc.new_iterator(99, 0);
  it->seek_to_first();
  CHECK(!it->valid());
  CHECK(it->status().is_not_found());
  REQUIRE(mem->truncate("/db/000001.sst", 10).ok());
  auto damaged = tc.find(1);
  REQUIRE(!damaged);
  CHECK(damaged.status().is_corruption());
  CHECK(tc.open_tables() == 0);
}

TEST_CASE("table_cache: concurrent readers share tables within the limit") {
  auto fs = std::make_shared<counting_fs>(std::make_shared<io::memory_fs>());
  write_tables(*fs, 8);
  sst::table_cache<> tc(fs, "/db", {.max_open_files = 4, .shard_bits = 0, .block_cache = sst::make_block_cache(64 << 10, 2)});
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&, t] {
      std::string v;
      sst::get_result r;
      for (int i = 0; i < 2000; ++i) {
        const int n = 1 + (i * 7 + t) % 8;
        const std::string k = "t" + std::to_string(n) + "-" + key_of(static_cast<std::uint64_t>(i % 50));
        read_options ro;
        ro.verify_checksums = (i / 3) % 2 == 0;  // blocks cached unverified, then checked by a verified read
        if (!tc.get(static_cast<std::uint64_t>(n), 0, sst::lookup_key(k, 100), v, r, ro).ok() ||
            r.state != sst::lookup_state::found || v != "v" + std::to_string(n))
          ++errors;
        if (i % 100 == 0) tc.evict(static_cast<std::uint64_t>(n));
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(errors == 0);
  CHECK(tc.open_tables() <= 4);
}
