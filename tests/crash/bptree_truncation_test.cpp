// index::bptree data file: truncation at every byte offset (the bptree
// corruption tests cut at a few sizes and flip every bit of the meta and
// tree pages): open reports corruption for each cut.
#include <doctest/doctest.h>

#include <string>

#include "../index/bptree/bptree_env.hpp"

TEST_CASE("bptree damage: a data file cut at every offset is corruption") {
  using namespace bptree_test;
  const std::filesystem::path file = k_dir / "data.jkb";
  std::string good;
  {
    auto fs = std::make_shared<io::memory_fs>();
    auto s = open_store(fs);
    writer w;
    for (int i = 0; i < 80; ++i) w.put(key_of(i), value_of(i, 0));
    REQUIRE(w.flush(*s).ok());
    for (int i = 0; i < 80; i += 7) w.erase(key_of(i));
    REQUIRE(w.flush(*s).ok());
    REQUIRE(s->check().ok());
    s.reset();
    good = io::read_file(*fs, file).value();
  }
  int cuts = 0, undetected = 0;
  for (std::size_t n = 0; n < good.size(); ++n, ++cuts) {
    auto fs = std::make_shared<io::memory_fs>();
    REQUIRE(fs->mkdir(k_dir).ok());
    REQUIRE(io::write_file_atomically(*fs, file, good.substr(0, n)).ok());
    auto r = store_t::open(fs, k_dir, small_pages(), {});
    const bool detected = !r && r.status().is_corruption();
    undetected += !detected;
    CHECK_MESSAGE(detected, "cut at ", n, " of ", good.size(), ": ", (r ? "opened" : r.status().to_string()));
  }
  MESSAGE("bptree file of ", good.size(), " bytes: ", cuts, " truncations, ", undetected, " not detected");
}
