// engine: the interface every engine under test is adapted to.
//
// The driver talks to an engine through three objects:
//   engine   one open database directory; sets the sync mode of a workload,
//            hands out sessions, flushes, compacts, closes.
//   session  one thread's handle: point writes and reads, write batches and
//            cursors. Created and used on one thread (LMDB transactions are
//            bound to the thread that began them; a session is where an
//            adapter keeps its per-thread state: reusable read transactions,
//            an open batched write transaction, reusable buffers).
//   cursor   an ordered iterator over one consistent view of the data.
//
// Errors are fatal to the workload that meets them: adapters throw
// engine_error with the engine's own message; the driver reports it in the
// workload's row. A missing key is not an error (get returns false).
//
// Thread safety: engine::new_session may be called from many threads at once;
// a session and its cursors belong to one thread. set_sync, flush, compact,
// wait_for_background and close are called with no session open.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

namespace bench {

class engine_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The settings every engine runs with (printed at the top of a run).
struct engine_config {
  std::filesystem::path dir;         // the engine's own directory (created by the adapter if missing)
  std::uint64_t write_buffer_bytes;  // memtable / write buffer size
  std::uint64_t cache_bytes;         // block cache / buffer pool budget
  int bloom_bits;                    // bloom filter bits per key, where the engine has filters
  int threads;                       // sessions that will be open at once
};

class cursor {
 public:
  virtual ~cursor() = default;
  virtual void seek(std::string_view target) = 0;  // first entry with key >= target
  virtual void seek_to_first() = 0;
  virtual void seek_to_last() = 0;
  virtual bool valid() const = 0;
  virtual void next() = 0;                         // REQUIRES: valid()
  virtual void prev() = 0;                         // REQUIRES: valid()
  virtual std::string_view key() const = 0;        // REQUIRES: valid(); stable until the cursor moves
  virtual std::string_view value() const = 0;      // REQUIRES: valid(); stable until the cursor moves
  virtual void check() const = 0;                  // throws engine_error if iteration met an error
};

class session {
 public:
  virtual ~session() = default;
  virtual void put(std::string_view key, std::string_view value) = 0;
  virtual void erase(std::string_view key) = 0;
  // Copies the value into `value` (reusing its capacity); false when absent.
  virtual bool get(std::string_view key, std::string& value) = 0;
  // Batches: puts and erases collected, then applied atomically by batch_commit.
  virtual void batch_put(std::string_view key, std::string_view value) = 0;
  virtual void batch_erase(std::string_view key) = 0;
  virtual void batch_commit() = 0;
  // REQUIRES: the session's previous cursor has been destroyed.
  virtual std::unique_ptr<cursor> new_cursor() = 0;
  // Applies whatever the session still holds (a batched write transaction);
  // called once at the end of each workload, inside the timed region.
  virtual void finish() = 0;
};

class engine {
 public:
  virtual ~engine() = default;
  // Whether writes of sessions created from now on sync before returning.
  virtual void set_sync(bool sync) = 0;
  virtual std::unique_ptr<session> new_session() = 0;
  // Returns once the engine's background work (flushes, compactions) is done,
  // where the engine can tell; the driver also waits for I/O to go quiet.
  virtual void wait_for_background() {}
  // Moves write buffers (memtables) into the on-disk index; false when the
  // engine has no way to.
  virtual bool flush() = 0;
  // Full manual compaction; false when the engine has none.
  virtual bool compact() = 0;
  virtual void close() = 0;
};

// One selectable engine: how to describe it and how to open it.
struct engine_entry {
  std::string name;         // what --engine accepts and tables show ("rocksdb", "memory")
  std::string family;       // group --memtable/--concurrency select within ("memory", "lsm")
  std::string memtable;     // jadekv compositions: the memtable policy; empty for peers
  std::string concurrency;  // jadekv compositions: the concurrency policy; empty for peers
  bool peer = false;        // an established engine (a column of the "best peer")
  bool family_default = false;  // what --engine=<family> picks without filters
  int max_threads = 0;      // 0: any number of threads
  // One line of the settings the engine will run with under `config`.
  std::function<std::string(const engine_config&)> describe;
  std::function<std::unique_ptr<engine>(const engine_config&)> open;
};

}  // namespace bench
