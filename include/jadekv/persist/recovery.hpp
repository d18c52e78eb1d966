// recovery: how a persist policy treats a damaged log at open, and the report
// it leaves of what it replayed and what it ignored.
//
// A damaged spot is a bad fragment (checksum, type, length, order, trailer),
// a record the file ends inside of, a record whose checksum holds but whose
// batch does not decode, or a gap in the sequence numbers. Only the first two
// can come from a crash; they are taken for a torn tail only when no valid
// record start (a full or first fragment passing its checksum) follows them
// (what lies after is at most the rest of the record they spoil), and when
// they sit in the newest segment, or in an older one that the next segment's
// header says reached further. The log does not fsync a segment when it
// moves to the next (only before a later synced write, and at close), so a
// power loss can cut an older segment short; a sequence gap after a segment
// that ends early, cleanly, is that loss too, when the next header says so.
//
//   tolerate_torn_tail (default): a torn tail is dropped; the segment is
//       truncated to its last complete record (a segment with a torn header
//       is removed) and the report gives the bytes dropped and why. An older
//       segment cut by a power loss ends the replay there (stopped_early):
//       the segments after it hold no synced write and are renamed to
//       "<name>.discarded". Any other damage fails open with
//       is_corruption(): it is never taken for the end of the log.
//   absolute_consistency: any damage, a torn tail included, fails open with
//       is_corruption(). After a crash with unsynced writes that may mean the
//       store does not open: this mode is for logs written with every write
//       synced, or for checking.
//   point_in_time: replay stops before the first damaged record, whatever
//       follows; the damaged segment is truncated there, later segments are
//       renamed to "<name>.discarded", and the report says where and why.
//       The store opens with a consistent prefix of its history.
//
// Thread safety: plain values.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "jadekv/core/internal_key.hpp"

namespace jadekv::inline v0::persist {

enum class recovery_mode : std::uint8_t {
  tolerate_torn_tail,
  absolute_consistency,
  point_in_time,
};

constexpr std::string_view to_string(recovery_mode m) noexcept {
  switch (m) {
    case recovery_mode::tolerate_torn_tail: return "tolerate_torn_tail";
    case recovery_mode::absolute_consistency: return "absolute_consistency";
    case recovery_mode::point_in_time: return "point_in_time";
  }
  return "unknown";
}

// What recover() replayed, dropped and ignored.
struct recovery_report {
  std::uint64_t records = 0;            // batches replayed from the log
  std::uint64_t segments = 0;           // log segments read
  std::uint64_t bytes_dropped = 0;      // log bytes discarded (torn tail, or all after a point-in-time stop)
  bool stopped_early = false;           // replay stopped before the newest segment's end (see above)
  std::uint64_t snapshot = 0;           // number of the snapshot loaded, 0 for none
  sequence_number snapshot_sequence = 0;  // the sequence number that snapshot covers
  std::uint64_t snapshot_entries = 0;   // entries replayed from it
  std::vector<std::string> ignored;     // one line per file or byte range ignored, dropped or removed, and why
};

}  // namespace jadekv::inline v0::persist
