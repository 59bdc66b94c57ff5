#!/bin/sh
# `leakgate run A B` where B cannot be run at all (its out directory is
# blocked by a file): A's result is still summarised and written to --json,
# and the exit code is the infrastructure error (issue 14 item 5: earlier
# results are reported, never freed silently).
. "$(dirname "$0")/lib.sh"

a=$(scenario quick partial-a)
b=$(scenario quick partial-b)
mkdir -p "$WORK/out"
: >"$WORK/out/partial-b" # a file where B's out directory must go
run_lg run "$a" "$b" --out "$WORK/out" --json "$WORK/all.json"
expect_code 4 "second scenario cannot run"
grep -q "leakgate partial-a: pass" "$WORK/stdout" || fail "A's summary is missing"
grep -q "partial-b: .*not a directory" "$WORK/stderr" || fail "B's failure is not said"
expect_eq "$(jget "$WORK/all.json" "d['scenario']['name']")" partial-a "--json holds A"
expect_eq "$(jget "$WORK/out/partial-a/result.json" "d['verdict']")" pass "A's result.json"
no_leftovers
finish
