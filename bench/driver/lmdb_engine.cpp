// lmdb_engine: LMDB under the driver's common settings, as two engines.
//
//   lmdb        one write transaction per put/erase/batch (what a durable
//               key-value API over LMDB does).
//   lmdb_batch  each thread keeps one write transaction open and commits it
//               every k_batch_writes writes and at the end of the workload;
//               reads on that thread go through the open transaction (and so
//               see its own writes), other threads see only commits. Synced
//               writes (fillsync) commit one by one, as in lmdb: a synced
//               write must be durable when it returns.
//
// Settings. Map size 64 GiB (address space only; the file grows as pages are
// written). Sync off = MDB_NOSYNC: a commit writes its pages to the OS without
// fsync, so it survives a process crash but not power loss, which is what the
// other engines' unsynced WAL guarantees. fillsync turns MDB_NOSYNC off, so each
// commit is durable (LMDB's default: data pages, then the meta page, synced).
// MDB_NOTLS, so a thread may hold a reset read transaction while it writes.
// Reads reuse one read-only transaction per session (mdb_txn_renew before,
// mdb_txn_reset after each get or cursor) and one read-only cursor
// (mdb_cursor_renew). LMDB has no cache of its own to budget: it reads through
// the OS page cache via mmap (its pages count in the process's RSS). No
// memtable: flush() has nothing to do; no compaction: compact() is unsupported.
#include <lmdb.h>

#include <algorithm>
#include <filesystem>

#include "peers.hpp"

namespace bench {
namespace {

constexpr std::size_t k_map_size = std::size_t{64} << 30;
constexpr unsigned k_batch_writes = 1000;

void check(int rc, const char* what) {
  if (rc != 0) throw engine_error(std::string("lmdb ") + what + ": " + mdb_strerror(rc));
}

MDB_val val(std::string_view s) { return {s.size(), const_cast<char*>(s.data())}; }
std::string_view view(const MDB_val& v) { return {static_cast<const char*>(v.mv_data), v.mv_size}; }

class lmdb_session;

class lmdb_cursor final : public cursor {
 public:
  lmdb_cursor(lmdb_session& owner, MDB_cursor* c) : owner_(owner), c_(c) {}
  ~lmdb_cursor() override;
  void seek(std::string_view target) override {
    k_ = val(target);
    move(MDB_SET_RANGE);
  }
  void seek_to_first() override { move(MDB_FIRST); }
  void seek_to_last() override { move(MDB_LAST); }
  bool valid() const override { return valid_; }
  void next() override { move(MDB_NEXT); }
  void prev() override { move(MDB_PREV); }
  std::string_view key() const override { return view(k_); }
  std::string_view value() const override { return view(v_); }
  void check() const override {}  // every move already checked its result

 private:
  void move(MDB_cursor_op op) {
    const int rc = mdb_cursor_get(c_, &k_, &v_, op);
    valid_ = rc == 0;
    if (rc != 0 && rc != MDB_NOTFOUND) bench::check(rc, "cursor");
  }

  lmdb_session& owner_;
  MDB_cursor* c_;
  MDB_val k_{}, v_{};
  bool valid_ = false;
};

class lmdb_session final : public session {
 public:
  lmdb_session(MDB_env* env, MDB_dbi dbi, unsigned batch) : env_(env), dbi_(dbi), batch_(batch) {
    check(mdb_txn_begin(env_, nullptr, MDB_RDONLY, &read_txn_), "begin read transaction");
    mdb_txn_reset(read_txn_);
  }
  ~lmdb_session() override {
    if (write_txn_ != nullptr) mdb_txn_abort(write_txn_);
    if (read_cursor_ != nullptr) mdb_cursor_close(read_cursor_);
    mdb_txn_abort(read_txn_);
  }

  void put(std::string_view k, std::string_view v) override {
    store(k, v);
    wrote(1);
  }
  void erase(std::string_view k) override {
    remove(k);
    wrote(1);
  }
  bool get(std::string_view k, std::string& v) override {
    if (write_txn_ != nullptr) return lookup(write_txn_, k, v);
    check(mdb_txn_renew(read_txn_), "renew read transaction");
    bool found = false;
    try {
      found = lookup(read_txn_, k, v);
    } catch (...) {
      mdb_txn_reset(read_txn_);
      throw;
    }
    mdb_txn_reset(read_txn_);
    return found;
  }
  void batch_put(std::string_view k, std::string_view v) override {
    store(k, v);
    ++in_batch_;
  }
  void batch_erase(std::string_view k) override {
    remove(k);
    ++in_batch_;
  }
  void batch_commit() override {
    const unsigned n = in_batch_;
    in_batch_ = 0;
    if (write_txn_ != nullptr) wrote(n);  // a whole batch counts as its writes, and is never split
  }
  std::unique_ptr<cursor> new_cursor() override {
    MDB_cursor* c = nullptr;
    if (write_txn_ != nullptr) {
      check(mdb_cursor_open(write_txn_, dbi_, &c), "open cursor");
      return std::make_unique<lmdb_cursor>(*this, c);
    }
    check(mdb_txn_renew(read_txn_), "renew read transaction");
    const int rc = read_cursor_ == nullptr ? mdb_cursor_open(read_txn_, dbi_, &read_cursor_)
                                           : mdb_cursor_renew(read_txn_, read_cursor_);
    if (rc != 0) mdb_txn_reset(read_txn_);
    check(rc, "open cursor");
    return std::make_unique<lmdb_cursor>(*this, read_cursor_);
  }
  void finish() override {
    if (write_txn_ != nullptr) commit();
  }

  // A cursor is done: a write-transaction cursor is closed, the reused
  // read-only one stays open for mdb_cursor_renew and its transaction is reset.
  void release(MDB_cursor* c) noexcept {
    if (c == read_cursor_) mdb_txn_reset(read_txn_);
    else mdb_cursor_close(c);
  }

 private:
  MDB_txn* writer() {
    if (write_txn_ == nullptr) check(mdb_txn_begin(env_, nullptr, 0, &write_txn_), "begin write transaction");
    return write_txn_;
  }
  void store(std::string_view k, std::string_view v) {
    MDB_val key = val(k), value = val(v);
    check(mdb_put(writer(), dbi_, &key, &value, 0), "put");
  }
  void remove(std::string_view k) {
    MDB_val key = val(k);
    const int rc = mdb_del(writer(), dbi_, &key, nullptr);
    if (rc != MDB_NOTFOUND) check(rc, "delete");
  }
  bool lookup(MDB_txn* txn, std::string_view k, std::string& v) {
    MDB_val key = val(k), value{};
    const int rc = mdb_get(txn, dbi_, &key, &value);
    if (rc == MDB_NOTFOUND) return false;
    check(rc, "get");
    v.assign(static_cast<const char*>(value.mv_data), value.mv_size);
    return true;
  }
  // Counts n writes into the open transaction; commits when the group is full.
  void wrote(unsigned n) {
    pending_ += n;
    if (pending_ >= batch_) commit();
  }
  void commit() {
    MDB_txn* t = write_txn_;
    write_txn_ = nullptr;
    pending_ = 0;
    check(mdb_txn_commit(t), "commit");
  }

  MDB_env* env_;
  MDB_dbi dbi_;
  unsigned batch_;
  MDB_txn* read_txn_ = nullptr;      // reset between uses
  MDB_cursor* read_cursor_ = nullptr;
  MDB_txn* write_txn_ = nullptr;     // open while writes are pending
  unsigned pending_ = 0;
  unsigned in_batch_ = 0;
};

lmdb_cursor::~lmdb_cursor() { owner_.release(c_); }

class lmdb_engine final : public engine {
 public:
  lmdb_engine(const engine_config& c, unsigned batch) : batch_(batch) {
    std::filesystem::create_directories(c.dir);
    check(mdb_env_create(&env_), "env create");
    try {
      check(mdb_env_set_mapsize(env_, k_map_size), "set map size");
      check(mdb_env_set_maxreaders(env_, static_cast<unsigned>(std::max(126, 2 * c.threads + 8))), "set readers");
      check(mdb_env_open(env_, c.dir.c_str(), MDB_NOTLS | MDB_NOSYNC, 0644), "open");
      MDB_txn* txn = nullptr;
      check(mdb_txn_begin(env_, nullptr, 0, &txn), "begin");
      const int rc = mdb_dbi_open(txn, nullptr, 0, &dbi_);
      if (rc != 0) mdb_txn_abort(txn);
      check(rc, "open database");
      check(mdb_txn_commit(txn), "commit");
    } catch (...) {
      mdb_env_close(env_);
      throw;
    }
  }
  ~lmdb_engine() override { close(); }
  void set_sync(bool sync) override {
    check(mdb_env_set_flags(env_, MDB_NOSYNC, sync ? 0 : 1), "set flags");
    sync_ = sync;
  }
  // A synced write must be durable when it returns, so it commits at once.
  std::unique_ptr<session> new_session() override {
    return std::make_unique<lmdb_session>(env_, dbi_, sync_ ? 1 : batch_);
  }
  bool flush() override { return true; }
  bool compact() override { return false; }
  void close() override {
    if (env_ == nullptr) return;
    mdb_env_close(env_);
    env_ = nullptr;
  }

 private:
  MDB_env* env_ = nullptr;
  MDB_dbi dbi_ = 0;
  unsigned batch_;
  bool sync_ = false;
};

std::string describe(unsigned batch) {
  int major = 0, minor = 0, patch = 0;
  mdb_version(&major, &minor, &patch);
  return std::string("LMDB ") + std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch) + ": " +
         (batch == 1 ? std::string("one write transaction per write")
                     : std::string("one write transaction per ") + std::to_string(batch) +
                           " writes per thread (synced writes: one each)") +
         ", map 64 GiB, sync off = MDB_NOSYNC (fillsync: synced commits), MDB_NOTLS, reused read "
         "transactions, no cache budget (OS page cache via mmap)";
}

}  // namespace

void register_lmdb(registry& r) {
  for (const unsigned batch : {1u, k_batch_writes}) {
    engine_entry e;
    e.name = e.family = batch == 1 ? "lmdb" : "lmdb_batch";
    e.peer = true;
    e.describe = [batch](const engine_config&) { return describe(batch); };
    e.open = [batch](const engine_config& c) -> std::unique_ptr<engine> {
      return std::make_unique<lmdb_engine>(c, batch);
    };
    r.add(std::move(e));
  }
}

}  // namespace bench
