// options: per-call options shared by every engine composition.
//
// Thread safety: plain values.
#pragma once

namespace jadekv::inline v0 {

// How one write (put, erase, write(batch)) is made durable before it returns.
struct write_options {
  // false: the bytes are handed to the OS before the call returns, so the
  //        write survives the death of the process (kill -9);
  // true:  they are also fsynced, so the write survives power loss.
  // Policies that keep nothing per write (persist::none, persist::snapshot
  // without a log) accept both and make neither promise (their `durable` is false).
  bool sync = false;
};

}  // namespace jadekv::inline v0
