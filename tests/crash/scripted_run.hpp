// scripted_run<E>: the in-process workload of the power-loss runs and the
// fault matrix. Over any file system (a fault_fs in practice) it creates a
// database, runs `steps` steps of seeded writes (puts, erases, batches,
// transactions where E has them; one in four synced) with a flush, a
// compaction or a checkpoint every 40 steps and a clean close and reopen
// half-way, then closes. It stops at the first call that fails, as a
// process that gives up there, and records everything in a history.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "history.hpp"
#include "workload.hpp"

namespace crash {

template <class E>
class scripted_run {
 public:
  scripted_run(std::shared_ptr<kv::io::file_system> fs, std::uint64_t seed, std::size_t steps)
      : opt_(crash_options<E>("/db", std::move(fs))), source_(seed, has_transactions<E>, 4), steps_(steps) {}

  // Runs until step `stop_after` (or the end, closing the database), or the
  // first failure. The database stays open when stopped early.
  void run(std::size_t stop_after = ~std::size_t{0}) {
    if (!open()) return;
    for (std::size_t i = 0; i < steps_; ++i) {
      if (i == stop_after) return;
      if (i == steps_ / 2) {
        if (!close() || !open()) return;
      } else if (i % 40 == 39) {
        if (!maintain_step(static_cast<maintenance>((i / 40) % 3))) return;
      } else if (!write_step()) {
        return;
      }
    }
    (void)close();
  }

  // Closes the database if open (recording a close that completed as a
  // checkpoint where E takes one), and destroys it.
  bool close() {
    if (!db) return true;
    if (checkpoints_only<E>) h.checkpoints_attempted.push_back(h.ops.size());
    auto s = db->close();
    db.reset();
    if (!s.ok()) return fail(s);
    h.all_durable();
    if (checkpoints_only<E>) h.checkpoint_acked = h.ops.size();
    return true;
  }

  // Opens the directory again after the run, and checks what it holds
  // against the history: a prefix with at least must_have ops. Empty when
  // all is well.
  std::string verify(std::size_t must_have) const {
    std::string why;
    {
      auto r = E::open(opt_);
      if (!r) return " reopen failed: " + r.status().to_string() + ";";
      const observed o = observe(*r);
      why += o.problems;
      if (o.problems.empty()) why += check_prefix(h, o.versions, must_have, checkpoints_only<E>);
      if (auto s = r->close(); !s.ok()) why += " close after reopen: " + s.to_string() + ";";
    }
    if (auto s = check_index<E>(opt_); !s.ok()) why += " check(): " + s.to_string() + ";";
    return why;
  }

  // What must survive: after power loss, or after the process died with
  // the OS intact.
  std::size_t must_survive(bool power_loss) const {
    if (checkpoints_only<E>) return h.checkpoint_acked;
    return power_loss ? h.durable : h.acked;
  }

  history h;
  kv::status error;  // the first failure
  std::optional<E> db;

 private:
  bool fail(kv::status s) {
    if (error.ok()) error = std::move(s);
    return false;
  }

  bool open() {
    auto r = E::open(opt_);
    if (!r) return fail(r.status());
    db.emplace(std::move(*r));
    return true;
  }

  bool write_step() {
    h.attempt(source_.next(next_version_));
    if (auto s = apply(*db, h.ops.back()); !s.ok()) return fail(s);
    h.ack();
    return true;
  }

  bool maintain_step(maintenance m) {
    const bool checkpoint = checkpoints_only<E> && m != maintenance::compact;
    if (checkpoint) h.checkpoints_attempted.push_back(h.ops.size());
    if (auto s = maintain(*db, m); !s.ok()) return fail(s);
    if (flush_is_durable<E> && m != maintenance::compact) h.all_durable();
    if (checkpoint) h.checkpoint_acked = h.ops.size();
    return true;
  }

  typename E::options opt_;
  op_source source_;
  std::size_t steps_;
  std::uint64_t next_version_ = 1;
};

}  // namespace crash
