// persist::none<>: the policy that keeps nothing. Same interface as every
// persist policy, no I/O: recover replays nothing, append only assigns
// sequence numbers, a "segment" is a number and releasing one does nothing.
// For purely in-memory engines, and as the log of persist::snapshot<>.
//
// Thread safety: every member may be called from any thread at once, except
// open, recover and close, which a caller orders before / after the rest.
//
// Invariants:
//   1. Sequence numbers are handed out without gaps or overlaps, as by the WAL
//      (an empty batch gets last + 1 and uses none).
//   2. Nothing is ever written: write_options.sync is accepted and means
//      nothing (durable is false).
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <utility>

#include "jadekv/core/internal_key.hpp"
#include "jadekv/core/options.hpp"
#include "jadekv/core/result.hpp"
#include "jadekv/core/status.hpp"
#include "jadekv/core/write_batch.hpp"
#include "jadekv/detail/contract.hpp"
#include "jadekv/io/file_system.hpp"
#include "jadekv/persist/detail/apply.hpp"
#include "jadekv/persist/recovery.hpp"
#include "jadekv/persist/stats.hpp"

namespace jadekv::inline v0::persist {

// The defaulted parameter only makes it spelled none<> like every policy.
template <class = void>
class none {
 public:
  struct options {};

  static constexpr bool durable = false;

  // Touches nothing: not even dir is created.
  static result<none> open(std::shared_ptr<io::file_system>, const std::filesystem::path&, const options&) {
    return none(std::make_unique<state>());
  }
  static result<none> open(std::shared_ptr<io::file_system> fs, const std::filesystem::path& dir) {
    return open(std::move(fs), dir, options{});
  }

  none(none&&) noexcept = default;
  none& operator=(none&&) noexcept = default;
  ~none() = default;

  // Replays nothing. REQUIRES: called once, before any append.
  template <class F>
  status recover(F&& apply) {
    return recover_from(nullptr, apply);
  }
  const recovery_report& report() const { return st().report; }
  sequence_number last_sequence() const { return st().last.load(std::memory_order_acquire); }

  // Sets b's sequence numbers; nothing else.
  status append(write_batch& b, const write_options&) {
    auto& s = st();
    if (s.closed.load(std::memory_order_acquire)) return status::closed("persist::none: closed");
    if (!s.recovered.load(std::memory_order_acquire)) return status::invalid_argument("persist::none: append before recover()");
    // fetch_add hands each caller its own range; acq_rel orders it with the
    // other appends' ranges and with last_sequence() readers.
    b.set_sequence(s.last.fetch_add(b.count(), std::memory_order_acq_rel) + 1);
    s.records.fetch_add(1, std::memory_order_relaxed);
    return {};
  }
  status append(write_batch& b) { return append(b, write_options{}); }

  result<std::uint64_t> switch_segment() { return new_file_number(); }
  status release_segments_before(std::uint64_t) { return {}; }
  std::uint64_t current_segment() const { return st().number.load(std::memory_order_relaxed); }

  ::jadekv::persist::stats stats() const {
    ::jadekv::persist::stats out;
    out.records = st().records.load(std::memory_order_relaxed);
    return out;
  }

  status close() {
    st().closed.store(true, std::memory_order_release);
    return {};
  }

  // ---- Used by persist::snapshot<>; not part of the policy concept.
  static result<none> open_log(std::shared_ptr<io::file_system> fs, const std::filesystem::path& dir,
                               const options& o, detail::log_open_args) {
    return open(std::move(fs), dir, o);
  }
  // Sets last_sequence() to base->after (if given); replays nothing.
  template <class F>
  status recover_from(const detail::replay_base* base, F&) {
    auto& s = st();
    if (s.recovered.load(std::memory_order_acquire)) return status::invalid_argument("persist::none: recover() called twice");
    if (base) s.last.store(base->after, std::memory_order_release);
    s.recovered.store(true, std::memory_order_release);
    return {};
  }
  result<detail::rotation> rotate() { return detail::rotation{new_file_number(), last_sequence()}; }
  std::uint64_t new_file_number() { return st().number.fetch_add(1, std::memory_order_relaxed) + 1; }
  void note_file_number(std::uint64_t n) {
    // Raise the counter to at least n; relaxed: only uniqueness matters.
    auto& num = st().number;
    std::uint64_t cur = num.load(std::memory_order_relaxed);
    while (cur < n && !num.compare_exchange_weak(cur, n, std::memory_order_relaxed)) {
    }
  }

 private:
  struct state {
    std::atomic<sequence_number> last{0};
    std::atomic<std::uint64_t> records{0};
    std::atomic<std::uint64_t> number{0};  // the last file number handed out
    std::atomic<bool> recovered{false};
    std::atomic<bool> closed{false};
    recovery_report report;  // stays empty
  };

  explicit none(std::unique_ptr<state> s) noexcept : st_(std::move(s)) {}

  state& st() const {
    if (!st_) ::jadekv::detail::contract_violation("persist::none used after being moved from");
    return *st_;
  }

  std::unique_ptr<state> st_;
};

}  // namespace jadekv::inline v0::persist
