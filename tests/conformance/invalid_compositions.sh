#!/usr/bin/env bash
# Proves invalid compositions fail to compile with the rule they break as
# their first error. The invalid cells of the policy product come from
# list_compositions, which names each cell's rule; one cell per (rule,
# memtable, index) is compiled (the persist policy and the concurrency
# policy's parameters do not change which rule fires, and count_test checks
# the number of invalid cells per rule); --all compiles every invalid cell.
# Wrong-type arguments and bad policy parameters are added by hand. Each case
# opens the engine and uses it the way a program would. A case fails unless
# its first error is the rule and the compiler prints at most $max_lines lines
# of diagnostics in all: a rule is read, not dug out of a cascade. Prints one
# line per case and the totals.
# usage: invalid_compositions.sh [--all] SOURCE_ROOT LIST_COMPOSITIONS_BINARY   ($CXX: compiler)
set -euo pipefail
every_cell=false
if [ "${1:-}" = --all ]; then every_cell=true; shift; fi
root=$1; lister=$2; cxx=${CXX:-c++}
max_lines=20
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
  $every_cell && key=$type
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
#include <utility>
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
  if (!r) return 1;
  db_t db = std::move(*r);
  jadekv::write_batch b;
  b.put("a", "1");
  jadekv::status s = db.put("k", "v");
  if (s.ok()) s = db.write(b);
  if (s.ok()) s = db.erase("k");
  auto v = db.get("a");
  auto it = db.iterator();
  for (it.seek_to_first(); it.valid(); it.next()) s = it.status();
  return s.ok() && v ? 0 : 1;
}
CPP
  if $cxx -std=c++20 -fsyntax-only -I"$root/include" -I"$root/tests/conformance" "$tmp/case$n.cpp" > "$tmp/out$n" 2>&1; then
    echo "FAIL (compiled) $type"; fail=$((fail + 1)); continue
  fi
  first=$(grep -m1 -E 'error' "$tmp/out$n" || true)
  lines=$(wc -l < "$tmp/out$n")
  ours=no
  grep -qF -- "$want" <<< "$first" && ours=yes
  if [ $ours = yes ] && [ "$lines" -le "$max_lines" ]; then
    echo "ok   first-error-is-rule=yes lines=$lines $type"; pass=$((pass + 1))
  else
    echo "FAIL first-error-is-rule=$ours lines=$lines $type"; fail=$((fail + 1))
    [ $ours = yes ] || echo "     want '$want', first error: $first"
  fi
done
echo "invalid compositions: $pass fail with their rule in at most $max_lines lines, $fail not"
[ "$fail" = 0 ]
