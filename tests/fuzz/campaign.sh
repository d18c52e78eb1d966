#!/bin/bash
# The long fuzzing run: each libFuzzer target for a number of executions,
# one after another, from its committed corpus.
#
#   tests/fuzz/campaign.sh BUILD_DIR [RUNS] [TARGET...]
#
# BUILD_DIR is a clang build that made the fuzz_<target> binaries (see
# tests/fuzz/README.md); RUNS defaults to 10,000,000; no TARGET means all.
# What a run finds goes to $JADEKV_FUZZ_SCRATCH/<target> (default
# /tmp/jadekv-fuzz), never into the repository: libFuzzer writes new inputs
# into the first corpus directory it is given, so the scratch one comes first.
# A crash (or timeout, or memory blow-up) leaves its input as
# <scratch>/<target>-crash-* (-timeout-*, -oom-*) and fails the run.
# Prints one line per target: executions, rate, time and the outcome.
set -u
here=$(cd "$(dirname "$0")" && pwd)
build=${1:?usage: campaign.sh BUILD_DIR [RUNS] [TARGET...]}
runs=${2:-10000000}
shift $(($# < 2 ? $# : 2))
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(coding wal snapshot block table manifest bptree_page bptree_file engine)
scratch_root=${JADEKV_FUZZ_SCRATCH:-/tmp/jadekv-fuzz}

failed=0
printf '%-12s %12s %9s %9s %s\n' target executions exec/s seconds outcome
for t in "${targets[@]}"; do
  bin=$build/tests/fuzz/fuzz_$t
  if [ ! -x "$bin" ]; then
    printf '%-12s %12s %9s %9s %s\n' "$t" - - - "no $bin"
    failed=1
    continue
  fi
  scratch=$scratch_root/$t
  mkdir -p "$scratch"
  start=$(date +%s)
  "$bin" -runs="$runs" -print_final_stats=1 -timeout=60 -rss_limit_mb=2048 \
    -artifact_prefix="$scratch-" "$scratch" "$here/corpus/$t" > "$scratch.log" 2>&1
  rc=$?
  seconds=$(($(date +%s) - start))
  executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$scratch.log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$scratch.log" | tail -1)
  if [ $rc -eq 0 ]; then
    outcome=ok
  else
    outcome="FAILED (exit $rc; $scratch.log, input $scratch-*)"
    failed=1
  fi
  printf '%-12s %12s %9s %9s %s\n' "$t" "${executions:--}" "${rate:--}" "$seconds" "$outcome"
done
exit $failed
