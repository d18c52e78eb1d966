#!/usr/bin/env bash
# Proves invalid compositions fail to compile with the rule they break as
# their first error. The invalid cells of the policy product come from
# list_compositions, which names each cell's rule; one cell per (rule,
# memtable, index) is compiled (the persist policy and the concurrency
# policy's parameters do not change which rule fires, and count_test checks
# the number of invalid cells per rule). Wrong-type arguments and bad policy
# parameters are added by hand. Prints one line per case and the totals.
# usage: invalid_compositions.sh SOURCE_ROOT LIST_COMPOSITIONS_BINARY   ($CXX: compiler)
set -euo pipefail
root=$1; lister=$2; cxx=${CXX:-c++}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

lock_free_rule='concurrency::lock_free and concurrency::mvcc need a memtable with lock-free inserts'
snapshot_rule='persist::snapshot dumps the whole store'
cases=()   # "expected message fragment|type"
declare -A seen
while read -r verdict rest; do
  [ "$verdict" = invalid ] || continue
  rule=${rest%% *}; type=${rest#* }
  IFS=',' read -r m _ i _ <<< "${type#jadekv::engine<}"
  key="$rule|$m|$i"
  [ -n "${seen[$key]:-}" ] && continue
  seen[$key]=1
  if [ "$rule" = lock_free ]; then cases+=("$lock_free_rule|$type"); else cases+=("$snapshot_rule|$type"); fi
done < <("$lister")
ok_types='jadekv::memtable::skiplist<>|jadekv::persist::wal<>|jadekv::index::memory<>|jadekv::concurrency::single<>'
IFS='|' read -r m p i c <<< "$ok_types"
cases+=("M must be a memtable|jadekv::engine<int, $p, $i, $c>")
cases+=("P must be a persistence policy|jadekv::engine<$m, std::string, $i, $c>")
cases+=("I must be an index policy|jadekv::engine<$m, $p, double, $c>")
cases+=("C must be a concurrency policy|jadekv::engine<$m, $p, $i, jadekv::memtable::rbtree<>>")
cases+=("N shards must be between 1 and 4096|jadekv::engine<$m, $p, $i, jadekv::concurrency::striped<0>>")
cases+=("must provide I::store<Cmp> modelling|jadekv::engine<$m, $p, no_store_index, $c>")
cases+=("concurrency::mvcc over an on-disk index needs|jadekv::engine<$m, $p, no_pin_index, jadekv::concurrency::mvcc<>>")

pass=0; fail=0; n=0
for entry in "${cases[@]}"; do
  want=${entry%%|*}; type=${entry#*|}; n=$((n + 1))
  cat > "$tmp/case$n.cpp" <<CPP
#include <jadekv/jadekv.hpp>
#include "map_store.hpp"
#include <string>
#include <string_view>
struct no_store_index {  // claims files but offers no store
  struct options {};
  static constexpr std::string_view name = "none";
  static constexpr bool on_disk = true;
};
struct no_pin_index {  // a store that cannot pin a view for snapshots
  struct options {};
  static constexpr std::string_view name = "no_pin";
  static constexpr bool on_disk = true;
  template <class Cmp>
  struct store : conformance::map_index::store<Cmp> {
    static jadekv::result<std::unique_ptr<store>> open(std::shared_ptr<jadekv::io::file_system>,
                                                       const std::filesystem::path&, const options&, const Cmp&);
    void pin() const = delete;
  };
};
using db_t = $type;
int main() {
  db_t::options opt;
  auto r = db_t::open(opt);
  return r ? 0 : 1;
}
CPP
  if $cxx -std=c++20 -fsyntax-only -I"$root/include" -I"$root/tests/conformance" "$tmp/case$n.cpp" > "$tmp/out$n" 2>&1; then
    echo "FAIL (compiled) $type"; fail=$((fail + 1)); continue
  fi
  first=$(grep -m1 -E 'error' "$tmp/out$n" || true)
  lines=$(wc -l < "$tmp/out$n")
  if grep -qF -- "$want" <<< "$first"; then
    echo "ok   $type  ($lines lines of diagnostics)"; pass=$((pass + 1))
  else
    echo "FAIL $type: first error is not the rule '$want':"; echo "     $first"; fail=$((fail + 1))
  fi
done
echo "invalid compositions: $pass proven to fail with their rule, $fail not"
[ "$fail" = 0 ]
