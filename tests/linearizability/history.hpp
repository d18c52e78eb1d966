// A history of single-key register operations (put, get, erase) from several
// threads, with the order of every call and return taken from one global
// counter: operation a happened before b exactly when a.ret < b.invoke.
// The checker (checker.hpp) searches it for a linearization.
//
// Thread safety: recorder::stamp() may be called from any thread; each
// thread appends to its own log (recorder::log(t)), merged by history()
// once the threads are joined.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace linearizability {

enum class op_kind : std::uint8_t { put, get, erase };

struct operation {
  std::uint32_t thread = 0;
  op_kind kind = op_kind::get;
  std::string key;
  std::string value;                  // put: the value written
  std::optional<std::string> result;  // get: the value read, nullopt for not found
  std::uint64_t invoke = 0;           // stamp taken just before the call
  std::uint64_t ret = 0;              // stamp taken just after it returned
};

using history = std::vector<operation>;

class recorder {
 public:
  explicit recorder(std::size_t threads) : logs_(threads) {}

  // The next stamp. seq_cst: stamps are totally ordered with every other
  // stamp, and a stamp taken after a call returned is larger than one taken
  // by another thread before a call that observed its effect was invoked.
  std::uint64_t stamp() noexcept { return clock_.fetch_add(1, std::memory_order_seq_cst); }

  std::vector<operation>& log(std::size_t thread) { return logs_[thread]; }

  // Every thread's operations. REQUIRES: the threads are joined.
  history merged() const {
    history h;
    for (const auto& l : logs_) h.insert(h.end(), l.begin(), l.end());
    return h;
  }

 private:
  std::atomic<std::uint64_t> clock_{1};
  std::vector<std::vector<operation>> logs_;
};

// Operations whose call overlaps a call of another thread: a history with
// none tests nothing about concurrency.
inline std::size_t overlapping(const history& h) {
  std::size_t n = 0;
  for (const auto& a : h) {
    for (const auto& b : h) {
      if (a.thread != b.thread && a.invoke < b.ret && b.invoke < a.ret) {
        ++n;
        break;
      }
    }
  }
  return n;
}

}  // namespace linearizability
