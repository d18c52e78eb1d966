// Runs a random workload of puts, gets and erases over a few hot keys from
// several threads at once, and records the history (history.hpp).
//
// A store is anything with status put(k, v), result<std::string> get(k) and
// status erase(k): every engine, and the test doubles in this folder. Every
// put writes a value no other put writes, so a read names the put it saw.
//
// Thread safety: run() starts and joins its own threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <latch>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <jadekv/core/result.hpp>
#include <jadekv/core/status.hpp>

#include "history.hpp"

namespace linearizability {

struct workload {
  std::size_t threads = 3;
  std::size_t keys = 3;
  std::size_t ops_per_thread = 200;
  std::uint64_t seed = 1;
};

struct run_result {
  history h;
  std::string error;  // the first unexpected status a store returned, if any
};

template <class Store>
run_result run(Store& store, const workload& w) {
  recorder rec(w.threads);
  std::latch start(static_cast<std::ptrdiff_t>(w.threads));
  std::mutex error_mu;
  std::string error;
  auto fail = [&](const std::string& what) {
    std::lock_guard g(error_mu);
    if (error.empty()) error = what;
  };
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < w.threads; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937_64 rng(w.seed * 1000 + t);
      auto& log = rec.log(t);
      start.arrive_and_wait();
      for (std::size_t i = 0; i < w.ops_per_thread; ++i) {
        operation o;
        o.thread = static_cast<std::uint32_t>(t);
        o.key = "hot" + std::to_string(rng() % w.keys);
        const auto dice = rng() % 10;
        o.kind = dice < 4 ? op_kind::put : dice < 5 ? op_kind::erase : op_kind::get;
        if (o.kind == op_kind::put) o.value = "t" + std::to_string(t) + "." + std::to_string(i);
        o.invoke = rec.stamp();
        jadekv::status s;
        if (o.kind == op_kind::put) {
          s = store.put(o.key, o.value);
        } else if (o.kind == op_kind::erase) {
          s = store.erase(o.key);
        } else {
          auto r = store.get(o.key);
          if (r) o.result = std::move(*r);
          else if (!r.status().is_not_found()) s = r.status();
        }
        o.ret = rec.stamp();
        if (!s.ok()) fail(s.to_string());
        log.push_back(std::move(o));
      }
    });
  }
  for (auto& th : threads) th.join();
  return {rec.merged(), error};
}

// Serialises every call of a store that allows one thread at a time
// (concurrency::single): the history still has overlapping calls, since
// each call is stamped before it waits for the lock.
template <class Store>
class serialised {
 public:
  explicit serialised(Store& s) : store_(s) {}
  jadekv::status put(const std::string& k, const std::string& v) {
    std::lock_guard g(mu_);
    return store_.put(k, v);
  }
  jadekv::status erase(const std::string& k) {
    std::lock_guard g(mu_);
    return store_.erase(k);
  }
  jadekv::result<std::string> get(const std::string& k) {
    std::lock_guard g(mu_);
    return store_.get(k);
  }

 private:
  Store& store_;
  std::mutex mu_;
};

}  // namespace linearizability
