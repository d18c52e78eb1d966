// rocksdb_engine: RocksDB under the driver's common settings.
//
// Settings: compression off (every level), write_buffer_size = the common
// memtable size, an LRU block cache of the common budget, a full bloom filter
// of --bloom_bits per key, checksums verified on reads, WAL on with
// WriteOptions::sync as the workload asks; everything else at RocksDB's
// defaults (max_background_jobs = 2, max_write_buffer_number = 2, leveled
// compaction, no direct I/O), as a user who sets only those would get.
#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/iterator.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>
#include <rocksdb/version.h>
#include <rocksdb/write_batch.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "format.hpp"
#include "peers.hpp"

namespace bench {
namespace {

rocksdb::Slice slice(std::string_view s) { return {s.data(), s.size()}; }
std::string_view view(const rocksdb::Slice& s) { return {s.data(), s.size()}; }

void check(const rocksdb::Status& s, const char* what) {
  if (!s.ok()) throw engine_error(std::string("rocksdb ") + what + ": " + s.ToString());
}

class rocksdb_cursor final : public cursor {
 public:
  explicit rocksdb_cursor(rocksdb::Iterator* it) : it_(it) {}
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
  std::unique_ptr<rocksdb::Iterator> it_;
};

class rocksdb_session final : public session {
 public:
  rocksdb_session(rocksdb::DB* db, bool sync) : db_(db) {
    wo_.sync = sync;
    ro_.verify_checksums = true;
  }
  void put(std::string_view k, std::string_view v) override { check(db_->Put(wo_, slice(k), slice(v)), "put"); }
  void erase(std::string_view k) override { check(db_->Delete(wo_, slice(k)), "delete"); }
  bool get(std::string_view k, std::string& v) override {
    const rocksdb::Status s = db_->Get(ro_, slice(k), &v);
    if (s.IsNotFound()) return false;
    check(s, "get");
    return true;
  }
  void batch_put(std::string_view k, std::string_view v) override { check(batch_.Put(slice(k), slice(v)), "batch put"); }
  void batch_erase(std::string_view k) override { check(batch_.Delete(slice(k)), "batch delete"); }
  void batch_commit() override {
    check(db_->Write(wo_, &batch_), "write");
    batch_.Clear();
  }
  std::unique_ptr<cursor> new_cursor() override { return std::make_unique<rocksdb_cursor>(db_->NewIterator(ro_)); }
  void finish() override {}

 private:
  rocksdb::DB* db_;
  rocksdb::WriteOptions wo_;
  rocksdb::ReadOptions ro_;
  rocksdb::WriteBatch batch_;
};

rocksdb::Options make_options(const engine_config& c) {
  rocksdb::Options o;
  o.create_if_missing = true;
  o.compression = rocksdb::kNoCompression;
  o.bottommost_compression = rocksdb::kNoCompression;
  o.compression_per_level.clear();
  o.write_buffer_size = c.write_buffer_bytes;
  rocksdb::BlockBasedTableOptions t;
  t.block_cache = rocksdb::NewLRUCache(c.cache_bytes);
  if (c.bloom_bits > 0) t.filter_policy.reset(rocksdb::NewBloomFilterPolicy(c.bloom_bits, false));
  o.table_factory.reset(rocksdb::NewBlockBasedTableFactory(t));
  return o;
}

class rocksdb_engine final : public engine {
 public:
  explicit rocksdb_engine(const engine_config& c) {
    std::filesystem::create_directories(c.dir);
    rocksdb::DB* db = nullptr;
    check(rocksdb::DB::Open(make_options(c), c.dir.string(), &db), "open");
    db_.reset(db);
  }
  void set_sync(bool sync) override { sync_ = sync; }
  std::unique_ptr<session> new_session() override { return std::make_unique<rocksdb_session>(db_.get(), sync_); }
  void wait_for_background() override {
    static constexpr const char* busy[] = {"rocksdb.num-running-compactions", "rocksdb.num-running-flushes",
                                           "rocksdb.compaction-pending", "rocksdb.mem-table-flush-pending"};
    for (;;) {
      bool idle = true;
      for (const char* p : busy) {
        std::uint64_t v = 0;
        if (db_->GetIntProperty(p, &v) && v != 0) idle = false;
      }
      if (idle) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  bool flush() override {
    check(db_->Flush(rocksdb::FlushOptions()), "flush");
    return true;
  }
  bool compact() override {
    check(db_->CompactRange(rocksdb::CompactRangeOptions(), nullptr, nullptr), "compact");
    return true;
  }
  void close() override {
    if (!db_) return;
    const rocksdb::Status s = db_->Close();
    db_.reset();
    check(s, "close");
  }

 private:
  std::unique_ptr<rocksdb::DB> db_;
  bool sync_ = false;
};

}  // namespace

void register_rocksdb(registry& r) {
  engine_entry e;
  e.name = e.family = "rocksdb";
  e.peer = true;
  e.describe = [](const engine_config& c) {
    const rocksdb::Options o = make_options(c);
    return std::string("RocksDB ") + std::to_string(ROCKSDB_MAJOR) + "." + std::to_string(ROCKSDB_MINOR) + "." +
           std::to_string(ROCKSDB_PATCH) + ": write_buffer_size " + format_bytes(o.write_buffer_size) +
           " (max_write_buffer_number " + std::to_string(o.max_write_buffer_number) + "), LRU block cache " +
           format_bytes(c.cache_bytes) + ", bloom " +
           (c.bloom_bits > 0 ? std::to_string(c.bloom_bits) + " bits/key" : std::string("off")) +
           ", compression none, WAL on, max_background_jobs " + std::to_string(o.max_background_jobs) +
           ", leveled compaction, checksums verified";
  };
  e.open = [](const engine_config& c) -> std::unique_ptr<engine> { return std::make_unique<rocksdb_engine>(c); };
  r.add(std::move(e));
}

}  // namespace bench
