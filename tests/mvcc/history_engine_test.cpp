// The list-append workload over the real mvcc engines, its history checked
// by the Elle-style checker: nothing the isolation level forbids may appear
// (G0, G1a/b/c, G-single, lost update for snapshot isolation; G2 as well
// for serializable).
#include <doctest/doctest.h>

#include <string>

#include "elle_checker.hpp"
#include "list_append.hpp"
#include "mvcc_engines.hpp"

using namespace mvcc_test;

TEST_CASE_TEMPLATE("list-append histories over mvcc engines show no forbidden anomaly", E, memory_db, lsm_db,
                   bptree_db) {
  for (auto iso : {kv::isolation::snapshot, kv::isolation::serializable}) {
    CAPTURE(static_cast<int>(iso));
    conformance::harness<E> h;
    E db = h.open();
    elle::run_options opt;
    opt.threads = 3;
    opt.txns_per_thread = 300;
    opt.keys = 3;
    opt.max_ops = 4;
    opt.seed = 7;
    opt.isolation = iso;
    const auto run = elle::run_list_append(db, opt);
    CHECK(run.errors.empty());
    const auto report = elle::check(run.history);
    const auto forbidden = report.forbidden_under(iso);
    INFO(report.to_string());
    CHECK(forbidden.empty());
    MESSAGE(std::string(iso == kv::isolation::serializable ? "serializable: " : "snapshot: ")
            << report.committed << " committed transactions checked of " << run.history.size());
    CHECK(report.committed > 0);
  }
}
