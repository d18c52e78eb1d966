// The model test: a seeded random mix of puts, erases, batches, gets, scans
// and (for compositions that persist) reopens, checked after every step
// against a std::map. The seed is in every failure message; rerun one with
// JADEKV_MODEL_SEED=<seed>.
#pragma once

#include <doctest/doctest.h>

#include <cstdint>
#include <cstdlib>
#include <map>
#include <optional>
#include <random>
#include <string>

#include "harness.hpp"

namespace kv = jadekv;

namespace conformance {

inline std::uint64_t model_seed(std::uint64_t fallback) {
  if (const char* s = std::getenv("JADEKV_MODEL_SEED")) return std::strtoull(s, nullptr, 10);
  return fallback;
}

template <class E>
void check_against_model(const E& db, const std::map<std::string, std::string>& model, std::mt19937_64& rng) {
  // A random window, both directions, so bounds and reverse scans are checked too.
  std::string lo = "k" + std::to_string(rng() % 64), hi = "k" + std::to_string(rng() % 64);
  if (hi < lo) std::swap(lo, hi);
  kv::read_options ro;
  ro.lower_bound = lo;
  ro.upper_bound = hi;
  auto want = model.lower_bound(lo);
  auto it = db.iterator(ro);
  for (it.seek_to_first(); it.valid(); it.next(), ++want) {
    REQUIRE(want != model.end());
    REQUIRE(want->first < hi);
    REQUIRE(it.key() == want->first);
    REQUIRE(it.value() == want->second);
  }
  CHECK((want == model.end() || want->first >= hi));
  auto back = model.lower_bound(hi);
  for (it.seek_to_last(); it.valid(); it.prev()) {
    REQUIRE(back != model.begin());
    --back;
    REQUIRE(it.key() == back->first);
    REQUIRE(it.value() == back->second);
  }
  CHECK((back == model.begin() || std::prev(back)->first < lo));
}

}  // namespace conformance

TEST_CASE_TEMPLATE_DEFINE("random operations match a std::map model", E, conformance_model) {
  const std::uint64_t seed = conformance::model_seed(0x6a6164656b76ull);
  INFO("seed " << seed << " (rerun with JADEKV_MODEL_SEED=" << seed << ")");
  std::mt19937_64 rng(seed);
  conformance::harness<E> h;
  E db = h.open();
  std::map<std::string, std::string> model;
  auto key = [&] { return "k" + std::to_string(rng() % 64); };
  auto value = [&] { return std::string(rng() % 40, static_cast<char>('a' + rng() % 26)); };
  for (int step = 0; step < 1500; ++step) {
    CAPTURE(step);
    const unsigned op = static_cast<unsigned>(rng() % 100);
    if (op < 40) {
      const std::string k = key(), v = value();
      REQUIRE(db.put(k, v).ok());
      model[k] = v;
    } else if (op < 55) {
      const std::string k = key();
      REQUIRE(db.erase(k).ok());
      model.erase(k);
    } else if (op < 65) {
      kv::write_batch b;
      std::map<std::string, std::optional<std::string>> effect;
      for (int i = 0, n = static_cast<int>(rng() % 6); i < n; ++i) {
        const std::string k = key();
        if (rng() % 3 == 0) {
          b.erase(k);
          effect[k] = std::nullopt;
        } else {
          const std::string v = value();
          b.put(k, v);
          effect[k] = v;
        }
      }
      REQUIRE(db.write(b).ok());
      for (auto& [k, v] : effect) {
        if (v) model[k] = *v;
        else model.erase(k);
      }
    } else if (op < 90) {
      const std::string k = key();
      auto got = db.get(k);
      auto want = model.find(k);
      if (want == model.end()) REQUIRE(got.status().is_not_found());
      else REQUIRE(got.value() == want->second);
    } else if (op < 98) {
      conformance::check_against_model(db, model, rng);
    } else if (conformance::on_disk<E> && op == 98) {
      REQUIRE(db.flush().ok());
      if (rng() % 4 == 0) REQUIRE(db.compact().ok());
      conformance::check_against_model(db, model, rng);
    } else if constexpr (conformance::survives_close<E>) {
      db = h.reopen(db);
      conformance::check_against_model(db, model, rng);
    }
  }
  conformance::check_against_model(db, model, rng);
}
