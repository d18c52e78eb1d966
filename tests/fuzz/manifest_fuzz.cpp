// Fuzz target: an LSM manifest (index/lsm/version_edit.hpp, manifest.hpp):
// the version edit decoder on the raw input, then the input as
// MANIFEST-000001 named by CURRENT, recovered by lsm_detail::manifest.
//
// Input: one flags byte, then the manifest file.
//   bit 0  reseal the log framing's crcs (see log_reseal.hpp)
// Before recovery, an empty table file is created for every file an edit
// adds, so that recovery gets past its check that named tables exist.
//
// Properties: no crash and no read outside the input; errors are
// corruption (not_supported for a newer log version, invalid_argument for
// another comparator); a decoded edit
// re-encodes to bytes that decode to the same edit; a recovery that
// succeeds wrote a fresh manifest from which a second recovery rebuilds the
// very same version.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_support.hpp"
#include "jadekv/core/comparator.hpp"
#include "jadekv/index/lsm/manifest.hpp"
#include "jadekv/index/lsm/manifest_file_names.hpp"
#include "jadekv/index/lsm/version_edit.hpp"
#include "jadekv/io/memory_fs.hpp"
#include "jadekv/persist/detail/log_reader.hpp"
#include "log_reseal.hpp"

namespace {

using namespace jadekv;
namespace ld = jadekv::index::lsm_detail;

const std::filesystem::path k_dir = "/db";
constexpr int k_levels = 7;

void check_edit(std::string_view record) {
  auto e = ld::decode_version_edit(record, "fuzz");
  if (!e) {
    FUZZ_CHECK(e.status().is_corruption());
    return;
  }
  const std::string once = ld::encode_version_edit(*e);
  auto back = ld::decode_version_edit(once, "fuzz");
  FUZZ_CHECK(back.has_value());
  FUZZ_CHECK(ld::encode_version_edit(*back) == once);
}

// The records of the manifest as a reader gets them, up to any damage.
std::vector<std::string> records_of(io::file_system& fs, std::uint64_t size) {
  std::vector<std::string> out;
  auto f = fs.open(k_dir / ld::manifest_file_name(1), io::open_mode::read_only);
  FUZZ_CHECK(f.has_value());
  persist::detail::log_reader rd(**f, size, 1);
  while (rd.next() == persist::detail::log_reader::event::record) out.emplace_back(rd.record());
  return out;
}

struct file_summary {
  int level;
  std::uint64_t number, size;
  std::string smallest, largest;
  sequence_number smallest_seq, largest_seq;
  friend bool operator==(const file_summary&, const file_summary&) = default;
};

std::vector<file_summary> summary(const ld::version<>& v) {
  std::vector<file_summary> out;
  for (std::size_t l = 0; l < v.levels.size(); ++l) {
    for (const auto& f : v.levels[l]) {
      out.push_back({static_cast<int>(l), f->number, f->size, f->smallest, f->largest, f->smallest_seq, f->largest_seq});
    }
  }
  return out;
}

void check_recovery(std::string_view file) {
  auto fs = fuzz::fs_with_file(k_dir, ld::manifest_file_name(1), file);
  FUZZ_CHECK(io::write_file_atomically(*fs, k_dir / std::string(ld::k_current_file_name),
                                       ld::manifest_file_name(1) + "\n").ok());
  const std::vector<std::string> records = records_of(*fs, file.size());
  for (std::size_t i = 1; i < records.size(); ++i) {
    check_edit(records[i]);
    auto e = ld::decode_version_edit(records[i], "fuzz");
    if (!e) continue;
    for (const auto& [level, f] : e->added_files) {
      if (f->number == 1 || f->number > 1'000'000) continue;  // 1 is the manifest; keep the file system small
      auto t = fs->open(k_dir / (ld::padded_file_number(f->number) + std::string(ld::k_table_suffix)),
                        io::open_mode::create);
      FUZZ_CHECK(t.has_value());
    }
  }
  ld::manifest<>::recovered first;
  auto m = ld::manifest<>::recover(fs, k_dir, k_levels, bytewise_comparator{}, first);
  if (!m) {
    const status& s = m.status();
    // invalid_argument: a header naming another comparator.
    FUZZ_CHECK(s.is_corruption() || s.is_invalid_argument() || s.code() == status_code::not_supported);
    FUZZ_CHECK(!s.message().empty());
    return;
  }
  FUZZ_CHECK((*m)->close().ok());
  m->reset();
  ld::manifest<>::recovered second;
  auto again = ld::manifest<>::recover(fs, k_dir, k_levels, bytewise_comparator{}, second);
  FUZZ_CHECK(again.has_value());
  FUZZ_CHECK(summary(*second.current) == summary(*first.current));
  FUZZ_CHECK(second.next_file_number >= first.next_file_number);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  check_edit(fuzz::as_view(data, size).substr(std::min<std::size_t>(size, 1)));
  const std::string file = fuzz::split_flags(data, size, fuzz::reseal_log_segment).bytes;
  check_recovery(file);
  return 0;
}
