// runner: runs the workloads of a run on one engine, in this process, and
// measures each one.
//
// Per engine: the directory <db>/<engine> is emptied (unless
// --use_existing_db, which instead counts the live keys with one untimed scan),
// the engine is opened, then for each workload in order:
//   1. fresh_db workloads close, delete and reopen the database (untimed);
//   2. /proc/self/io is read and the peak RSS reset;
//   3. the threads, each with its own session made beforehand, start together;
//      the time runs until the last one has finished (session::finish included);
//   4. untimed: settle (engine background work, then I/O quiet for
//      --settle_ms), syncfs on the directory's filesystem, then I/O counters,
//      directory size and RSS are read.
// Each result is printed as a db_bench-style line and passed to the sink.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "engine.hpp"
#include "flags.hpp"
#include "result.hpp"

namespace bench {

// The common settings of a run, for the engine named `name`.
engine_config make_config(const flags& f, const std::string& name);

// `rep` numbers the repetition (--repeat) for the lines and the results.
void run_engine(const engine_entry& e, const flags& f, const std::vector<std::string>& benchmarks, int rep,
                const std::function<void(const workload_result&)>& sink);

}  // namespace bench
