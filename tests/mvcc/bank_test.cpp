// Bank transfers: two threads move money between accounts in serializable
// transactions (retrying conflicts) for a fixed time while a third takes
// snapshots and sums every account; the total never changes, in any
// snapshot or at the end. Run under TSan in CI.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "mvcc_engines.hpp"

using namespace mvcc_test;

namespace {

constexpr int k_accounts = 8;
constexpr int k_initial = 100;

std::string account(int i) { return "acct" + std::to_string(i); }

template <class E>
long long total(const E& db, const kv::read_options& ro, int& entries) {
  long long sum = 0;
  entries = 0;
  auto it = db.iterator(ro);
  for (it.seek_to_first(); it.valid(); it.next(), ++entries) sum += std::stoll(std::string(it.value()));
  REQUIRE(it.status().ok());
  return sum;
}

}  // namespace

TEST_CASE_TEMPLATE("bank transfers keep the total in every snapshot", E, memory_db, lsm_db, bptree_db) {
  conformance::harness<E> h;
  E db = h.open();
  for (int i = 0; i < k_accounts; ++i) REQUIRE(db.put(account(i), std::to_string(k_initial)).ok());
  const long long want = static_cast<long long>(k_accounts) * k_initial;

  std::atomic<bool> stop{false};
  std::atomic<int> committed{0}, conflicts{0}, failures{0}, bad_totals{0}, snapshots{0};
  auto transfer = [&](unsigned seed) {
    std::mt19937 rng(seed);
    while (!stop.load()) {
      const int from = static_cast<int>(rng() % k_accounts), to = static_cast<int>(rng() % k_accounts);
      if (from == to) continue;
      auto tx = db.begin(kv::tx_options{.read_only = false, .isolation = kv::isolation::serializable});
      auto a = tx.get(account(from)), b = tx.get(account(to));
      if (!a || !b) {
        ++failures;
        continue;
      }
      const int amount = static_cast<int>(rng() % 20);
      if (!tx.put(account(from), std::to_string(std::stoi(*a) - amount)).ok() ||
          !tx.put(account(to), std::to_string(std::stoi(*b) + amount)).ok()) {
        ++failures;
        continue;
      }
      const kv::status s = tx.commit();
      if (s.ok()) ++committed;
      else if (s.is_conflict()) ++conflicts;
      else ++failures;
    }
  };
  auto audit = [&] {
    while (!stop.load()) {
      auto snap = db.snapshot();
      kv::read_options ro;
      ro.snapshot = &snap;
      int entries = 0;
      if (total(db, ro, entries) != want || entries != k_accounts) ++bad_totals;
      ++snapshots;
    }
  };
  std::thread t1(transfer, 1u), t2(transfer, 2u), t3(audit);
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  stop = true;
  t1.join();
  t2.join();
  t3.join();
  MESSAGE(committed.load() << " transfers committed, " << conflicts.load() << " conflicted, " << snapshots.load()
                           << " snapshots audited");
  CHECK(failures.load() == 0);
  CHECK(bad_totals.load() == 0);
  CHECK(committed.load() > 0);
  CHECK(snapshots.load() > 0);
  int entries = 0;
  CHECK(total(db, kv::read_options{}, entries) == want);
  db = h.reopen(db);
  CHECK(total(db, kv::read_options{}, entries) == want);
}
