#!/usr/bin/env bash
# jadekv installed by `meson install` into a temporary prefix and found by a
# consumer through pkg-config.
set -euo pipefail
root=$1; here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
meson setup "$tmp/build" "$root" --prefix="$tmp/prefix" -Dtests=false -Dbench=false -Dexamples=false > "$tmp/setup.log" \
  || { cat "$tmp/setup.log"; exit 1; }
meson install -C "$tmp/build" --quiet
pc=$(find "$tmp/prefix" -name jadekv.pc)
[ -n "$pc" ] || { echo "FAIL: no jadekv.pc installed"; exit 1; }
[ -f "$tmp/prefix/include/jadekv/jadekv.hpp" ] || { echo "FAIL: headers not installed"; exit 1; }
export PKG_CONFIG_PATH=$(dirname "$pc")
cd "$tmp"
# shellcheck disable=SC2046
${CXX:-c++} $(pkg-config --cflags jadekv) -O1 -Wall -Wextra -Wpedantic -Werror "$here/consumer/main.cpp" \
  $(pkg-config --libs jadekv) -o consumer
./consumer
echo "installed (pkg-config $(pkg-config --modversion jadekv)) consumption ok"
