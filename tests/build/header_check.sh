#!/usr/bin/env bash
# One generated translation unit per public header, compiled alone with the
# project's warning flags: proves every header includes what it uses.
# Also enforces the layout rules: OS headers only under io/, no <iostream>.
# usage: header_check.sh SOURCE_ROOT   (compiler from $CXX, default c++)
set -euo pipefail
root=$1
cxx=${CXX:-c++}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$root/include"

fail=0
os_headers='<(unistd|fcntl|dirent|pthread|windows)\.h>|<sys/'
while IFS= read -r h; do
  case "$h" in
    jadekv/io/*) ;;
    *) if grep -nE "#include $os_headers" "$h"; then echo "FAIL $h: OS header outside io/"; fail=1; fi ;;
  esac
  if grep -n '#include <iostream>' "$h"; then echo "FAIL $h: <iostream> in a header"; fail=1; fi
done < <(find jadekv -name '*.hpp' | sort)

check_one() {
  local h=$1 tu
  tu="$tmp/$(echo "$h" | tr '/.' '__').cpp"
  printf '#include <%s>\n#include <%s>\n' "$h" "$h" > "$tu"  # twice: include guards work
  if ! $cxx -std=c++20 -fsyntax-only -Wall -Wextra -Wpedantic -Werror -I. "$tu" 2> "$tu.err"; then
    echo "FAIL $h does not compile on its own:"; head -n 20 "$tu.err"; return 1
  fi
}
export -f check_one
export tmp cxx
count=$(find jadekv -name '*.hpp' | wc -l)
if ! find jadekv -name '*.hpp' | sort | xargs -P 2 -I{} bash -c 'check_one {}'; then fail=1; fi
[ "$fail" = 0 ] && echo "$count headers compile on their own with $cxx"
exit "$fail"
