#include <jadekv/memtable/skiplist.hpp>

#include <doctest/doctest.h>

#include <atomic>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "memtable_suite.hpp"

namespace kv = jadekv;
namespace mt = jadekv::memtable;

static_assert(mt::table<mt::skiplist<>>);
static_assert(mt::concurrent_insert<mt::skiplist<>>);
static_assert(mt::ordered<mt::skiplist<>>);

TYPE_TO_STRING_AS("skiplist<>", mt::skiplist<>);
TYPE_TO_STRING_AS("skiplist<reverse>", mt::skiplist<suite::reverse_order>);
TYPE_TO_STRING_AS("skiplist<bytewise, 1>", mt::skiplist<kv::bytewise_comparator, 1>);
// Height 1 is a plain linked list: the same answers, slower.
MEMTABLE_SUITE_INVOKE(mt::skiplist<>, mt::skiplist<suite::reverse_order>, mt::skiplist<kv::bytewise_comparator, 1>);

namespace {

std::string thread_key(int writer, int i) {
  char buf[32];
  // Writers' keys interleave, so neighbouring nodes come from different threads.
  const int n = std::snprintf(buf, sizeof buf, "key%08d", i * 8 + writer);
  return std::string(buf, static_cast<std::size_t>(n));
}

std::string hot_key(int i) { return suite::numbered("hot", (i / 4) % 4); }

// Internal order of two cursor positions: true when a is strictly before b.
bool strictly_before(std::string_view ak, kv::sequence_number as, std::string_view bk, kv::sequence_number bs) {
  const int r = kv::bytewise_comparator{}.compare(ak, bk);
  return r < 0 || (r == 0 && as > bs);
}

}  // namespace

TEST_CASE("skiplist: concurrent inserters and readers; every entry found, iteration sorted") {
  constexpr int k_writers = 3;
  constexpr int k_per_writer = 20000;
  mt::skiplist<> list;
  // done[w] = how many of writer w's inserts have returned (release), so a
  // reader that acquires it may expect every one of them.
  std::atomic<int> done[k_writers] = {};
  std::atomic<int> running{k_writers};
  // Sequence numbers: writer w's i-th insert gets w * k_per_writer + i + 1;
  // every 4th insert writes a new version of a shared hot key instead.
  auto seq_of = [](int w, int i) { return static_cast<kv::sequence_number>(w) * k_per_writer + i + 1; };
  auto is_hot = [](int i) { return i % 4 == 3; };

  std::vector<std::thread> threads;
  for (int w = 0; w < k_writers; ++w) {
    threads.emplace_back([&, w] {
      for (int i = 0; i < k_per_writer; ++i) {
        const kv::sequence_number s = seq_of(w, i);
        const std::string value = suite::numbered("v", s);
        list.insert(s, kv::value_kind::put, is_hot(i) ? hot_key(i) : thread_key(w, i), value);
        done[w].store(i + 1, std::memory_order_release);
      }
      running.fetch_sub(1, std::memory_order_release);
    });
  }

  std::atomic<long> reader_failures{0};
  std::atomic<long> reader_checks{0};
  auto reader = [&](unsigned seed) {
    unsigned x = seed;
    auto rnd = [&x] { return x = x * 1103515245u + 12345u, x >> 8; };
    long failures = 0;
    long checks = 0;
    while (running.load(std::memory_order_acquire) > 0) {
      // A point lookup of an entry whose insert has returned.
      const int w = static_cast<int>(rnd() % k_writers);
      const int n = done[w].load(std::memory_order_acquire);
      if (n > 0) {
        int i = static_cast<int>(rnd() % static_cast<unsigned>(n));
        if (is_hot(i)) --i;
        const kv::sequence_number s = seq_of(w, i);
        const mt::lookup r = list.get(thread_key(w, i), kv::k_max_sequence);
        if (!r.is_found() || r.seq != s || r.value != suite::numbered("v", s)) ++failures;
        ++checks;
      }
      // A short walk both ways from a random key: strictly increasing.
      auto c = list.iterator();
      c.seek(thread_key(static_cast<int>(rnd() % k_writers), static_cast<int>(rnd() % k_per_writer)));
      std::string last;
      kv::sequence_number last_seq = 0;
      for (int step = 0; step < 32 && c.valid(); ++step, c.next()) {
        if (step > 0 && !strictly_before(last, last_seq, c.user_key(), c.seq())) ++failures;
        last.assign(c.user_key());
        last_seq = c.seq();
        ++checks;
      }
      c.seek_to_last();
      for (int step = 0; step < 8 && c.valid(); ++step, c.prev()) {
        if (step > 0 && !strictly_before(c.user_key(), c.seq(), last, last_seq)) ++failures;
        last.assign(c.user_key());
        last_seq = c.seq();
      }
    }
    reader_failures.fetch_add(failures);
    reader_checks.fetch_add(checks);
  };
  threads.emplace_back(reader, 1u);
  threads.emplace_back(reader, 2u);
  for (auto& t : threads) t.join();

  CHECK(reader_failures.load() == 0);
  CHECK(reader_checks.load() > 0);
  REQUIRE(list.entry_count() == static_cast<std::size_t>(k_writers) * k_per_writer);
  for (int w = 0; w < k_writers; ++w) {
    for (int i = 0; i < k_per_writer; ++i) {
      const kv::sequence_number s = seq_of(w, i);
      const mt::lookup r = is_hot(i) ? list.get(hot_key(i), s) : list.get(thread_key(w, i), kv::k_max_sequence);
      if (!r.is_found() || r.seq != s || r.value != suite::numbered("v", s)) {
        FAIL_CHECK("entry of writer " << w << " insert " << i << " not found as written");
      }
    }
  }
  // A full scan: every entry once, strictly increasing; backwards the same.
  std::size_t forward = 0;
  std::string last;
  kv::sequence_number last_seq = 0;
  bool sorted = true;
  auto c = list.iterator();
  for (c.seek_to_first(); c.valid(); c.next(), ++forward) {
    if (forward > 0 && !strictly_before(last, last_seq, c.user_key(), c.seq())) sorted = false;
    last.assign(c.user_key());
    last_seq = c.seq();
  }
  std::size_t backward = 0;
  for (c.seek_to_last(); c.valid(); c.prev()) ++backward;
  CHECK(sorted);
  CHECK(forward == list.entry_count());
  CHECK(backward == list.entry_count());
}

TEST_CASE("skiplist: overhead per entry stays under 32 bytes beyond key and value") {
  mt::skiplist<> list;
  constexpr int k_entries = 50000;
  const std::string value(100, 'v');
  char key[17];
  for (int i = 0; i < k_entries; ++i) {
    std::snprintf(key, sizeof key, "%016d", (i * 7919) % k_entries);
    list.insert(static_cast<kv::sequence_number>(i) + 1, kv::value_kind::put, std::string_view(key, 16), value);
  }
  const double overhead = (static_cast<double>(list.memory_usage()) - k_entries * (16.0 + 100.0)) / k_entries;
  CAPTURE(overhead);
  CHECK(overhead <= 32.0);
  CHECK(overhead >= 8.0);  // at least the tag: the measurement is not vacuous
}

TEST_CASE("skiplist: writers appending in key order race for the tail and every level stays sorted") {
  // Each writer takes the next number from a shared counter, so the keys
  // arrive almost in order from four threads: most inserts take the tail
  // splice, and some find a tail another writer has just moved past theirs.
  constexpr int k_writers = 4;
  constexpr int k_total = 40000;
  for (int round = 0; round < 3; ++round) {
    mt::skiplist<> list;
    std::atomic<int> next{0};
    std::vector<std::thread> threads;
    for (int w = 0; w < k_writers; ++w) {
      threads.emplace_back([&] {
        for (int i = next.fetch_add(1); i < k_total; i = next.fetch_add(1)) {
          list.insert(static_cast<kv::sequence_number>(i) + 1, kv::value_kind::put, thread_key(0, i), "v");
        }
      });
    }
    for (auto& t : threads) t.join();
    REQUIRE(list.entry_count() == static_cast<std::size_t>(k_total));
    CHECK(list.check_order());
    // Then out-of-order inserts into the same list: the tail splice declines
    // (the key sorts before the tail) and the search places them.
    for (int i = 0; i < 2000; ++i) {
      list.insert(static_cast<kv::sequence_number>(k_total + i) + 1, kv::value_kind::put, thread_key(1 + i % 7, (i * 7919) % k_total), "w");
    }
    CHECK(list.check_order());
    int found = 0;
    for (int i = 0; i < k_total; ++i) found += list.get(thread_key(0, i), kv::k_max_sequence).is_found() ? 1 : 0;
    CHECK(found == k_total);
  }
}
