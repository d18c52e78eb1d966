// The flush thread's order (engine.hpp flush_loop_of): once a memtable is in
// the index, a writer waiting to rotate goes on; unlinking the memtable's log
// segment and the store's after_flush come after, and delay only the next
// flush and flush(), which waits for them.
#include <jadekv/io/memory_fs.hpp>
#include <jadekv/jadekv.hpp>
#include <jadekv/persist/file_names.hpp>

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "../io/forwarding_fs.hpp"

namespace {

namespace kv = jadekv;
using namespace std::chrono_literals;

bool is_segment(const std::filesystem::path& p) {
  const auto info = kv::persist::parse_file_name(p.filename().string());
  return info && info->kind == kv::persist::file_kind::segment && !info->temporary && !info->discarded;
}

// memory_fs whose removal of log segments waits while the gate is closed,
// and which counts the segments it has seen renamed into place (one per
// rotation, and the first).
class gated_remove_fs final : public jadekv_test::forwarding_fs {
 public:
  gated_remove_fs() : forwarding_fs(std::make_shared<kv::io::memory_fs>()) {}

  kv::status rename(const std::filesystem::path& a, const std::filesystem::path& b) override {
    auto s = inner_->rename(a, b);
    if (s.ok() && is_segment(b)) ++segments_started_;
    return s;
  }
  kv::status remove(const std::filesystem::path& p) override {
    if (is_segment(p)) {
      std::unique_lock g(mu_);
      ++waiting_;
      cv_.wait(g, [&] { return open_; });
      --waiting_;
    }
    return inner_->remove(p);
  }

  void set_open(bool open) {
    {
      std::lock_guard g(mu_);
      open_ = open;
    }
    cv_.notify_all();
  }
  int waiting() {
    std::lock_guard g(mu_);
    return waiting_;
  }
  int segments_started() const { return segments_started_.load(); }

  std::size_t segments_listed(const std::filesystem::path& dir) {
    auto names = inner_->list(dir);
    REQUIRE(names);
    std::size_t n = 0;
    for (const auto& name : *names) n += is_segment(name) ? 1 : 0;
    return n;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = true;
  int waiting_ = 0;
  std::atomic<int> segments_started_{0};
};

std::string key_of(int i) { return "key" + std::to_string(100000 + i); }
std::string value_of(int i) { return std::string(100, static_cast<char>('a' + i % 26)); }

template <class E>
bool eventually(E&& done) {
  for (int i = 0; i < 1000; ++i) {
    if (done()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return false;
}

}  // namespace

TEST_CASE_TEMPLATE("flush order: a writer rotates while the last flush's log is still being released", E,
                   kv::bptree_db, kv::lsm_db) {
  auto fs = std::make_shared<gated_remove_fs>();
  typename E::options o;
  o.fs = fs;
  o.dir = "/db";
  o.memtable_bytes = std::size_t{1} << 20;
  o.idle_flush_ms = 0;
  auto db = E::open(o);
  REQUIRE(db);
  REQUIRE(fs->segments_started() == 1);
  fs->set_open(false);

  // Two rotations: the first memtable's flush ends in the closed gate, and
  // the second rotation must not wait for it.
  std::atomic<int> written{0};
  std::atomic<bool> done{false};
  std::thread writer([&] {
    int i = 0;
    bool ok = true;
    while (ok && fs->segments_started() < 3) ok = db->put(key_of(i), value_of(i)).ok() && ++i > 0;
    for (int k = 0; ok && k < 100; ++k) ok = db->put(key_of(i), value_of(i)).ok() && ++i > 0;
    CHECK(ok);
    written = i;
    done = true;
  });
  const bool went_on = eventually([&] { return done.load(); });
  CHECK(went_on);
  CHECK(eventually([&] { return fs->waiting() == 1; }));  // the flush thread, releasing the first segment

  // flush() waits for the release (and for the flush the thread has not
  // started yet): not done while the gate is closed.
  std::atomic<bool> flushed{false};
  std::thread flusher([&] {
    CHECK(db->flush().ok());
    flushed = true;
  });
  std::this_thread::sleep_for(100ms);
  CHECK_FALSE(flushed.load());
  fs->set_open(true);
  writer.join();
  flusher.join();
  CHECK(flushed.load());
  CHECK(fs->segments_listed("/db") == 1);  // every flushed memtable's segment released
  CHECK(db->stats().memtable_entries == 0);
  for (int i = 0; i < written.load(); i += 97) CHECK(*db->get(key_of(i)) == value_of(i));
}
