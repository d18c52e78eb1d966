// child: runs one engine in a child process of its own, so its memory (peak
// RSS), its I/O counters and anything it leaves behind (threads, mappings,
// caches) never mix with another engine's. The child runs runner.hpp's
// run_engine, prints its lines to the shared stdout, and sends each result
// through a pipe; the parent collects them.
#pragma once

#include <string>
#include <vector>

#include "engine.hpp"
#include "flags.hpp"
#include "result.hpp"

namespace bench {

// Every workload of `benchmarks` has a result: those the child did not send
// (it died) are errors saying how it ended.
std::vector<workload_result> run_in_child(const engine_entry& e, const flags& f,
                                          const std::vector<std::string>& benchmarks, int rep);

}  // namespace bench
