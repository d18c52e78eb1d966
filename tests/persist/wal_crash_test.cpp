// persist::wal: a workload of synced and unsynced appends, segment switches,
// a release and a reopen, stopped after every one of its I/O operations:
//   - by power loss (fault_fs::crash(): everything not fsynced is lost):
//     every synced write survives;
//   - by kill -9 with the next write torn (no crash(): the OS keeps what it
//     was handed): every acknowledged write survives.
// In both, recovery returns a prefix of what was attempted, in order, with
// contiguous sequence numbers: nothing invented, no hole. Then the log takes
// a new write (numbered past every recovered one) and reopens with it.
#include <jadekv/persist/wal.hpp>

#include <doctest/doctest.h>

#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "persist_env.hpp"

namespace {

using namespace persist_test;
using wal = persist::wal<256>;  // small blocks: the big batches span several
using fault_mem = io::fault_fs<io::memory_fs>;

const std::filesystem::path k_dir = "/db";
constexpr int k_batches = 24;

struct run_log {
  std::vector<std::string> attempted;  // bodies of the batches appended, in order
  std::size_t synced = 0;              // batches [0, synced) survive power loss
  std::size_t acked = 0;               // batches [0, acked) were acknowledged
  bool release_attempted = false;      // batches 0..7 may be gone (released)
  bool finished = false;
};

std::optional<wal> open_and_recover(const std::shared_ptr<io::file_system>& fs) {
  auto w = wal::open(fs, k_dir);
  if (!w) return std::nullopt;
  if (!w->recover([](const kv::write_batch&) {}).ok()) return std::nullopt;
  return std::move(*w);
}

// Stops at the first error, as a process that dies there.
void workload(const std::shared_ptr<io::file_system>& fs, run_log& log) {
  auto w = open_and_recover(fs);
  if (!w) return;
  std::uint64_t second_segment = 0;
  for (int i = 0; i < k_batches; ++i) {
    auto b = workload_batch(i);
    const bool sync = i % 3 == 0;
    log.attempted.push_back(body(b));
    if (!w->append(b, kv::write_options{sync}).ok()) return;
    log.acked = static_cast<std::size_t>(i) + 1;
    if (sync) log.synced = log.acked;
    if (i == 7 || i == 19) {  // a memtable switch: the old segment is not fsynced (a later synced write does it)
      auto n = w->switch_segment();
      if (!n) return;
      if (i == 7) second_segment = *n;
    }
    if (i == 11) {  // batches 0..7 flushed elsewhere
      log.release_attempted = true;
      if (!w->release_segments_before(second_segment).ok()) return;
    }
    if (i == 15) {  // a clean close and reopen
      if (!w->close().ok()) return;
      log.synced = log.acked;
      w.reset();
      w = open_and_recover(fs);
      if (!w) return;
    }
  }
  if (!w->close().ok()) return;
  log.synced = log.acked;
  log.finished = true;
}

// The sequence number batch i of the workload gets.
kv::sequence_number sequence_of(std::size_t i) {
  kv::sequence_number s = 1;
  for (std::size_t j = 0; j < i; ++j) s += workload_batch(static_cast<int>(j)).count();
  return s;
}

// Recovers and checks; returns the problems found (empty when none).
std::string verify(const std::shared_ptr<io::file_system>& fs, const run_log& log, std::size_t must_have) {
  std::ostringstream why;
  auto w = wal::open(fs, k_dir);
  if (!w) return "open: " + w.status().to_string();
  replay r;
  if (auto s = w->recover(r.fn()); !s.ok()) return "recover: " + s.to_string();
  const std::size_t got = r.batches.size();
  // The batches are attempted[start, start + got) for start 0, or 8 once the
  // first segment may have been released.
  std::optional<std::size_t> start;
  for (std::size_t s : {std::size_t{0}, std::size_t{8}}) {
    if (s == 8 && !log.release_attempted) continue;
    if (s + got > log.attempted.size()) continue;
    bool same = true;
    for (std::size_t j = 0; j < got && same; ++j) same = body(r.batches[j]) == log.attempted[s + j];
    if (same && (got > 0 || s == 0)) {
      start = s;
      break;
    }
  }
  if (!start) {
    why << " recovered " << got << " batches that are no run of the attempted ones;";
    return why.str();
  }
  const std::size_t end = *start + got;
  if (end < must_have) why << " lost writes: recovered up to " << end << ", " << must_have << " must survive;";
  for (std::size_t j = 0; j < got; ++j) {
    if (r.batches[j].sequence() != sequence_of(*start + j)) {
      why << " batch " << *start + j << " has sequence " << r.batches[j].sequence() << ";";
      break;
    }
  }
  if (got == 0 && end > 0) why << " empty;";
  // A new write goes on from there and survives a reopen.
  kv::write_batch extra;
  extra.put("extra", "write");
  if (!w->append(extra, kv::write_options{true}).ok() || !w->close().ok()) {
    why << " could not write after recovery;";
  } else if (extra.sequence() < sequence_of(end) || extra.sequence() > sequence_of(log.attempted.size())) {
    // Above every number recovered; above the recovered end only where a
    // power loss cut a segment and recovery set later ones aside (their
    // numbers are not given again).
    why << " the next write got sequence " << extra.sequence() << ", want " << sequence_of(end) << " to "
        << sequence_of(log.attempted.size()) << ";";
  } else {
    auto again = wal::open(fs, k_dir);
    replay r2;
    if (!again || !again->recover(r2.fn()).ok() || r2.batches.size() != got + 1 ||
        body(r2.batches.back()) != body(extra) || again->report().bytes_dropped != 0) {
      why << " the reopen after the extra write did not see exactly it;";
    }
  }
  return why.str();
}

}  // namespace

TEST_CASE("wal: a crash after every I/O operation loses no synced write and invents nothing") {
  std::uint64_t total_ops = 0;
  {
    auto fs = std::make_shared<fault_mem>();
    run_log log;
    workload(fs, log);
    REQUIRE(log.finished);
    total_ops = fs->operation_count();
    REQUIRE(verify(fs, log, k_batches).empty());
  }
  int cases = 0, failures = 0;
  for (std::uint64_t k = 0; k <= total_ops; ++k) {
    for (int variant = 0; variant < 2; ++variant) {
      auto fs = std::make_shared<fault_mem>();
      const bool power_loss = variant == 0;
      if (power_loss) {
        fs->fail_from(k + 1);
      } else {
        fs->fail_from(k + 2);
        fs->tear_at(k + 1, 1 + static_cast<std::size_t>(k * 7 % 40));
      }
      run_log log;
      workload(fs, log);
      if (power_loss) REQUIRE(fs->crash().ok());
      fs->clear_faults();
      const std::string problems = verify(fs, log, power_loss ? log.synced : log.acked);
      ++cases;
      if (!problems.empty()) ++failures;
      CHECK_MESSAGE(problems.empty(), (power_loss ? "power loss" : "kill -9, torn write"), " after operation ", k,
                    " of ", total_ops, ":", problems);
    }
  }
  MESSAGE("wal crash points: ", total_ops + 1, " (after each of ", total_ops,
          " I/O operations, and before the first) x 2 (power loss; kill -9 with the next write torn) = ", cases,
          " cases, ", failures, " failures");
  CHECK(failures == 0);
}
