#!/usr/bin/env bash
# jadekv as a meson subproject of a tiny consumer: dependency('jadekv') with a
# fallback. The subproject must build nothing of its own and install nothing.
set -euo pipefail
root=$1; here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/subprojects/jadekv"
cp -r "$root/meson.build" "$root/meson_options.txt" "$root/include" "$root/LICENSE" "$tmp/subprojects/jadekv/"
cp "$here/consumer/meson.build" "$here/consumer/main.cpp" "$tmp/"
meson setup "$tmp/build" "$tmp" --force-fallback-for=jadekv > "$tmp/setup.log" || { cat "$tmp/setup.log"; exit 1; }
# meson < 0.64 says "Dependency jadekv from subproject subprojects/jadekv found";
# newer versions run the subproject and then report the override it made.
{ grep -q "Dependency jadekv from subproject subprojects/jadekv found" "$tmp/setup.log" \
  || { grep -q "Executing subproject jadekv" "$tmp/setup.log" \
       && grep -qE "Dependency jadekv found: YES .*\(overridden\)" "$tmp/setup.log"; }; } \
  || { echo "FAIL: jadekv was not taken from the subproject"; cat "$tmp/setup.log"; exit 1; }
meson compile -C "$tmp/build" > "$tmp/compile.log" || { cat "$tmp/compile.log"; exit 1; }
"$tmp/build/consumer"
installed=$(meson introspect --installed "$tmp/build")
[ "$installed" = "{}" ] || { echo "FAIL: the subproject installs files: $installed"; exit 1; }
if find "$tmp/build/subprojects" -name '*_tests' -o -name 'jadekv_bench' | grep -q .; then
  echo "FAIL: the subproject built its own tests or benchmarks"; exit 1
fi
echo "subproject consumption ok"
