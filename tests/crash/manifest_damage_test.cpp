// index::lsm manifest: truncation at every byte offset and every single bit
// flipped. A manifest cut anywhere past its first edit opens as the store of
// the last whole edit before the cut (content checked against the model);
// cut inside the header record it is corruption. A flip is corruption,
// never a wrong store; one in the last edit's fragment header may make that
// edit look cut short, and it is then dropped alone, as a torn tail.
#include <doctest/doctest.h>

#include <map>
#include <string>
#include <vector>

#include "../index/lsm/lsm_env.hpp"

namespace {

using namespace lsm_test;
using leveled_store = store_t<ix::leveled<>>;
const std::filesystem::path k_dir = "/db";

struct manifest_image {
  std::map<std::string, std::string> files;  // every file of the directory
  std::string manifest;                      // the name of the current manifest
  model m;
  // (manifest size, flushed sequence) after the open and after each flush.
  std::vector<std::pair<std::uint64_t, kv::sequence_number>> edits;
};

options_t<ix::leveled<>> image_options() {
  auto o = small_options<ix::leveled<>>();
  o.disable_auto_compactions = true;
  return o;
}

manifest_image build() {
  auto fs = std::make_shared<io::memory_fs>();
  manifest_image img;
  {
    auto st = leveled_store::open(fs, k_dir, image_options(), cmp_t{});
    REQUIRE(st);
    auto c = io::read_file(*fs, k_dir / "CURRENT");
    REQUIRE(c);
    img.manifest = c->substr(0, c->size() - 1);
    auto size = [&] { return fs->file_size(k_dir / img.manifest).value(); };
    img.edits.emplace_back(size(), 0);
    workload w(60, 11);
    for (int i = 0; i < 5; ++i) {
      vector_iterator it(w.batch(25, img.m));
      REQUIRE((*st)->flush(it, w.last(), w.last()).ok());
      img.edits.emplace_back(size(), w.last());
    }
    REQUIRE((*st)->close().ok());
    REQUIRE(size() == img.edits.back().first);
  }
  const auto names = fs->list(k_dir);
  REQUIRE(names);
  for (const auto& n : *names) img.files[n] = io::read_file(*fs, k_dir / n).value();
  return img;
}

std::shared_ptr<io::memory_fs> with_manifest(const manifest_image& img, const std::string& bytes) {
  auto fs = std::make_shared<io::memory_fs>();
  REQUIRE(fs->mkdir(k_dir).ok());
  for (const auto& [name, contents] : img.files) {
    REQUIRE(io::write_file_atomically(*fs, k_dir / name, name == img.manifest ? bytes : contents).ok());
  }
  return fs;
}

// The flushed sequence of the last edit wholly within the first n bytes
// (0 when only the header record is: a new store's state).
kv::sequence_number whole_edits_within(const manifest_image& img, std::size_t n) {
  kv::sequence_number seq = 0;
  for (const auto& [size, s] : img.edits)
    if (size <= n) seq = s;
  return seq;
}

// Empty when the store holds exactly the state flushed at `want`.
std::string holds_exactly(leveled_store& st, const model& m, kv::sequence_number want) {
  if (st.flushed_sequence() != want)
    return "flushed " + std::to_string(st.flushed_sequence()) + ", want " + std::to_string(want);
  if (auto s = st.check(); !s.ok()) return "check(): " + s.to_string();
  check_all(st, m, want);
  return {};
}

}  // namespace

TEST_CASE("manifest damage: a cut at every offset keeps whole edits only; a bit flip is corruption or a torn tail") {
  const manifest_image img = build();
  const std::string& good = img.files.at(img.manifest);
  const std::uint64_t last_edit = img.edits[img.edits.size() - 2].first;  // where the last edit starts
  int cuts = 0, flips = 0, failures = 0, header_only = 0, as_torn_tail = 0;
  for (std::size_t n = 0; n < good.size(); ++n, ++cuts) {
    auto st = leveled_store::open(with_manifest(img, good.substr(0, n)), k_dir, image_options(), cmp_t{});
    if (!st) {
      // Only a cut inside the header record may fail to open, and then as corruption.
      const bool ok = n < img.edits.front().first && st.status().is_corruption();
      failures += !ok;
      CHECK_MESSAGE(ok, "cut at ", n, ": ", st.status().to_string());
      continue;
    }
    if (n < img.edits.front().first) ++header_only;
    const std::string why = holds_exactly(**st, img.m, whole_edits_within(img, n));
    failures += !why.empty();
    CHECK_MESSAGE(why.empty(), "cut at ", n, ": ", why);
  }
  for (std::size_t at = 0; at < good.size(); ++at) {
    for (int bit = 0; bit < 8; ++bit, ++flips) {
      std::string bad = good;
      bad[at] = static_cast<char>(bad[at] ^ (1 << bit));
      auto st = leveled_store::open(with_manifest(img, bad), k_dir, image_options(), cmp_t{});
      if (!st) {
        failures += !st.status().is_corruption();
        CHECK_MESSAGE(st.status().is_corruption(), "flip at byte ", at, " bit ", bit, ": ", st.status().to_string());
        continue;
      }
      // A flip in the last edit's fragment header can make it look cut short:
      // then it is dropped alone, as a torn tail (the WAL does the same).
      ++as_torn_tail;
      const std::string why = at >= last_edit ? holds_exactly(**st, img.m, whole_edits_within(img, last_edit))
                                              : "a flip before the last edit was not detected";
      failures += !why.empty();
      CHECK_MESSAGE(why.empty(), "flip at byte ", at, " bit ", bit, " of ", good.size(), ": ", why);
    }
  }
  MESSAGE("manifest of ", good.size(), " bytes (", img.edits.size(), " edits): ", cuts, " truncations (", header_only,
          " leave the header record alone: an empty store) and ", flips, " single-bit flips (", as_torn_tail,
          " in the last edit read as its torn tail, the rest corruption); ", failures, " failures");
  CHECK(failures == 0);
}
