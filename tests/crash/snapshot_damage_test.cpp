// persist::snapshot files: truncation at every byte offset and every single
// bit flipped. A snapshot is whole or it is nothing: with an older good
// snapshot beside it, a damaged newest one is ignored (with a note) and the
// older state comes back exactly; alone, it is corruption.
#include <jadekv/persist/snapshot.hpp>

#include <doctest/doctest.h>

#include <jadekv/persist/file_names.hpp>

#include "../persist/persist_env.hpp"

namespace {

using namespace persist_test;
using snap = persist::snapshot<>;
const std::filesystem::path k_dir = "/db";

// The snapshot files of dir, oldest first.
std::vector<std::string> snapshots(io::file_system& fs) {
  std::vector<std::string> out;
  for (const auto& n : names(fs, k_dir)) {
    auto i = persist::parse_file_name(n);
    if (i && i->kind == persist::file_kind::snapshot && !i->temporary && !i->discarded) out.push_back(n);
  }
  return out;
}

// A directory with a checkpoint after each count in `at` (of the workload
// batches); returns the file system.
std::shared_ptr<io::memory_fs> checkpointed(std::initializer_list<int> at) {
  auto fs = std::make_shared<io::memory_fs>();
  auto p = snap::open(fs, k_dir);
  REQUIRE(p);
  REQUIRE(p->recover([](const kv::write_batch&) {}).ok());
  model m;
  int written = 0;
  for (int upto : at) {
    for (; written < upto; ++written) {
      auto b = workload_batch(written);
      REQUIRE(p->append(b, {}).ok());
      apply_to(m, b);
    }
    REQUIRE(p->checkpoint([&](auto&& emit) {
                for (const auto& [k, v] : m) emit(k, v);
              }).ok());
  }
  return fs;
}

struct recovered {
  kv::status status;
  model state;
  bool noted = false;  // the report says a snapshot was ignored
};

recovered recover_with(io::memory_fs& fs, const std::filesystem::path& file, const std::string& bytes) {
  write_all(fs, file, bytes);
  recovered r;
  auto p = snap::open(std::shared_ptr<io::file_system>(&fs, [](io::file_system*) {}), k_dir);
  if (!p) {
    r.status = p.status();
    return r;
  }
  r.status = p->recover([&](const kv::write_batch& b) { apply_to(r.state, b); });
  r.noted = has_note(p->report(), "ignored");
  return r;
}

}  // namespace

TEST_CASE("snapshot damage: a newest snapshot cut at every offset or with any bit flipped gives way to the older one") {
  auto fs = checkpointed({10, 25});
  const auto files = snapshots(*fs);
  REQUIRE(files.size() == 2);
  const auto newest = k_dir / files.back();
  const std::string good = read_all(*fs, newest);
  const model older = workload_state(10);
  {
    const auto r = recover_with(*fs, newest, good);
    REQUIRE(r.status.ok());
    REQUIRE(r.state == workload_state(25));
  }
  int cuts = 0, flips = 0, failures = 0;
  auto expect_older = [&](const recovered& r, const char* what, std::size_t at, int bit) {
    const bool ok = r.status.ok() && r.state == older && r.noted;
    if (!ok) ++failures;
    CHECK_MESSAGE(ok, what, " at byte ", at, " bit ", bit, ": ", r.status.to_string(), ", ", r.state.size(),
                  " keys, noted ", r.noted);
  };
  for (std::size_t n = 0; n < good.size(); ++n, ++cuts) expect_older(recover_with(*fs, newest, good.substr(0, n)), "cut", n, -1);
  for (std::size_t at = 0; at < good.size(); ++at) {
    for (int bit = 0; bit < 8; ++bit, ++flips) {
      std::string bad = good;
      bad[at] = static_cast<char>(bad[at] ^ (1 << bit));
      expect_older(recover_with(*fs, newest, bad), "flip", at, bit);
    }
  }
  MESSAGE("snapshot file of ", good.size(), " bytes: ", cuts, " truncations and ", flips,
          " single-bit flips of the newest snapshot, ", failures, " not detected");
  CHECK(failures == 0);
}

TEST_CASE("snapshot damage: the only snapshot cut or flipped anywhere is corruption") {
  auto fs = checkpointed({12});
  const auto files = snapshots(*fs);
  REQUIRE(files.size() == 1);
  const auto only = k_dir / files.front();
  const std::string good = read_all(*fs, only);
  int cases = 0, failures = 0;
  auto expect_corruption = [&](const recovered& r, std::size_t at, int bit) {
    ++cases;
    if (!r.status.is_corruption()) ++failures;
    CHECK_MESSAGE(r.status.is_corruption(), "byte ", at, " bit ", bit, ": ", r.status.to_string());
  };
  for (std::size_t n = 0; n < good.size(); ++n) expect_corruption(recover_with(*fs, only, good.substr(0, n)), n, -1);
  for (std::size_t at = 0; at < good.size(); ++at) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string bad = good;
      bad[at] = static_cast<char>(bad[at] ^ (1 << bit));
      expect_corruption(recover_with(*fs, only, bad), at, bit);
    }
  }
  MESSAGE("sole snapshot of ", good.size(), " bytes: ", cases, " truncations and flips, ", failures, " not detected");
}
