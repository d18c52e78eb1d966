// index::lsm store under I/O errors: the N-th operation of a flush, of a
// compaction and of an open (which switches manifests) fails, for every N
// until the operation succeeds. A failed flush or compaction never loses an
// entry flushed before it, makes later writes fail (sticky), keeps serving
// reads, and leaves a store that reopens with everything flushed.
#include <doctest/doctest.h>

#include "lsm_env.hpp"

namespace {

using namespace lsm_test;
using fault_mem = io::fault_fs<io::memory_fs>;
using leveled_store = store_t<ix::leveled<>>;

const std::filesystem::path k_dir = "/db";

options_t<ix::leveled<>> fault_options() {
  auto o = small_options<ix::leveled<>>();
  o.disable_auto_compactions = true;  // operation numbers must not depend on a thread
  return o;
}

struct prepared {
  std::shared_ptr<fault_mem> fs = std::make_shared<fault_mem>();
  model m;
  workload w{120, 5};
};

// A store with three flushed tables (closed).
void prepare(prepared& p) {
  auto st = leveled_store::open(p.fs, k_dir, fault_options(), cmp_t{});
  REQUIRE(st);
  for (int i = 0; i < 3; ++i) {
    vector_iterator it(p.w.batch(30, p.m));
    REQUIRE((*st)->flush(it, p.w.last(), p.w.last()).ok());
  }
  REQUIRE((*st)->close().ok());
}

// Reopens without faults; everything up to `at` must be there.
kv::sequence_number reopen_and_check(prepared& p, kv::sequence_number at) {
  p.fs->clear_faults();
  auto st = leveled_store::open(p.fs, k_dir, fault_options(), cmp_t{});
  REQUIRE(st);
  const auto f = (*st)->flushed_sequence();
  CHECK(f >= at);
  check_all(**st, p.m, f);
  REQUIRE((*st)->check().ok());
  return f;
}

TEST_CASE("a flush failing at any operation loses nothing flushed before it") {
  bool succeeded = false;
  for (std::uint64_t n = 1; n < 400 && !succeeded; ++n) {
    CAPTURE(n);
    prepared p;
    prepare(p);
    const auto before = p.w.last();
    auto st = leveled_store::open(p.fs, k_dir, fault_options(), cmp_t{});
    REQUIRE(st);
    vector_iterator it(p.w.batch(30, p.m));
    p.fs->fail_at(p.fs->operation_count() + n);
    const auto s = (*st)->flush(it, p.w.last(), p.w.last());
    if (s.ok()) {
      succeeded = true;
      CHECK((*st)->flushed_sequence() == p.w.last());
    } else {
      CHECK((*st)->flushed_sequence() == before);
      check_all(**st, p.m, before);  // the previous version still answers
      vector_iterator again(std::vector<entry>{{"z", p.w.last() + 1, kv::value_kind::put, "v"}});
      CHECK(!(*st)->flush(again, p.w.last() + 1, p.w.last()).ok());  // sticky
      CHECK(!(*st)->throttle().ok());
    }
    (void)(*st)->close();
    const auto f = reopen_and_check(p, before);
    CHECK((f == before || f == p.w.last()));
    if (s.ok()) CHECK(f == p.w.last());
  }
  CHECK(succeeded);
}

TEST_CASE("a compaction failing at any operation keeps the previous version") {
  bool succeeded = false;
  for (std::uint64_t n = 1; n < 600 && !succeeded; ++n) {
    CAPTURE(n);
    prepared p;
    prepare(p);
    const auto last = p.w.last();
    auto st = leveled_store::open(p.fs, k_dir, fault_options(), cmp_t{});
    REQUIRE(st);
    const auto files = (*st)->current_version()->total_files();
    p.fs->fail_at(p.fs->operation_count() + n);
    const auto s = (*st)->compact();
    if (s.ok()) {
      succeeded = true;
      CHECK((*st)->current_version()->levels[0].empty());
    } else {
      CHECK((*st)->current_version()->total_files() == files);
      check_all(**st, p.m, last);
      CHECK(!(*st)->compact().ok());  // sticky
    }
    (void)(*st)->close();
    CHECK(reopen_and_check(p, last) == last);
    // No table is left that the manifest does not name.
    auto st2 = leveled_store::open(p.fs, k_dir, fault_options(), cmp_t{});
    REQUIRE(st2);
    auto names = p.fs->list(k_dir);
    REQUIRE(names);
    std::size_t tables = 0;
    for (const auto& name : *names) tables += name.ends_with(".sst") ? 1 : 0;
    CHECK(tables == (*st2)->current_version()->total_files());
  }
  CHECK(succeeded);
}

TEST_CASE("an open failing at any operation (the manifest switch) leaves a store that reopens") {
  bool succeeded = false;
  for (std::uint64_t n = 1; n < 200 && !succeeded; ++n) {
    CAPTURE(n);
    prepared p;
    prepare(p);
    p.fs->fail_at(p.fs->operation_count() + n);
    {
      auto st = leveled_store::open(p.fs, k_dir, fault_options(), cmp_t{});
      succeeded = st.has_value();
    }
    CHECK(reopen_and_check(p, p.w.last()) == p.w.last());
  }
  CHECK(succeeded);
}

TEST_CASE("a full disk during a flush is reported as no_space and sticks") {
  prepared p;
  prepare(p);
  auto st = leveled_store::open(p.fs, k_dir, fault_options(), cmp_t{});
  REQUIRE(st);
  p.fs->fail_path("*.sst", ENOSPC, io::op_kind::append);
  vector_iterator it(p.w.batch(30, p.m));
  const auto s = (*st)->flush(it, p.w.last(), p.w.last());
  CHECK(s.is_no_space());
  CHECK((*st)->throttle().is_no_space());
  (void)(*st)->close();
  p.fs->clear_faults();
  auto names = p.fs->list(k_dir);
  REQUIRE(names);
  std::size_t tables = 0;
  for (const auto& name : *names) tables += name.ends_with(".sst") ? 1 : 0;
  CHECK(tables == 3);  // the half-written table was removed
}

}  // namespace
