// The command line of crash_child, and the mode dispatch for one
// composition E (each composition is instantiated in its own translation
// unit, child_<name>.cpp, so the two cores compile them in parallel).
//
//   crash_child write  <composition> <dir> <state file> <seed>   until killed
//   crash_child verify <composition> <dir> <state file>          after a kill
//   crash_child power  <composition> <runs> <seed>               power losses
//   crash_child faults <composition> <stride> <seed>             fault matrix
//   crash_child fsync  <composition>                             failed fsync
//
// Exit status: 0 all well; 1 problems found (printed); 2 a failed open after
// a kill; 3 and 4 the writer could not open or write; 64 bad arguments.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "child_args.hpp"
#include "in_process_modes.hpp"
#include "kill_modes.hpp"

namespace crash {

inline constexpr int k_bad_arguments = 64;

inline std::uint64_t number(const std::string& s) { return std::stoull(s); }

template <class E>
int run_mode(const child_args& a) {
  const char* name = a.composition.c_str();
  const auto argc = a.rest.size();
  if ((a.mode == "write" && argc == 3) || (a.mode == "verify" && argc == 2)) {
    shared_state st(a.rest[1]);
    if (!st.ok()) {
      std::fprintf(stderr, "crash_child: cannot map %s\n", a.rest[1].c_str());
      return k_bad_arguments;
    }
    return a.mode == "write" ? write_until_killed<E>(a.rest[0], *st, number(a.rest[2]))
                             : verify_after_kill<E>(a.rest[0], *st);
  }
  if (a.mode == "power" && argc == 2) return power_losses<E>(name, number(a.rest[0]), number(a.rest[1])) == 0 ? 0 : 1;
  if (a.mode == "faults" && argc == 2) {
    const std::uint64_t stride = number(a.rest[0]);
    if (stride == 0) return k_bad_arguments;
    return fault_matrix<E>(name, stride, number(a.rest[1])) == 0 ? 0 : 1;
  }
  if (a.mode == "fsync" && argc == 0) return fsync_sticky<E>(name) == 0 ? 0 : 1;
  std::fprintf(stderr, "crash_child: bad arguments for mode '%s'\n", a.mode.c_str());
  return k_bad_arguments;
}

}  // namespace crash
