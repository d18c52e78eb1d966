// Fuzz target: a snapshot file (persist/snapshot_format.hpp), checked by
// persist::detail::verify_snapshot and replayed by replay_snapshot.
//
// Input: one flags byte, then the bytes of SNAPSHOT-000001.
//   bit 0  reseal: rewrite the header crc and every chunk crc the framing
//          reaches, so that mutations get past the checksums into the
//          entry and end-chunk checks behind them
//
// Properties: no crash and no read outside the file; bad input gives
// corruption; a snapshot that verifies replays exactly `entries` puts
// numbered S - entries + 1 .. S, and writing those entries again with
// snapshot_writer gives a file that verifies and replays the same.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fuzz_support.hpp"
#include "jadekv/core/write_batch.hpp"
#include "jadekv/io/memory_fs.hpp"
#include "jadekv/persist/detail/snapshot_file.hpp"
#include "jadekv/persist/file_names.hpp"
#include "jadekv/persist/snapshot_format.hpp"

namespace {

using namespace jadekv;
namespace sf = persist::snapshot_format;
namespace pd = persist::detail;

constexpr std::uint64_t k_number = 1;
const std::filesystem::path k_dir = "/db";

void reseal(std::string& file) {
  if (file.size() < sf::k_header_size) return;
  encode_fixed32(file.data() + sf::k_header_crc_offset,
                 crc32c::mask(crc32c::value(file.data(), sf::k_header_crc_offset)));
  const std::uint32_t seed = pd::segment_seed(decode_fixed64(file.data() + sf::k_number_offset));
  std::size_t pos = sf::k_header_size;
  while (file.size() - pos >= sf::k_chunk_header_size) {
    const std::uint32_t len = decode_fixed32(file.data() + pos + sf::k_chunk_length_offset);
    if (len > file.size() - pos - sf::k_chunk_header_size) return;
    encode_fixed32(file.data() + pos + sf::k_chunk_crc_offset,
                   pd::chunk_crc(seed, file.data() + pos + sf::k_chunk_length_offset, len));
    pos += sf::k_chunk_header_size + len;
  }
}

struct replayed {
  std::vector<std::pair<std::string, std::string>> entries;
  sequence_number first = 0, last = 0;
};

// Verifies and replays `file`; false when verification reports damage.
bool load(std::string_view file, pd::snapshot_info& info, replayed& out) {
  auto fs = fuzz::fs_with_file(k_dir, persist::snapshot_file_name(k_number), file);
  auto f = fs->open(k_dir / persist::snapshot_file_name(k_number), io::open_mode::read_only);
  FUZZ_CHECK(f.has_value());
  auto v = pd::verify_snapshot(**f, file.size(), k_number);
  if (!v) {
    FUZZ_CHECK(v.status().is_corruption());
    FUZZ_CHECK(!v.status().message().empty());
    return false;
  }
  info = *v;
  FUZZ_CHECK(info.entries <= info.header.sequence);
  const status s = pd::replay_snapshot(**f, file.size(), info, [&](const write_batch& b) -> status {
    if (out.entries.empty()) out.first = b.sequence();
    FUZZ_CHECK(b.count() > 0);
    FUZZ_CHECK(out.entries.empty() || b.sequence() == out.last + 1);
    out.last = b.sequence() + b.count() - 1;
    return b.for_each([&](value_kind k, std::string_view key, std::string_view value) {
      FUZZ_CHECK(k == value_kind::put);
      out.entries.emplace_back(key, value);
    });
  });
  FUZZ_CHECK(s.ok());  // whatever verified must replay
  FUZZ_CHECK(out.entries.size() == info.entries);
  if (!out.entries.empty()) {
    FUZZ_CHECK(out.first == info.header.sequence - info.entries + 1);
    FUZZ_CHECK(out.last == info.header.sequence);
  }
  return true;
}

void check_rewrite(const pd::snapshot_info& info, const replayed& first) {
  auto fs = std::make_shared<io::memory_fs>();
  auto f = fs->open("/again", io::open_mode::truncate);
  FUZZ_CHECK(f.has_value());
  pd::snapshot_writer w(**f, info.header);
  for (const auto& [k, v] : first.entries) w.add(k, v);
  FUZZ_CHECK(w.finish().ok());
  auto bytes = io::read_file(*fs, "/again");
  FUZZ_CHECK(bytes.has_value());
  pd::snapshot_info info2;
  replayed second;
  FUZZ_CHECK(load(*bytes, info2, second));
  FUZZ_CHECK(info2.header.sequence == info.header.sequence && info2.header.log_start == info.header.log_start);
  FUZZ_CHECK(second.entries == first.entries);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string file = fuzz::split_flags(data, size, reseal).bytes;
  pd::snapshot_info info;
  replayed r;
  if (load(file, info, r)) check_rewrite(info, r);
  return 0;
}
