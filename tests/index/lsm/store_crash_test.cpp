// index::lsm store and power loss: a flush followed by a compaction is cut
// at every one of its I/O operations (every later operation fails, as in a
// dead process), then fault_fs::crash() drops everything not fsynced. The
// store reopens with flushed_sequence either the old or the new value (the
// new one whenever the flush had returned ok), every entry up to it readable,
// check() passing and no table the manifest does not name.
#include <doctest/doctest.h>

#include "lsm_env.hpp"

namespace {

using namespace lsm_test;
using fault_mem = io::fault_fs<io::memory_fs>;

const std::filesystem::path k_dir = "/db";

template <class Style>
options_t<Style> crash_options() {
  auto o = small_options<Style>();
  o.disable_auto_compactions = true;
  return o;
}

TEST_CASE_TEMPLATE("power loss at every operation of a flush and a compaction", Style, ix::leveled<>,
                   ix::tiered<>) {
  bool finished = false;
  for (std::uint64_t n = 1; n < 800 && !finished; ++n) {
    CAPTURE(n);
    auto fs = std::make_shared<fault_mem>();
    model m;
    workload w(150, 9);
    {
      auto st = store_t<Style>::open(fs, k_dir, crash_options<Style>(), cmp_t{});
      REQUIRE(st);
      for (int i = 0; i < 3; ++i) {
        vector_iterator it(w.batch(40, m));
        REQUIRE((*st)->flush(it, w.last(), w.last()).ok());
      }
      REQUIRE((*st)->close().ok());
    }
    const auto old = w.last();
    vector_iterator it(w.batch(40, m));
    const auto fresh = w.last();
    bool flush_ok = false;
    fs->fail_from(fs->operation_count() + n);
    {
      auto st = store_t<Style>::open(fs, k_dir, crash_options<Style>(), cmp_t{});
      if (st) {
        flush_ok = (*st)->flush(it, fresh, fresh).ok();
        finished = flush_ok && (*st)->compact().ok() && (*st)->close().ok();
      }
    }
    REQUIRE(fs->crash().ok());
    fs->clear_faults();
    auto st = store_t<Style>::open(fs, k_dir, crash_options<Style>(), cmp_t{});
    REQUIRE(st);
    const auto f = (*st)->flushed_sequence();
    CHECK((f == old || f == fresh));
    if (flush_ok) CHECK(f == fresh);
    check_all(**st, m, f);
    REQUIRE((*st)->check().ok());
    auto names = fs->list(k_dir);
    REQUIRE(names);
    std::size_t tables = 0;
    for (const auto& name : *names) tables += name.ends_with(".sst") ? 1 : 0;
    CHECK(tables == (*st)->current_version()->total_files());
  }
  CHECK(finished);
}

}  // namespace
