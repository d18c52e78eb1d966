// apply: what recover() hands each replayed batch to, and how a caller's
// callback that returns void or a status is seen as one returning a status.
//
// Thread safety: pure.
#pragma once

#include <type_traits>

#include "jadekv/core/status.hpp"
#include "jadekv/core/write_batch.hpp"
#include "jadekv/detail/function_ref.hpp"

namespace jadekv::inline v0::persist::detail {

using apply_fn = ::jadekv::detail::function_ref<status(const write_batch&)>;

// Calls apply(b); a void callback counts as ok.
template <class F>
status call_apply(F& apply, const write_batch& b) {
  if constexpr (std::is_void_v<std::invoke_result_t<F&, const write_batch&>>) {
    apply(b);
    return {};
  } else {
    static_assert(std::is_convertible_v<std::invoke_result_t<F&, const write_batch&>, status>,
                  "recover(apply): apply(const write_batch&) must return void or jadekv::status");
    return apply(b);
  }
}

// Where a log's replay starts when a snapshot came first.
struct replay_base {
  std::uint64_t first_segment = 0;  // segments below it are not read
  sequence_number after = 0;        // the first record read must be after + 1
};

// What rotate() did: the new segment, and the last sequence number assigned
// before it (every record up to that number lies in older segments).
struct rotation {
  std::uint64_t segment = 0;
  sequence_number last_sequence = 0;
};

// How a log is opened: on its own, or inside a snapshot policy (which holds
// the directory lock and owns the snapshot files).
struct log_open_args {
  bool lock_directory = true;
  bool inside_snapshot = false;
};

}  // namespace jadekv::inline v0::persist::detail
