// index::lsm store and threads: throttle() slows writers down while level 0
// is at the slowdown trigger and stops them at the stop trigger until a
// background compaction drains level 0 (stall counters move); readers run
// get() and scans against a fixed snapshot while flushes and background
// compactions change the version under them. Run under TSan.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "../../io/forwarding_fs.hpp"
#include "lsm_env.hpp"

namespace {

using namespace lsm_test;
using leveled_store = store_t<ix::leveled<>>;

const std::filesystem::path k_dir = "/db";

// A memory_fs whose table creates from any thread but the owner's wait while
// the gate is closed: it holds a background compaction back.
class gated_fs final : public jadekv_test::forwarding_fs {
 public:
  gated_fs() : forwarding_fs(std::make_shared<io::memory_fs>()) {}

  void close_gate() {
    std::lock_guard g(mu_);
    open_ = false;
    owner_ = std::this_thread::get_id();
  }
  void open_gate() {
    {
      std::lock_guard g(mu_);
      open_ = true;
    }
    cv_.notify_all();
  }
  int waiting() const {
    std::lock_guard g(mu_);
    return waiting_;
  }

  kv::result<std::unique_ptr<io::file>> open(const std::filesystem::path& p, io::open_mode mode) override {
    if (mode == io::open_mode::truncate && p.extension() == ".sst") {
      std::unique_lock l(mu_);
      if (std::this_thread::get_id() != owner_) {
        ++waiting_;
        cv_.wait(l, [&] { return open_; });
        --waiting_;
      }
    }
    return inner_->open(p, mode);
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = true;
  std::thread::id owner_;
  int waiting_ = 0;
};

TEST_CASE("throttle slows writers, stops them when level 0 is full, and a compaction lets them go") {
  auto fs = std::make_shared<gated_fs>();
  auto opt = small_options<ix::leveled<>>();
  opt.l0_compaction_trigger = 2;
  opt.l0_slowdown_trigger = 3;
  opt.l0_stop_trigger = 4;
  opt.num_levels = 2;
  auto st = leveled_store::open(fs, k_dir, opt, cmp_t{});
  REQUIRE(st);
  model m;
  workload w(200, 13);
  auto flush_one = [&] {
    vector_iterator it(w.batch(30, m));
    REQUIRE((*st)->flush(it, w.last(), w.last()).ok());
  };
  flush_one();  // into the empty store: straight to level 1; the flushes below overlap it and stay in level 0
  REQUIRE((*st)->current_version()->levels[1].size() == 1);
  fs->close_gate();
  flush_one();
  flush_one();
  // The compaction of these two is now held at the gate.
  while (fs->waiting() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  CHECK((*st)->throttle().ok());  // 2 tables: no stall
  CHECK((*st)->stalls() == 0);
  flush_one();
  auto t0 = std::chrono::steady_clock::now();
  CHECK((*st)->throttle().ok());  // 3 tables: slowed by ~1 ms
  CHECK(std::chrono::steady_clock::now() - t0 >= std::chrono::microseconds(900));
  CHECK((*st)->stalls() == 1);
  flush_one();  // 4 tables: writers stop

  std::atomic<bool> released{false};
  kv::status writer_status;
  std::chrono::steady_clock::time_point writer_start;
  std::atomic<bool> writer_started{false};
  std::thread writer([&] {
    writer_start = std::chrono::steady_clock::now();
    writer_started = true;
    writer_status = (*st)->throttle();
    released = true;
  });
  while (!writer_started) std::this_thread::yield();
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  CHECK(!released);
  const auto opened = std::chrono::steady_clock::now();  // the writer was stopped at least since writer_start
  fs->open_gate();
  writer.join();
  CHECK(released);
  CHECK(writer_status.ok());
  REQUIRE((*st)->wait_for_compactions().ok());
  CHECK((*st)->current_version()->levels[0].size() < 2);
  kv::stats s;
  (*st)->add_stats(s);
  CHECK(s.stalls == 2);
  const auto stopped = std::chrono::duration_cast<std::chrono::microseconds>(opened - writer_start).count();
  CHECK(stopped >= 50'000);
  CHECK(s.stall_micros >= static_cast<std::uint64_t>(stopped) * 9 / 10);  // the stop was counted
  CHECK(s.compactions >= 1);
  check_all(**st, m, w.last());
}

TEST_CASE("readers agree with a snapshot while flushes and compactions run") {
  auto fs = std::make_shared<io::memory_fs>();
  auto st = leveled_store::open(fs, k_dir, small_options<ix::leveled<>>(), cmp_t{});
  REQUIRE(st);
  model m;
  workload w(200, 17);
  for (int i = 0; i < 6; ++i) {
    vector_iterator it(w.batch(50, m));
    REQUIRE((*st)->flush(it, w.last(), w.last()).ok());
  }
  const auto snap = w.last();
  const auto want = m.state(snap);
  std::atomic<bool> stop{false};
  std::atomic<int> reads{0};
  auto reader = [&](int id) {
    std::string out;
    int round = 0;
    while (!stop) {
      const std::string k = key_of((id * 37 + round * 11) % 200);
      const auto expect = m.get(k, snap);
      const auto s = (*st)->get(k, snap, out, {});
      if (expect) {
        CHECK(s.ok());
        CHECK(out == *expect);
      } else {
        CHECK(s.is_not_found());
      }
      if (++round % 25 == 0) CHECK(scan_forward(**st, snap) == want);
      ++reads;
    }
  };
  // The model is written only by the flushing thread below, before readers
  // start; readers see it read-only.
  std::vector<std::vector<entry>> batches;
  model later = m;
  for (int i = 0; i < 30; ++i) batches.push_back(w.batch(50, later));
  std::thread r1(reader, 1), r2(reader, 2);
  for (auto& b : batches) {
    const auto last = b.back().seq;
    vector_iterator it(std::move(b));
    REQUIRE((*st)->throttle().ok());
    REQUIRE((*st)->flush(it, last, snap).ok());  // the readers' snapshot stays visible
  }
  REQUIRE((*st)->wait_for_compactions().ok());
  stop = true;
  r1.join();
  r2.join();
  CHECK(reads > 0);
  check_all(**st, later, w.last());
  check_all(**st, later, snap);
  CHECK((*st)->compactions() > 0);
}

}  // namespace
