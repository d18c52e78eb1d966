// persist::snapshot<wal<>> and snapshot<>: a workload of writes, checkpoints
// and a reopen, stopped after every one of its I/O operations, by power loss
// (fault_fs::crash()) and by kill -9 with the next write torn.
//   snapshot<wal<>>: the recovered state is the state after some prefix of
//     the writes, at least every synced (power loss) or acknowledged (kill -9)
//     one, with last_sequence() matching that prefix: nothing invented, no
//     hole, and a torn or half-written snapshot never loaded.
//   snapshot<>: the recovered state is exactly that of a checkpoint that was
//     attempted, at least the last one that returned ok (or empty before the
//     first): a torn snapshot never replaces a good one.
#include <jadekv/persist/snapshot.hpp>

#include <doctest/doctest.h>

#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <jadekv/persist/wal.hpp>

#include "persist_env.hpp"

namespace {

using namespace persist_test;
using fault_mem = io::fault_fs<io::memory_fs>;
using snap_wal = persist::snapshot<persist::wal<256>>;
using snap = persist::snapshot<>;

const std::filesystem::path k_dir = "/db";
constexpr int k_batches = 30;

struct run_log {
  int attempted = 0;
  int synced = 0;  // snapshot<wal<>>: writes [0, synced) survive power loss
  int acked = 0;   // writes [0, acked) were acknowledged
  std::vector<int> checkpoints_tried;  // snapshot<>: prefixes a checkpoint was attempted at
  int checkpoint_done = 0;             // the prefix of the last checkpoint that returned ok
  bool finished = false;
};

template <class P>
std::optional<P> open_and_recover(const std::shared_ptr<io::file_system>& fs, model& m) {
  auto p = P::open(fs, k_dir);
  if (!p) return std::nullopt;
  m.clear();
  if (!p->recover([&m](const kv::write_batch& b) { apply_to(m, b); }).ok()) return std::nullopt;
  return std::move(*p);
}

template <class P>
void workload(const std::shared_ptr<io::file_system>& fs, run_log& log) {
  model m;
  auto p = open_and_recover<P>(fs, m);
  if (!p) return;
  auto src = [&m](auto&& emit) {
    for (const auto& [k, v] : m) emit(k, v);
  };
  for (int i = 0; i < k_batches; ++i) {
    auto b = workload_batch(i);
    const bool sync = i % 4 == 0;
    log.attempted = i + 1;
    if (!p->append(b, kv::write_options{sync}).ok()) return;
    apply_to(m, b);
    log.acked = i + 1;
    if (sync) log.synced = log.acked;
    if (i % 7 == 6) {
      log.checkpoints_tried.push_back(i + 1);
      if (!p->checkpoint(src).ok()) return;
      log.checkpoint_done = i + 1;
      log.synced = log.acked;
    }
    if (i == 17) {  // a clean close (snapshot<> checkpoints at close) and reopen
      if constexpr (P::durable) {
        if (!p->close().ok()) return;
        log.synced = log.acked;
      } else {
        log.checkpoints_tried.push_back(i + 1);
        if (!p->close(src).ok()) return;
        log.checkpoint_done = i + 1;
      }
      p.reset();
      p = open_and_recover<P>(fs, m);
      if (!p) return;
    }
  }
  if (!p->close().ok()) return;
  if (P::durable) log.synced = log.acked;
  log.finished = true;
}

kv::sequence_number last_sequence_of(int n) {
  kv::sequence_number s = 0;
  for (int j = 0; j < n; ++j) s += workload_batch(j).count();
  return s;
}

template <class P>
std::string verify(const std::shared_ptr<io::file_system>& fs, const run_log& log, bool power_loss) {
  std::ostringstream why;
  auto p = P::open(fs, k_dir);
  if (!p) return "open: " + p.status().to_string();
  model m;
  if (auto s = p->recover([&m](const kv::write_batch& b) { apply_to(m, b); }); !s.ok()) return "recover: " + s.to_string();
  // The longest prefix whose state was recovered. The last sequence number
  // is at least its end (no number is given twice) and may be past it only
  // where recovery set unsynced segments aside, never past what was tried.
  int n = log.attempted;
  while (n > 0 && m != workload_state(n)) --n;
  if (m != workload_state(n)) {
    why << " the state is that of no prefix of the writes;";
    return why.str();
  }
  if (p->last_sequence() < last_sequence_of(n) || p->last_sequence() > last_sequence_of(log.attempted)) {
    why << " last_sequence " << p->last_sequence() << " is outside [" << last_sequence_of(n) << ", "
        << last_sequence_of(log.attempted) << "];";
  }
  if constexpr (P::durable) {
    const int must = power_loss ? log.synced : log.acked;
    if (n < must) why << " lost writes: " << n << " recovered, " << must << " must survive;";
  } else {
    const bool tried = n == 0 || std::find(log.checkpoints_tried.begin(), log.checkpoints_tried.end(), n) !=
                                     log.checkpoints_tried.end();
    if (!tried) why << " the state after " << n << " writes was never checkpointed;";
    if (n < log.checkpoint_done) why << " lost the checkpoint at " << log.checkpoint_done << ", got " << n << ";";
  }
  // It goes on: one more write (and checkpoint), then a reopen sees it.
  auto extra = workload_batch(1000);
  if (!p->append(extra, kv::write_options{true}).ok()) return why.str() + " no write after recovery;";
  apply_to(m, extra);
  if (!p->checkpoint([&m](auto&& emit) {
         for (const auto& [k, v] : m) emit(k, v);
       }).ok() ||
      !p->close().ok()) {
    return why.str() + " no checkpoint after recovery;";
  }
  model again;
  auto q = open_and_recover<P>(fs, again);
  if (!q || again != m) why << " the reopen after recovery lost the extra write;";
  return why.str();
}

template <class P>
void crash_everywhere(const char* label) {
  std::uint64_t total_ops = 0;
  {
    auto fs = std::make_shared<fault_mem>();
    run_log log;
    workload<P>(fs, log);
    REQUIRE(log.finished);
    total_ops = fs->operation_count();
    REQUIRE(verify<P>(fs, log, true).empty());
  }
  int cases = 0, failures = 0;
  for (std::uint64_t k = 0; k <= total_ops; ++k) {
    for (bool power_loss : {true, false}) {
      auto fs = std::make_shared<fault_mem>();
      if (power_loss) {
        fs->fail_from(k + 1);
      } else {
        fs->fail_from(k + 2);
        fs->tear_at(k + 1, 1 + static_cast<std::size_t>(k * 11 % 60));
      }
      run_log log;
      workload<P>(fs, log);
      if (power_loss) REQUIRE(fs->crash().ok());
      fs->clear_faults();
      const std::string problems = verify<P>(fs, log, power_loss);
      ++cases;
      if (!problems.empty()) ++failures;
      CHECK_MESSAGE(problems.empty(), std::string(label), (power_loss ? ": power loss" : ": kill -9, torn write"),
                    " after operation ", k, " of ", total_ops, ":", problems);
    }
  }
  MESSAGE(std::string(label), " crash points: ", total_ops + 1, " (after each of ", total_ops,
          " I/O operations, and before the first) x 2 (power loss; kill -9 with the next write torn) = ", cases,
          " cases, ", failures, " failures");
  CHECK(failures == 0);
}

}  // namespace

TEST_CASE("snapshot<wal<>>: a crash after every I/O operation keeps every synced write, invents nothing") {
  crash_everywhere<snap_wal>("snapshot<wal<>>");
}

TEST_CASE("snapshot<>: a crash after every I/O operation leaves exactly a checkpointed state") {
  crash_everywhere<snap>("snapshot<>");
}
