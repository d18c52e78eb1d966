// driver_test: the driver's own logic — key and value formats, the request
// distributions, flag parsing, engine selection, the workload list and the
// result wire format.
#include <doctest/doctest.h>

#include <cmath>
#include <set>
#include <vector>

#include "flags.hpp"
#include "keys.hpp"
#include "live_set.hpp"
#include "random.hpp"
#include "registry.hpp"
#include "result.hpp"
#include "workload.hpp"
#include "zipfian.hpp"

using namespace bench;

TEST_CASE("keys are 16 zero-padded decimal digits; missing keys add a dot") {
  key_buffer kb;
  CHECK(kb.key(0) == "0000000000000000");
  CHECK(kb.key(1234567) == "0000000001234567");
  CHECK(kb.key(k_max_key_number) == "9999999999999999");
  CHECK(kb.missing_key(42) == "0000000000000042.");
  std::uint64_t n = 0;
  CHECK(parse_key("0000000001234567", n));
  CHECK(n == 1234567);
  CHECK_FALSE(parse_key("000000000123456.", n));
  CHECK_FALSE(parse_key("123", n));
}

TEST_CASE("YCSB record numbers map one to one into 16 digits") {
  std::set<std::uint64_t> seen;
  for (std::uint64_t i = 0; i < 200000; ++i) {
    const std::uint64_t k = ycsb_key_number(i);
    CHECK(k < (std::uint64_t{1} << 53));
    seen.insert(k);
  }
  CHECK(seen.size() == 200000);
  CHECK((std::uint64_t{1} << 53) <= k_max_key_number);
}

TEST_CASE("values: right size, half of each piece repeats, deterministic per seed") {
  value_generator a(7, 100), b(7, 100), c(8, 100);
  const std::string va(a.next()), vb(b.next()), vc(c.next());
  CHECK(va.size() == 100);
  CHECK(va == vb);
  CHECK(va != vc);
  CHECK(va.substr(0, 50) == va.substr(50, 50));
  value_generator big(1, 3 << 20);
  CHECK(big.next().size() == (3u << 20));
  CHECK(big.next().size() == (3u << 20));
}

TEST_CASE("rng: uniform stays in range; streams differ by thread and workload") {
  rng r(1);
  for (int i = 0; i < 10000; ++i) CHECK(r.uniform(7) < 7);
  for (int i = 0; i < 1000; ++i) {
    const double d = r.next_double();
    CHECK(d >= 0.0);
    CHECK(d < 1.0);
  }
  CHECK(stream_seed(1, "readrandom", 0, 0) != stream_seed(1, "readrandom", 0, 1));
  CHECK(stream_seed(1, "readrandom", 0, 0) != stream_seed(1, "readrandom", 1, 0));
  CHECK(stream_seed(1, "readrandom", 0, 0) != stream_seed(1, "fillrandom", 0, 0));
}

TEST_CASE("zeta: exact for small n, Euler-Maclaurin matches YCSB's constant for 10^10 items") {
  double direct = 0;
  for (int i = 1; i <= 100000; ++i) direct += std::pow(i, -0.99);
  CHECK(zeta(100000, 0.99) == doctest::Approx(direct).epsilon(1e-12));
  CHECK(zeta(10, 0.99) == doctest::Approx([] {
          double s = 0;
          for (int i = 1; i <= 10; ++i) s += std::pow(i, -0.99);
          return s;
        }()).epsilon(1e-15));
  CHECK(zeta(k_scrambled_items, 0.99) == doctest::Approx(26.46902820178302).epsilon(1e-10));
}

TEST_CASE("zipfian: rank 0 drawn with probability 1/zeta(n); grow equals a fresh generator") {
  const zipfian z(1000, 0.99);
  rng r(3);
  const int draws = 400000;
  int zero = 0;
  for (int i = 0; i < draws; ++i) {
    const std::uint64_t v = z.next(r);
    REQUIRE(v < 1000);
    zero += v == 0;
  }
  CHECK(static_cast<double>(zero) / draws == doctest::Approx(1 / z.zetan()).epsilon(0.03));
  zipfian g(500, 0.99);
  g.grow(1000);
  CHECK(g.zetan() == doctest::Approx(z.zetan()).epsilon(1e-12));
}

TEST_CASE("key_chooser: in range; latest favours recent records; zipfian scatters the popular ones") {
  rng r(5);
  key_chooser latest(distribution::latest, 0, 10000, 0.99);
  int recent = 0;
  for (int i = 0; i < 10000; ++i) {
    const std::uint64_t v = latest.next(r, 10000);
    REQUIRE(v < 10000);
    recent += v >= 9000;
  }
  CHECK(recent > 5000);
  key_chooser zipf(distribution::zipfian, 11000, 10000, 0.99);
  std::set<std::uint64_t> top;
  int low = 0;
  for (int i = 0; i < 10000; ++i) {
    const std::uint64_t v = zipf.next(r, 10000);
    REQUIRE(v < 10000);
    low += v < 100;
  }
  CHECK(low < 2000);  // unscrambled, ranks < 100 would take about half the draws
  key_chooser uni(distribution::uniform, 0, 10, 0.99);
  for (int i = 0; i < 1000; ++i) CHECK(uni.next(r, 10) < 10);
}

TEST_CASE("flags: values, sizes, booleans, errors") {
  const char* argv[] = {"x", "--num=2K", "--write_buffer_size=4M", "--use_existing_db", "--fork=false",
                        "--benchmarks=fillseq,readrandom", "--engine=rocksdb,lmdb", "--distribution=uniform"};
  flags f;
  std::string error;
  REQUIRE(parse_flags(8, argv, f, error));
  CHECK(f.num == 2048);
  CHECK(f.write_buffer_size == (4u << 20));
  CHECK(f.use_existing_db);
  CHECK_FALSE(f.fork);
  CHECK(f.benchmarks == std::vector<std::string>{"fillseq", "readrandom"});
  CHECK(f.engines == std::vector<std::string>{"rocksdb", "lmdb"});
  CHECK(f.read_count() == 2048);
  const char* bad1[] = {"x", "--nope=1"};
  CHECK_FALSE(parse_flags(2, bad1, f, error));
  CHECK(error.find("unknown flag") != std::string::npos);
  const char* bad2[] = {"x", "--num=abc"};
  CHECK_FALSE(parse_flags(2, bad2, f, error));
  const char* bad3[] = {"x", "--num"};
  CHECK_FALSE(parse_flags(2, bad3, f, error));
  const char* bad4[] = {"x", "--distribution=hotspot"};
  CHECK_FALSE(parse_flags(2, bad4, f, error));
  CHECK(split_list("a,,b,") == std::vector<std::string>{"a", "b"});
}

TEST_CASE("registry: families, filters, peers") {
  registry reg;
  const auto add = [&](std::string name, std::string family, std::string m, std::string c, bool peer, bool def) {
    engine_entry e;
    e.name = std::move(name);
    e.family = std::move(family);
    e.memtable = std::move(m);
    e.concurrency = std::move(c);
    e.peer = peer;
    e.family_default = def;
    reg.add(std::move(e));
  };
  add("rocksdb", "rocksdb", "", "", true, false);
  add("memory", "memory", "skiplist", "mvcc", false, true);
  add("memory:rbtree/striped", "memory", "rbtree", "striped", false, false);
  add("lsm", "lsm", "skiplist", "mvcc", false, true);
  std::string error;
  const auto names = [](const std::vector<const engine_entry*>& v) {
    std::vector<std::string> out;
    for (const auto* e : v) out.push_back(e->name);
    return out;
  };
  CHECK(names(reg.select({}, {}, {}, error)) == std::vector<std::string>{"rocksdb", "memory", "lsm"});
  CHECK(names(reg.select({"memory"}, {"rbtree"}, {}, error)) == std::vector<std::string>{"memory:rbtree/striped"});
  CHECK(names(reg.select({"memory"}, {"all"}, {}, error)) ==
        std::vector<std::string>{"memory", "memory:rbtree/striped"});
  CHECK(names(reg.select({"peers", "lsm"}, {}, {}, error)) == std::vector<std::string>{"rocksdb", "lsm"});
  CHECK(names(reg.select({"all"}, {}, {}, error)).size() == 4);
  CHECK(reg.select({"leveldb"}, {}, {}, error).empty());
  CHECK(error.find("leveldb") != std::string::npos);
}

TEST_CASE("benchmarks: unknown names rejected; YCSB runs get a load when none precedes") {
  std::string error;
  std::vector<std::string> b = {"fillseq", "ycsb_a", "ycsb_b", "fillrandom", "ycsb_c"};
  REQUIRE(expand_benchmarks(b, false, error));
  CHECK(b == std::vector<std::string>{"fillseq", "ycsb_load", "ycsb_a", "ycsb_b", "fillrandom", "ycsb_load", "ycsb_c"});
  std::vector<std::string> e = {"ycsb_a"};
  REQUIRE(expand_benchmarks(e, true, error));
  CHECK(e == std::vector<std::string>{"ycsb_a"});
  std::vector<std::string> bad = {"readrandomly"};
  CHECK_FALSE(expand_benchmarks(bad, false, error));
  for (const auto& name : default_benchmarks()) CHECK(find_workload(name) != nullptr);
}

TEST_CASE("results survive the pipe's text form") {
  workload_result r;
  r.engine = "lmdb_batch";
  r.workload = "ycsb_a";
  r.status = "error";
  r.error = "tab\there\nnewline \\ backslash";
  r.ops = 123456789012ull;
  r.seconds = 1.25;
  r.peak_rss_is_workload = false;
  r.counters = {{"read", 5}, {"update", 7}};
  workload_result back;
  REQUIRE(deserialize(serialize(r), back));
  CHECK(back.engine == r.engine);
  CHECK(back.error == r.error);
  CHECK(back.ops == r.ops);
  CHECK(back.seconds == r.seconds);
  CHECK_FALSE(back.peak_rss_is_workload);
  CHECK(back.counters == r.counters);
  CHECK_FALSE(deserialize("garbage", back));
}

TEST_CASE("live_set counts tracked and other keys") {
  live_set s;
  s.reset(1000);
  s.insert(3);
  s.insert(3);
  s.insert(999);
  s.erase(5);
  s.add_other(2, 300);
  CHECK(s.keys() == 4);
  CHECK(s.bytes(116) == 2 * 116 + 300);
  s.erase(3);
  CHECK(s.keys() == 3);
}
