// shared_state: the expected state of a kill -9 run, in a file both the
// writing child and the verifying processes map (MAP_SHARED), so that it
// survives the SIGKILL of the writer: a store to the mapping is in the page
// cache as soon as it is made.
//
// Protocol of the writer, one call at a time:
//   1. in_flight_writes[0, n) = (key, before, after); in_flight = 1
//   2. the call (put, erase, batch, transaction commit)
//   3. on ok: committed[key] = after for each; acked (+ synced) += 1;
//      in_flight = 0
// So after a kill each key holds committed[key], except the keys of the
// call in flight, which hold all their `before` or all their `after`
// versions (a batch is atomic). For persist::snapshot<> (writes survive only
// at checkpoints) the writer copies committed into checkpoint[1 - current],
// sets checkpoint_pending to that slot, checkpoints, and on ok makes it
// current: the database holds checkpoint[current] or checkpoint[pending].
//
// Layout: one struct of 64-bit words, accessed through std::atomic_ref so
// that the compiler neither drops nor reorders the stores.
#pragma once

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <type_traits>

#include "write_op.hpp"

namespace crash {

inline constexpr std::uint64_t k_state_magic = 0x6a6164656b76636bULL;
inline constexpr std::uint64_t k_no_checkpoint = 2;

struct state_layout {
  std::uint64_t magic;
  std::uint64_t next_version;
  std::uint64_t in_flight;
  std::uint64_t in_flight_count;
  std::uint64_t in_flight_key[k_max_writes_per_op];
  std::uint64_t in_flight_before[k_max_writes_per_op];
  std::uint64_t in_flight_after[k_max_writes_per_op];
  std::uint64_t committed[k_keys];
  std::uint64_t checkpoint_current;
  std::uint64_t checkpoint_pending;
  std::uint64_t checkpoint[2][k_keys];
  // Totals over the whole run, for the report.
  std::uint64_t acked;
  std::uint64_t acked_synced;
  std::uint64_t checkpoints;
  std::uint64_t kills_in_flight;  // kills that caught a call in flight
};
static_assert(std::is_trivially_copyable_v<state_layout>);
static_assert(std::atomic_ref<std::uint64_t>::is_always_lock_free);

// A word of the mapping, read or written atomically.
inline std::uint64_t load(std::uint64_t& w) { return std::atomic_ref<std::uint64_t>(w).load(std::memory_order_acquire); }
inline void store(std::uint64_t& w, std::uint64_t v) {
  std::atomic_ref<std::uint64_t>(w).store(v, std::memory_order_release);
}

// The mapped state file; created zeroed (with its magic) when missing.
class shared_state {
 public:
  explicit shared_state(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT, 0644);
    if (fd < 0) return;
    if (::ftruncate(fd, sizeof(state_layout)) == 0) {
      void* p = ::mmap(nullptr, sizeof(state_layout), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
      if (p != MAP_FAILED) s_ = static_cast<state_layout*>(p);
    }
    ::close(fd);
    if (s_ && load(s_->magic) != k_state_magic) {
      store(s_->next_version, 1);
      store(s_->checkpoint_pending, k_no_checkpoint);
      store(s_->magic, k_state_magic);
    }
  }
  ~shared_state() {
    if (s_) ::munmap(s_, sizeof(state_layout));
  }
  shared_state(const shared_state&) = delete;
  shared_state& operator=(const shared_state&) = delete;

  bool ok() const { return s_ != nullptr; }
  state_layout& operator*() const { return *s_; }
  state_layout* operator->() const { return s_; }

 private:
  state_layout* s_ = nullptr;
};

}  // namespace crash
