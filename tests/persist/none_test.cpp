// persist::none<>: the policy interface with no I/O at all.
#include <jadekv/persist/none.hpp>

#include <doctest/doctest.h>

#include <thread>
#include <vector>

#include <jadekv/persist/concepts.hpp>

#include "persist_env.hpp"

namespace {

using namespace persist_test;
using none = persist::none<>;

static_assert(persist::policy<none> && !persist::checkpointing<none> && !none::durable);
static_assert(persist::snapshot_log<none>);

}  // namespace

TEST_CASE("none: opens nothing, replays nothing, numbers batches like a log") {
  auto fs = std::make_shared<io::memory_fs>();
  auto p = none::open(fs, "/not/created");
  REQUIRE(p);
  auto there = fs->exists("/not");
  REQUIRE(there);
  CHECK_FALSE(*there);
  kv::write_batch b;
  b.put("a", "1");
  CHECK(p->append(b).is_invalid_argument());  // before recover
  int calls = 0;
  REQUIRE(p->recover([&](const kv::write_batch&) { ++calls; }).ok());
  CHECK(calls == 0);
  CHECK(p->report().records == 0);
  CHECK(p->recover([](const kv::write_batch&) {}).is_invalid_argument());

  b.put("b", "2");
  REQUIRE(p->append(b, kv::write_options{true}).ok());
  CHECK(b.sequence() == 1);
  kv::write_batch empty;
  REQUIRE(p->append(empty).ok());
  CHECK(empty.sequence() == 3);
  kv::write_batch c;
  c.erase("a");
  REQUIRE(p->append(c).ok());
  CHECK(c.sequence() == 3);
  CHECK(p->last_sequence() == 3);

  auto s1 = p->switch_segment();
  auto s2 = p->switch_segment();
  REQUIRE(s1);
  REQUIRE(s2);
  CHECK(*s2 > *s1);
  CHECK(p->release_segments_before(*s2).ok());
  CHECK(p->stats().records == 3);
  CHECK(p->stats().bytes_written == 0);
  CHECK(p->stats().syncs == 0);
  REQUIRE(p->close().ok());
  CHECK(p->append(b).is_closed());
  CHECK(names(*fs, "/").empty());
}

TEST_CASE("none: concurrent appends get disjoint, gap-free sequence ranges") {
  auto p = none::open(nullptr, {});
  REQUIRE(p);
  REQUIRE(p->recover([](const kv::write_batch&) {}).ok());
  constexpr int k_threads = 4, k_each = 500;
  std::vector<std::vector<std::pair<kv::sequence_number, std::uint32_t>>> got(k_threads);
  std::vector<std::thread> ts;
  for (int t = 0; t < k_threads; ++t) {
    ts.emplace_back([&, t] {
      for (int i = 0; i < k_each; ++i) {
        kv::write_batch b;
        for (int j = 0; j <= i % 3; ++j) b.put("k", "v");
        REQUIRE(p->append(b).ok());
        got[static_cast<std::size_t>(t)].emplace_back(b.sequence(), b.count());
      }
    });
  }
  for (auto& t : ts) t.join();
  std::vector<std::pair<kv::sequence_number, std::uint32_t>> all;
  for (auto& g : got) all.insert(all.end(), g.begin(), g.end());
  std::sort(all.begin(), all.end());
  kv::sequence_number next = 1;
  for (auto [seq, n] : all) {
    CHECK(seq == next);
    next += n;
  }
  CHECK(p->last_sequence() == next - 1);
}
