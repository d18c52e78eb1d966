// index::lsm tables: every single bit of a small table flipped (the table
// corruption tests flip whole masks per byte and answer reads; this one
// covers each of the 8 bits of every byte): open or verify() reports
// corruption for each one.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "../index/lsm/table_env.hpp"

TEST_CASE("table damage: every single-bit flip is detected by open or verify") {
  using namespace lsm_test;
  std::vector<entry> es;
  for (int i = 0; i < 30; ++i) {
    es.push_back({key_of(static_cast<std::uint64_t>(i) * 3, 4), static_cast<sequence_number>(50 + i), value_kind::put,
                  "value" + std::to_string(i * i)});
    if (i % 4 == 0) es.push_back({key_of(static_cast<std::uint64_t>(i) * 3, 4), static_cast<sequence_number>(5 + i), value_kind::erase, ""});
  }
  sort_entries(es);
  sst::table_options o;
  o.block_size = 128;
  o.restart_interval = 4;
  const std::string good = build_table(es, o);
  {
    auto t = open_table(good);
    REQUIRE(t);
    REQUIRE((*t)->verify().ok());
    REQUIRE((*t)->data_blocks() >= 3);
  }
  int flips = 0, undetected = 0;
  for (std::size_t at = 0; at < good.size(); ++at) {
    for (int bit = 0; bit < 8; ++bit, ++flips) {
      std::string bad = good;
      bad[at] = static_cast<char>(bad[at] ^ (1 << bit));
      auto t = open_table(bad);
      const bool detected = t ? (*t)->verify().is_corruption() : t.status().is_corruption();
      undetected += !detected;
      CHECK_MESSAGE(detected, "byte ", at, " bit ", bit, " of ", good.size());
    }
  }
  MESSAGE("table of ", good.size(), " bytes: ", flips, " single-bit flips, ", undetected, " not detected");
}
