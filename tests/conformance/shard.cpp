// One shard of the conformance and model suites: compiled once per shard
// with JADEKV_SHARD and JADEKV_SHARDS set by tests/conformance/meson.build.
#include <doctest/doctest.h>

#include "compositions.hpp"
#include "conformance_suite.hpp"
#include "model_suite.hpp"
#include "mvcc_model_suite.hpp"

using shard_types = conformance::shard_t<JADEKV_SHARD, JADEKV_SHARDS>;
static_assert(std::tuple_size_v<shard_types> > 0, "a conformance shard must test at least one composition");

JADEKV_CONFORMANCE_APPLY(shard_types);
TEST_CASE_TEMPLATE_APPLY(conformance_model, shard_types);
using shard_mvcc_types = conformance::with_snapshots<shard_types>::type;
TEST_CASE_TEMPLATE_APPLY(conformance_mvcc_model, shard_mvcc_types);
