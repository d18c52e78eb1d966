// The mvcc model test: the model test's random writes plus snapshots and
// transactions, checked against a model that keeps every committed version
// a live snapshot can see (a copy of the map per snapshot). Transactions
// interleave with plain writes, and the model predicts each commit's
// outcome: a conflict exactly when a key the transaction wrote (or, when
// serializable, read) was written after its snapshot.
#pragma once

#include <doctest/doctest.h>

#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <jadekv/concurrency/mvcc.hpp>

#include "harness.hpp"
#include "model_suite.hpp"

namespace conformance {

template <class E>
inline constexpr bool has_snapshots = E::concurrency_type::snapshots;

using model_map = std::map<std::string, std::string>;

// One live snapshot and what it must show.
struct model_snapshot {
  kv::snapshot snap;
  model_map seen;
};

template <class E>
void check_snapshot(const E& db, const model_snapshot& m, std::mt19937_64& rng) {
  kv::read_options ro;
  ro.snapshot = &m.snap;
  const std::string k = "k" + std::to_string(rng() % 64);
  auto got = db.get(k, ro);
  auto want = m.seen.find(k);
  if (want == m.seen.end()) REQUIRE(got.status().is_not_found());
  else REQUIRE(got.value() == want->second);
  auto it = db.iterator(ro);
  auto w = m.seen.begin();
  for (it.seek_to_first(); it.valid(); it.next(), ++w) {
    REQUIRE(w != m.seen.end());
    REQUIRE(it.key() == w->first);
    REQUIRE(it.value() == w->second);
  }
  REQUIRE(it.status().ok());
  CHECK(w == m.seen.end());
}

}  // namespace conformance

TEST_CASE_TEMPLATE_DEFINE("snapshots and transactions match a versioned model", E, conformance_mvcc_model) {
  const std::uint64_t seed = conformance::model_seed(0x6d766363ull);
  INFO("seed " << seed << " (rerun with JADEKV_MODEL_SEED=" << seed << ")");
  std::mt19937_64 rng(seed);
  conformance::harness<E> h;
  E db = h.open();
  conformance::model_map model;
  std::vector<conformance::model_snapshot> snaps;
  auto key = [&] { return "k" + std::to_string(rng() % 64); };
  auto value = [&] { return std::string(rng() % 40, static_cast<char>('a' + rng() % 26)); };
  auto plain_write = [&](std::set<std::string>* written) {
    const std::string k = key();
    if (rng() % 3 == 0) {
      REQUIRE(db.erase(k).ok());
      model.erase(k);
    } else {
      const std::string v = value();
      REQUIRE(db.put(k, v).ok());
      model[k] = v;
    }
    if (written) written->insert(k);
  };
  int commits = 0, conflicts = 0;
  for (int step = 0; step < 1200; ++step) {
    CAPTURE(step);
    const unsigned op = static_cast<unsigned>(rng() % 100);
    if (op < 40) {
      plain_write(nullptr);
    } else if (op < 50) {
      if (snaps.size() < 4) snaps.push_back({db.snapshot(), model});
      else snaps.erase(snaps.begin() + static_cast<std::ptrdiff_t>(rng() % snaps.size()));
    } else if (op < 65) {
      if (!snaps.empty()) conformance::check_snapshot(db, snaps[rng() % snaps.size()], rng);
    } else if (op < 95) {
      // A transaction with plain writes interleaved; the model predicts its outcome.
      const bool serializable = rng() % 2 == 0;
      auto tx = db.begin(kv::tx_options{.read_only = false,
                                        .isolation = serializable ? kv::isolation::serializable
                                                                  : kv::isolation::snapshot});
      const conformance::model_map at_begin = model;
      std::map<std::string, std::optional<std::string>> writes;
      std::set<std::string> reads, written_since;
      for (int i = 0, n = 1 + static_cast<int>(rng() % 6); i < n; ++i) {
        const unsigned t = static_cast<unsigned>(rng() % 10);
        const std::string k = key();
        if (t < 4) {
          auto got = tx.get(k);
          std::optional<std::string> want;
          if (auto w = writes.find(k); w != writes.end()) want = w->second;
          else {
            reads.insert(k);
            if (auto m = at_begin.find(k); m != at_begin.end()) want = m->second;
          }
          if (want) REQUIRE(got.value() == *want);
          else REQUIRE(got.status().is_not_found());
        } else if (t < 7) {
          const std::string v = value();
          REQUIRE(tx.put(k, v).ok());
          writes[k] = v;
        } else if (t < 8) {
          REQUIRE(tx.erase(k).ok());
          writes[k] = std::nullopt;
        } else {
          plain_write(&written_since);
        }
      }
      if (rng() % 4 == 0) {
        // The transaction's iterator: its snapshot with its own writes over it.
        conformance::model_map view = at_begin;
        for (const auto& [k, v] : writes) {
          if (v) view[k] = *v;
          else view.erase(k);
        }
        auto it = tx.iterator();
        auto w = view.begin();
        for (it.seek_to_first(); it.valid(); it.next(), ++w) {
          REQUIRE(w != view.end());
          REQUIRE(it.key() == w->first);
          REQUIRE(it.value() == w->second);
        }
        REQUIRE(w == view.end());
        auto b = view.end();
        for (it.seek_to_last(); it.valid(); it.prev()) {
          REQUIRE(b != view.begin());
          --b;
          REQUIRE(it.key() == b->first);
        }
        REQUIRE(b == view.begin());
        if (serializable) reads.insert("*");  // an unbounded range was read
      }
      bool conflict = false;
      for (const auto& [k, v] : writes) conflict = conflict || written_since.count(k) > 0;
      if (serializable) {
        for (const auto& k : reads) conflict = conflict || written_since.count(k) > 0;
        if (reads.count("*") > 0 && !written_since.empty()) conflict = true;
      }
      const kv::status s = tx.commit();
      if (writes.empty()) {
        REQUIRE(s.ok());  // nothing to write never conflicts
      } else if (conflict) {
        REQUIRE(s.is_conflict());
        ++conflicts;
      } else if (s.is_conflict()) {
        // Only an iterated range may conflict without a model-visible cause:
        // after a flush an on-disk index answers conservatively.
        REQUIRE(reads.count("*") > 0);
        ++conflicts;
      } else {
        REQUIRE(s.ok());
        ++commits;
        for (const auto& [k, v] : writes) {
          if (v) model[k] = *v;
          else model.erase(k);
        }
      }
      REQUIRE_FALSE(tx.commit().ok());  // over
    } else if (conformance::on_disk<E> && op < 97) {
      REQUIRE(db.flush().ok());
      if (rng() % 3 == 0) REQUIRE(db.compact().ok());
      for (const auto& m : snaps) conformance::check_snapshot(db, m, rng);
    } else if constexpr (conformance::survives_close<E>) {
      snaps.clear();
      db = h.reopen(db);
    }
    if (step % 50 == 0) conformance::check_against_model(db, model, rng);
  }
  for (const auto& m : snaps) conformance::check_snapshot(db, m, rng);
  conformance::check_against_model(db, model, rng);
  MESSAGE("transactions committed " << commits << ", conflicted " << conflicts);
  CHECK(commits > 0);
  CHECK(conflicts > 0);
}
