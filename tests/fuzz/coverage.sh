#!/usr/bin/env bash
# Line and branch coverage of the code each fuzz target reaches, from its
# corpus: every target's replay driver built with clang's source-based
# coverage, run over tests/fuzz/corpus/<t> and, when given, the scratch
# corpora a campaign left (campaign.sh's <scratch>/<t>), then one llvm-cov
# report per target over the files it is there to test.
#
#   tests/fuzz/coverage.sh [SCRATCH]       (default: $JADEKV_FUZZ_SCRATCH, or none)
#
# Needs clang++, llvm-profdata and llvm-cov. Work files go to
# ${JADEKV_COVERAGE_DIR:-/tmp/jadekv-coverage}. Each target is reported from
# its own profile: the headers are compiled into every driver, and profiles
# of different binaries do not merge.
set -euo pipefail
cd "$(dirname "$0")/../.."
scratch=${1:-${JADEKV_FUZZ_SCRATCH:-}}
work=${JADEKV_COVERAGE_DIR:-/tmp/jadekv-coverage}
mkdir -p "$work"
rm -f "$work"/*.profraw

files_of() {
  local i=include/jadekv
  case $1 in
    coding) echo $i/core/coding.hpp ;;
    wal) echo $i/persist/detail/log_reader.hpp $i/persist/detail/wal_core.hpp $i/core/write_batch.hpp ;;
    snapshot) echo $i/persist/detail/snapshot_file.hpp ;;
    block) echo $i/index/lsm/block.hpp $i/index/lsm/table_format.hpp ;;
    table) echo $i/index/lsm/table.hpp $i/index/lsm/table_format.hpp $i/index/lsm/bloom.hpp ;;
    manifest) echo $i/index/lsm/manifest.hpp $i/index/lsm/version_edit.hpp $i/index/lsm/version.hpp ;;
    bptree_page) echo $i/index/bptree/format.hpp $i/index/bptree/node.hpp ;;
    bptree_file) echo $i/index/bptree/pager.hpp $i/index/bptree/check.hpp $i/index/bptree/store.hpp \
                      $i/index/bptree/cursor.hpp ;;
    engine) echo $i/engine.hpp $i/index/lsm/store.hpp $i/persist/detail/wal_core.hpp ;;
  esac
}

for t in coding wal snapshot block table manifest bptree_page bptree_file engine; do
  clang++ -std=c++20 -O0 -fprofile-instr-generate -fcoverage-mapping -Iinclude -Itests/fuzz \
    "tests/fuzz/${t}_fuzz.cpp" tests/fuzz/replay_main.cpp -o "$work/replay_$t" -pthread
  dirs=("tests/fuzz/corpus/$t")
  if [ -n "$scratch" ] && [ -d "$scratch/$t" ]; then dirs+=("$scratch/$t"); fi
  LLVM_PROFILE_FILE="$work/$t-%p.profraw" "$work/replay_$t" "${dirs[@]}" > "$work/$t.out" 2>&1
  llvm-profdata merge -o "$work/$t.profdata" "$work/$t"-*.profraw
  echo "== $t ($(tail -n 1 "$work/$t.out"))"
  # shellcheck disable=SC2046
  llvm-cov report "$work/replay_$t" -instr-profile="$work/$t.profdata" $(files_of $t) |
    awk 'NR > 2 && !/^-/ { printf "  %-36s lines %6s  branches %6s\n", $1, $10, $13 }'
done
