// Fuzz target: a write-ahead log segment (persist/log_format.hpp), read by
// persist::detail::log_reader and recovered by persist::wal<>.
//
// Input: one flags byte, then the bytes of segment 000001.log.
//   bit 0    reseal: before reading, rewrite the header crc and every
//            fragment crc the framing reaches, so that mutations get past
//            the checksums into the code behind them (lengths, order,
//            trailers, batch decoding, sequence checks)
//   bits 1-2 recovery mode of the wal<> open (3: no open)
//
// Properties: no crash and no read outside the file; a clean end is the end
// of the file or zeros up to it; damage comes with a reason and offsets
// inside the file; the records read re-frame into a segment that reads back
// as the same records and a clean end; a recovery
// that succeeds replays a prefix of those records, in order, ends at a
// sequence number a tag can hold, and then takes a write (unless the
// sequence numbers are used up, which append must then say).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_support.hpp"
#include "log_reseal.hpp"
#include "jadekv/core/write_batch.hpp"
#include "jadekv/io/memory_fs.hpp"
#include "jadekv/persist/detail/log_reader.hpp"
#include "jadekv/persist/detail/log_writer.hpp"
#include "jadekv/persist/file_names.hpp"
#include "jadekv/persist/log_format.hpp"
#include "jadekv/persist/wal.hpp"

namespace {

using namespace jadekv;
namespace lf = persist::log_format;
namespace pd = persist::detail;

constexpr std::uint64_t k_segment = 1;
const std::filesystem::path k_dir = "/db";

struct read_out {
  std::vector<std::string> records;
  bool clean_end = false;
  std::uint32_t block_size = 0;
  std::uint64_t first_sequence = 0;
};

read_out read_segment(io::file& f, std::uint64_t size) {
  read_out out;
  pd::log_reader rd(f, size, k_segment);
  for (;;) {
    const auto e = rd.next();
    FUZZ_CHECK(e != pd::log_reader::event::error);  // memory_fs reads do not fail
    FUZZ_CHECK(rd.good_end() <= size);
    if (e == pd::log_reader::event::record) {
      FUZZ_CHECK(!rd.record().empty());
      FUZZ_CHECK(rd.record_offset() < rd.good_end());
      out.records.emplace_back(rd.record());
      continue;
    }
    out.block_size = rd.block_size();
    out.first_sequence = rd.first_sequence();
    if (e == pd::log_reader::event::end) {
      // At the end of the file, or at zeros that run to it (space a writer
      // reserved, log_format.hpp).
      FUZZ_CHECK(rd.good_end() <= size);
      std::string rest(static_cast<std::size_t>(size - rd.good_end()), '\0');
      auto tail = f.read_at(rd.good_end(), rest.size(), rest.data());
      FUZZ_CHECK(tail.has_value() && tail->size() == rest.size());
      FUZZ_CHECK(tail->find_first_not_of('\0') == std::string_view::npos);
      out.clean_end = true;
      return out;
    }
    const auto& d = rd.damage();
    FUZZ_CHECK(!d.reason.empty());
    FUZZ_CHECK(d.record_offset <= size && d.fragment_offset <= size);
    FUZZ_CHECK(d.code == status_code::corruption || d.code == status_code::not_supported);
    auto more = rd.record_start_from(d.record_offset + 1);
    FUZZ_CHECK(more.has_value());
    return out;
  }
}

// decode(encode(x)) == x for the records a reader accepted.
void check_reframe(const read_out& got) {
  if (got.block_size == 0) return;  // the header never checked out
  std::string seg = pd::encode_segment_header(k_segment, got.block_size, got.first_sequence);
  std::uint64_t end = seg.size();
  for (const auto& r : got.records) end = pd::frame_record(seg, end, got.block_size, pd::segment_seed(k_segment), r);
  FUZZ_CHECK(end == seg.size());
  auto fs = fuzz::fs_with_file(k_dir, persist::segment_file_name(k_segment), seg);
  auto f = fs->open(k_dir / persist::segment_file_name(k_segment), io::open_mode::read_only);
  FUZZ_CHECK(f.has_value());
  const read_out again = read_segment(**f, seg.size());
  FUZZ_CHECK(again.clean_end);
  FUZZ_CHECK(again.records == got.records);
}

void check_recovery(const std::string& seg, persist::recovery_mode mode, const read_out& got) {
  auto fs = fuzz::fs_with_file(k_dir, persist::segment_file_name(k_segment), seg);
  persist::wal<>::options o;
  o.recovery = mode;
  auto w = persist::wal<>::open(fs, k_dir, o);
  FUZZ_CHECK(w.has_value());
  std::vector<std::string> replayed;
  const status s = w->recover([&](const write_batch& b) { replayed.emplace_back(b.data()); });
  if (!s.ok()) {
    FUZZ_CHECK(s.is_corruption() || s.code() == status_code::not_supported);
    return;
  }
  FUZZ_CHECK(replayed.size() <= got.records.size());
  for (std::size_t i = 0; i < replayed.size(); ++i) FUZZ_CHECK(replayed[i] == got.records[i]);
  FUZZ_CHECK(w->report().records == replayed.size());
  // A recovered log never numbers past the largest sequence number (a tag
  // holds 56 bits of it), and takes a write unless it used them all.
  FUZZ_CHECK(w->last_sequence() <= k_max_sequence);
  write_batch b;
  b.put("k", "v");
  const status appended = w->append(b);
  FUZZ_CHECK(appended.ok() || (w->last_sequence() == k_max_sequence && appended.is_invalid_argument()));
  const status closed = w->close();
  if (appended.ok()) FUZZ_CHECK(b.sequence() <= k_max_sequence && closed.ok());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto [flags, seg] = fuzz::split_flags(data, size, fuzz::reseal_log_segment);

  auto fs = fuzz::fs_with_file(k_dir, persist::segment_file_name(k_segment), seg);
  auto f = fs->open(k_dir / persist::segment_file_name(k_segment), io::open_mode::read_only);
  FUZZ_CHECK(f.has_value());
  const read_out got = read_segment(**f, seg.size());
  check_reframe(got);
  for (const auto& r : got.records) {
    auto b = write_batch::decode(r);
    FUZZ_CHECK(b.has_value() || b.status().is_corruption());
  }
  const unsigned mode = (flags >> 1) & 3u;
  if (mode < 3) check_recovery(seg, static_cast<persist::recovery_mode>(mode), got);
  return 0;
}
