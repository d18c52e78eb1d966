// leveldb_engine: LevelDB under the driver's common settings.
//
// Settings: compression off, write_buffer_size = the common memtable size, an
// LRU block cache of the common budget, a bloom filter of --bloom_bits per
// key, checksums verified on reads, max_open_files at its default (1000), the
// log (WAL) always on with WriteOptions::sync as the workload asks.
//
// LevelDB has no public memtable flush. flush() uses CompactRange over an
// empty key range above every key the driver writes: CompactRange always
// compacts the memtable first, and then finds no table file in the range.
#include <leveldb/cache.h>
#include <leveldb/db.h>
#include <leveldb/filter_policy.h>
#include <leveldb/iterator.h>
#include <leveldb/options.h>
#include <leveldb/write_batch.h>

#include <filesystem>

#include "format.hpp"
#include "peers.hpp"

namespace bench {
namespace {

leveldb::Slice slice(std::string_view s) { return {s.data(), s.size()}; }
std::string_view view(const leveldb::Slice& s) { return {s.data(), s.size()}; }

void check(const leveldb::Status& s, const char* what) {
  if (!s.ok()) throw engine_error(std::string("leveldb ") + what + ": " + s.ToString());
}

class leveldb_cursor final : public cursor {
 public:
  explicit leveldb_cursor(leveldb::Iterator* it) : it_(it) {}
  void seek(std::string_view target) override { it_->Seek(slice(target)); }
  void seek_to_first() override { it_->SeekToFirst(); }
  void seek_to_last() override { it_->SeekToLast(); }
  bool valid() const override { return it_->Valid(); }
  void next() override { it_->Next(); }
  void prev() override { it_->Prev(); }
  std::string_view key() const override { return view(it_->key()); }
  std::string_view value() const override { return view(it_->value()); }
  void check() const override { bench::check(it_->status(), "iterator"); }

 private:
  std::unique_ptr<leveldb::Iterator> it_;
};

class leveldb_session final : public session {
 public:
  leveldb_session(leveldb::DB* db, bool sync) : db_(db) {
    wo_.sync = sync;
    ro_.verify_checksums = true;
  }
  void put(std::string_view k, std::string_view v) override { check(db_->Put(wo_, slice(k), slice(v)), "put"); }
  void erase(std::string_view k) override { check(db_->Delete(wo_, slice(k)), "delete"); }
  bool get(std::string_view k, std::string& v) override {
    const leveldb::Status s = db_->Get(ro_, slice(k), &v);
    if (s.IsNotFound()) return false;
    check(s, "get");
    return true;
  }
  void batch_put(std::string_view k, std::string_view v) override { batch_.Put(slice(k), slice(v)); }
  void batch_erase(std::string_view k) override { batch_.Delete(slice(k)); }
  void batch_commit() override {
    check(db_->Write(wo_, &batch_), "write");
    batch_.Clear();
  }
  std::unique_ptr<cursor> new_cursor() override { return std::make_unique<leveldb_cursor>(db_->NewIterator(ro_)); }
  void finish() override {}

 private:
  leveldb::DB* db_;
  leveldb::WriteOptions wo_;
  leveldb::ReadOptions ro_;
  leveldb::WriteBatch batch_;
};

class leveldb_engine final : public engine {
 public:
  explicit leveldb_engine(const engine_config& c)
      : cache_(leveldb::NewLRUCache(c.cache_bytes)),
        filter_(c.bloom_bits > 0 ? leveldb::NewBloomFilterPolicy(c.bloom_bits) : nullptr) {
    std::filesystem::create_directories(c.dir);
    leveldb::Options o;
    o.create_if_missing = true;
    o.compression = leveldb::kNoCompression;
    o.write_buffer_size = c.write_buffer_bytes;
    o.block_cache = cache_.get();
    o.filter_policy = filter_.get();
    leveldb::DB* db = nullptr;
    check(leveldb::DB::Open(o, c.dir.string(), &db), "open");
    db_.reset(db);
  }
  ~leveldb_engine() override { db_.reset(); }  // before the cache and filter it uses
  void set_sync(bool sync) override { sync_ = sync; }
  std::unique_ptr<session> new_session() override { return std::make_unique<leveldb_session>(db_.get(), sync_); }
  bool flush() override {
    const leveldb::Slice above_all("\xff\xff\xff\xff", 4);
    db_->CompactRange(&above_all, &above_all);
    return true;
  }
  bool compact() override {
    db_->CompactRange(nullptr, nullptr);
    return true;
  }
  void close() override { db_.reset(); }

 private:
  std::unique_ptr<leveldb::Cache> cache_;
  std::unique_ptr<const leveldb::FilterPolicy> filter_;
  std::unique_ptr<leveldb::DB> db_;
  bool sync_ = false;
};

}  // namespace

void register_leveldb(registry& r) {
  engine_entry e;
  e.name = e.family = "leveldb";
  e.peer = true;
  e.describe = [](const engine_config& c) {
    const leveldb::Options o;
    return std::string("LevelDB ") + std::to_string(leveldb::kMajorVersion) + "." + std::to_string(leveldb::kMinorVersion) +
           ": write_buffer_size " + format_bytes(c.write_buffer_bytes) + ", LRU block cache " +
           format_bytes(c.cache_bytes) + ", bloom " +
           (c.bloom_bits > 0 ? std::to_string(c.bloom_bits) + " bits/key" : std::string("off")) +
           ", compression none, log on, max_open_files " + std::to_string(o.max_open_files) +
           ", max_file_size " + format_bytes(o.max_file_size) + ", checksums verified";
  };
  e.open = [](const engine_config& c) -> std::unique_ptr<engine> { return std::make_unique<leveldb_engine>(c); };
  r.add(std::move(e));
}

}  // namespace bench
