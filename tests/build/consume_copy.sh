#!/usr/bin/env bash
# jadekv as a plain copy in third_party/jadekv/include, built with nothing but
# the compiler: no meson, no pkg-config.
set -euo pipefail
root=$1; here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/third_party/jadekv"
cp -r "$root/include" "$tmp/third_party/jadekv/"
cp "$here/consumer/main.cpp" "$tmp/"
cd "$tmp"
${CXX:-c++} -std=c++20 -O1 -Wall -Wextra -Wpedantic -Werror -Ithird_party/jadekv/include main.cpp -pthread -o consumer
./consumer
echo "third_party copy consumption ok"
