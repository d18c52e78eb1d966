// The checker on hand-written histories (each a known answer), and on
// recorded histories of two test doubles: a correct map under a mutex
// (linearizable) and a map whose gets sometimes return the value before the
// last put (not linearizable, and the checker must say so).
#include <doctest/doctest.h>

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <string>

#include <jadekv/core/result.hpp>
#include <jadekv/core/status.hpp>

#include "checker.hpp"
#include "runner.hpp"

namespace {

using namespace linearizability;

operation put(std::uint32_t t, std::string k, std::string v, std::uint64_t inv, std::uint64_t ret) {
  return {t, op_kind::put, std::move(k), std::move(v), std::nullopt, inv, ret};
}
operation erase(std::uint32_t t, std::string k, std::uint64_t inv, std::uint64_t ret) {
  return {t, op_kind::erase, std::move(k), {}, std::nullopt, inv, ret};
}
operation get(std::uint32_t t, std::string k, std::optional<std::string> r, std::uint64_t inv, std::uint64_t ret) {
  return {t, op_kind::get, std::move(k), {}, std::move(r), inv, ret};
}

// A correct concurrent map: one mutex around std::map.
class locked_map {
 public:
  jadekv::status put(const std::string& k, const std::string& v) {
    std::lock_guard g(mu_);
    m_[k] = v;
    return {};
  }
  jadekv::status erase(const std::string& k) {
    std::lock_guard g(mu_);
    m_.erase(k);
    return {};
  }
  jadekv::result<std::string> get(const std::string& k) {
    std::lock_guard g(mu_);
    const auto it = m_.find(k);
    if (it == m_.end()) return jadekv::status::not_found(k);
    return it->second;
  }

 private:
  std::mutex mu_;
  std::map<std::string, std::string> m_;
};

// Deliberately broken: a get returns, one time in four, the value the key
// held before its latest put, as a reader of a stale replica would.
class stale_map {
 public:
  jadekv::status put(const std::string& k, const std::string& v) {
    std::lock_guard g(mu_);
    auto& slot = m_[k];
    slot.previous = slot.current;
    slot.current = v;
    return {};
  }
  jadekv::status erase(const std::string& k) {
    std::lock_guard g(mu_);
    auto& slot = m_[k];
    slot.previous = slot.current;
    slot.current.reset();
    return {};
  }
  jadekv::result<std::string> get(const std::string& k) {
    std::lock_guard g(mu_);
    const auto& slot = m_[k];
    const auto& seen = rng_() % 4 == 0 ? slot.previous : slot.current;
    if (!seen) return jadekv::status::not_found(k);
    return *seen;
  }

 private:
  struct versions {
    std::optional<std::string> current, previous;
  };
  std::mutex mu_;
  std::map<std::string, versions> m_;
  std::mt19937 rng_{7};
};

}  // namespace

TEST_CASE("linearizability: sequential histories") {
  CHECK(check({}).linearizable);
  CHECK(check({put(0, "a", "1", 1, 2), get(0, "a", "1", 3, 4)}).linearizable);
  CHECK(check({get(0, "a", std::nullopt, 1, 2), put(0, "a", "1", 3, 4)}).linearizable);
  // A read of an overwritten value.
  const verdict stale = check({put(0, "a", "1", 1, 2), put(0, "a", "2", 3, 4), get(0, "a", "1", 5, 6)});
  CHECK_FALSE(stale.linearizable);
  CHECK(stale.explanation.find("key a") != std::string::npos);
  CHECK(stale.explanation.find("get(a) -> 1") != std::string::npos);
  // A read of an erased value, and of one never written.
  CHECK_FALSE(check({put(0, "a", "1", 1, 2), erase(0, "a", 3, 4), get(0, "a", "1", 5, 6)}).linearizable);
  CHECK(check({put(0, "a", "1", 1, 2), erase(0, "a", 3, 4), get(0, "a", std::nullopt, 5, 6)}).linearizable);
  CHECK_FALSE(check({put(0, "a", "1", 1, 2), get(0, "a", "9", 3, 4)}).linearizable);
}

TEST_CASE("linearizability: overlapping operations may take effect in either order") {
  // A get overlapping a put may see the value before or after it.
  CHECK(check({put(0, "a", "1", 1, 4), get(1, "a", std::nullopt, 2, 3)}).linearizable);
  CHECK(check({put(0, "a", "1", 1, 4), get(1, "a", "1", 2, 3)}).linearizable);
  // Two overlapping puts, then reads that agree on the later one.
  CHECK(check({put(0, "a", "1", 1, 4), put(1, "a", "2", 2, 3), get(2, "a", "1", 5, 6), get(2, "a", "1", 7, 8)})
            .linearizable);
  CHECK(check({put(0, "a", "1", 1, 4), put(1, "a", "2", 2, 3), get(2, "a", "2", 5, 6)}).linearizable);
  // ... but not on both in turn: once a read saw 2 after 1, 1 is gone.
  CHECK_FALSE(check({put(0, "a", "1", 1, 4), put(1, "a", "2", 2, 3), get(2, "a", "2", 5, 6), get(2, "a", "1", 7, 8)})
                  .linearizable);
  // A put spanning two reads: once one read saw it, a later read cannot miss it.
  CHECK(check({put(0, "a", "1", 1, 10), get(1, "a", std::nullopt, 2, 3), get(1, "a", "1", 4, 5)}).linearizable);
  CHECK_FALSE(check({put(0, "a", "1", 1, 10), get(1, "a", "1", 2, 3), get(1, "a", std::nullopt, 4, 5)}).linearizable);
}

TEST_CASE("linearizability: keys are checked one by one") {
  const verdict v = check({put(0, "a", "1", 1, 2), put(0, "b", "1", 3, 4), get(1, "a", "1", 5, 6),
                           put(0, "b", "2", 7, 8), get(1, "b", "1", 9, 10)});
  CHECK_FALSE(v.linearizable);
  CHECK(v.explanation.find("key b") != std::string::npos);
}

TEST_CASE("linearizability: a correct map under a mutex passes") {
  for (std::uint64_t seed = 1; seed <= 4; ++seed) {
    locked_map m;
    const auto r = run(m, {.threads = 2 + seed % 3, .keys = 2 + seed % 3, .ops_per_thread = 300, .seed = seed});
    REQUIRE(r.error.empty());
    const verdict v = check(r.h);
    CHECK_MESSAGE(v.linearizable, v.explanation);
  }
}

TEST_CASE("linearizability: a map with stale reads is caught") {
  for (std::uint64_t seed = 1; seed <= 4; ++seed) {
    stale_map m;
    const auto r = run(m, {.threads = 2 + seed % 3, .keys = 2 + seed % 3, .ops_per_thread = 300, .seed = seed});
    REQUIRE(r.error.empty());
    const verdict v = check(r.h);
    CHECK_FALSE(v.linearizable);
    MESSAGE(v.explanation.substr(0, v.explanation.find('\n', v.explanation.find('\n') + 1)));
  }
}
