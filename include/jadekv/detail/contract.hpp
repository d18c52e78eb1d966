// contract_violation: the cold path taken when a caller breaks a documented
// precondition (e.g. result<T>::value() on an error). It prints one line and
// aborts; it is never used for errors a caller can cause with bad input.
#pragma once

#include <cstdio>
#include <cstdlib>

namespace jadekv::inline v0::detail {

[[noreturn]] [[gnu::cold]] [[gnu::noinline]] inline void contract_violation(const char* what) noexcept {
  std::fprintf(stderr, "jadekv: contract violation: %s\n", what);
  std::abort();
}

}  // namespace jadekv::inline v0::detail
