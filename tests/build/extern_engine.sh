#!/usr/bin/env bash
# JADEKV_EXTERN_ENGINE keeps the engine's code out of a translation unit that
# uses it: compiles one unit that opens an mvcc_db and uses its reads, writes,
# scans and transactions, with and without the extern declaration, and checks
# which of the engine's members the object defines. Without it they must be
# there (so the check can see them); with it none may be.
# usage: extern_engine.sh SOURCE_ROOT   (compiler from $CXX, default c++)
set -euo pipefail
root=$1
cxx=${CXX:-c++}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

unit() {  # with_extern (0|1)
  echo '#include <jadekv/jadekv.hpp>'
  [ "$1" = 1 ] && echo 'JADEKV_EXTERN_ENGINE(jadekv::mvcc_db);'
  cat <<'CPP'
#include <utility>
int main() {
  jadekv::mvcc_db::options opt;
  opt.dir = "unused";
  auto r = jadekv::mvcc_db::open(opt);
  if (!r) return 1;
  jadekv::mvcc_db db = std::move(*r);
  jadekv::status s = db.put("k", "v");
  s = db.erase("k");
  jadekv::write_batch b;
  b.put("a", "1");
  s = db.write(b);
  auto v = db.get("a");
  auto it = db.iterator();
  it.seek_to_first();
  auto tx = db.begin();
  s = tx.put("x", "1");
  s = tx.commit();
  s = db.flush();
  return s.ok() && v && it.valid() ? 0 : 2;
}
CPP
}

# Members of the engine and of its transaction, as nm -C prints them defined.
members='jadekv::v0::(engine<[^(]*>::(open|put|erase|write|get|iterator|flush|close|~engine)|transaction<[^(]*>::commit)\('
fail=0
for with_extern in 0 1; do
  unit $with_extern > "$tmp/u$with_extern.cpp"
  $cxx -std=c++20 -O0 -pthread -I"$root/include" -c "$tmp/u$with_extern.cpp" -o "$tmp/u$with_extern.o"
  defined=$(nm -C --defined-only "$tmp/u$with_extern.o" | grep -cE "$members" || true)
  echo "extern=$with_extern: $defined engine members defined in the unit ($(size "$tmp/u$with_extern.o" | awk 'NR == 2 { print $1 }') bytes of text)"
  if [ "$with_extern" = 0 ] && [ "$defined" -lt 8 ]; then echo "FAIL the check does not see the engine's members"; fail=1; fi
  if [ "$with_extern" = 1 ] && [ "$defined" -ne 0 ]; then
    echo "FAIL JADEKV_EXTERN_ENGINE left these in the unit:"
    nm -C --defined-only "$tmp/u1.o" | grep -E "$members" | head -n 10
    fail=1
  fi
done
exit $fail
