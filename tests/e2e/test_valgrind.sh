#!/bin/sh
# The Valgrind tiers through `leakgate run` (issue 5): Memcheck names the
# leaking line, Massif's top growing site is the leaking function, the
# on-suspicion mode skips a clean service, and a missing valgrind is an
# infrastructure error naming the package.
. "$(dirname "$0")/lib.sh"
require_tool valgrind

run_lg run "$(scenario valgrind leaky MODE=always SERVICE=leaky_http)" --out "$WORK/leaky"
expect_code 1 "leaky service under both tiers"
r="$WORK/leaky/result.json"
expect_eq "$(jget "$r" "d['memcheck']['ran']")" true "memcheck.ran"
# 300 requests x 64 B, definitely lost, allocated in leak_per_request().
expect_eq "$(jget "$r" "int(d['memcheck']['definitely_lost_bytes'])")" 19200 "definitely lost bytes"
line=$(grep -n "char \*p = malloc(leak_bytes)" "$SRC/tests/fixtures/leaky_http.c" | cut -d: -f1)
expect_eq "$(jget "$r" "[f['function'] for f in d['memcheck']['leaks'][0]['stack'] if f['function']=='leak_per_request'][0]")" leak_per_request "leak stack function"
expect_eq "$(jget "$r" "[f['line'] for f in d['memcheck']['leaks'][0]['stack'] if f['function']=='leak_per_request'][0]")" "$line" "leak stack line"
expect_eq "$(jget "$r" "d['massif']['ran']")" true "massif.ran"
expect_eq "$(jget "$r" "d['massif']['growing_sites'][0]['function']")" leak_per_request "massif top growing site"
expect_range "$(jget "$r" "len(d['massif']['heap']['x'])")" 20 1000 "massif heap points"
# Snapshots are request-aligned: x strictly increases in whole steps.
jget "$r" "all(b > a for a, b in zip(d['massif']['heap']['x'], d['massif']['heap']['x'][1:]))" | grep -qx true ||
  fail "massif heap x does not increase"
no_leftovers

# on-suspicion: the clean service passes the RSS run, so no tier runs.
run_lg run "$(scenario valgrind clean MODE=on-suspicion SERVICE=clean_http)" --out "$WORK/clean"
expect_code 0 "clean service, on-suspicion"
r="$WORK/clean/result.json"
expect_eq "$(jget "$r" "d['memcheck']['ran']")" false "memcheck skipped"
jget "$r" "d['memcheck']['note']" | grep -q "on-suspicion" || fail "no note on why Memcheck was skipped"
[ ! -d "$WORK/clean/memcheck" ] || fail "a Memcheck run happened anyway"
no_leftovers

# valgrind missing from PATH: exit 4, the package named (a clean service, so
# nothing outranks the infrastructure error: a found leak would be exit 1).
mkdir -p "$WORK/nopath"
set +e
PATH="$WORK/nopath" "$LEAKGATE" run "$(scenario valgrind nopath MODE=always SERVICE=clean_http)" \
  --out "$WORK/nopath/out" >"$WORK/stdout" 2>"$WORK/stderr"
code=$?
set -e
expect_code 4 "valgrind missing"
grep -q "install the 'valgrind' package" "$WORK/stdout" "$WORK/stderr" "$WORK/nopath/out/result.json" ||
  fail "the message does not name the valgrind package"
no_leftovers
finish
