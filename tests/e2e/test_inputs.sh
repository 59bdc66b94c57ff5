#!/bin/sh
# Bad input and bad places (issue 2, issue 9 item 3): exit 2 with
# file:line:column for invalid scenarios and CSVs, exit 4 for an unwritable
# out dir, and --help that is complete.
. "$(dirname "$0")/lib.sh"

sc=$(scenario unknown-key)
run_lg validate "$sc"
expect_code 2 "validate on an unknown key"
grep -q "unknown-key.yaml:8:3: load.conections: unknown key" "$WORK/stderr" ||
  fail "validate message lacks file:line:column and the key"
run_lg run "$sc"
expect_code 2 "run on an invalid scenario"

printf 't_s,requests,anon_bytes\n0,0,100\n1,10,x\n' >"$WORK/bad.csv"
run_lg analyze "$WORK/bad.csv"
expect_code 2 "analyze on a non-number"
grep -q "bad.csv:3:" "$WORK/stderr" || fail "analyze message lacks file:line"

# An out dir that cannot be created: exit 4 with a message, nothing half-written.
mkdir -p "$WORK/ro" && touch "$WORK/ro/file"
run_lg run "$(scenario clean)" --out "$WORK/ro/file/out"
expect_code 4 "unwritable out dir"
grep -qi "directory" "$WORK/stderr" || fail "no message about the out dir"
no_leftovers

# A symlink planted where result.json goes is refused, never followed.
mkdir -p "$WORK/planted" && ln -s /etc/passwd-leakgate-test "$WORK/planted/result.json"
run_lg run "$(scenario clean)" --out "$WORK/planted"
[ ! -e /etc/passwd-leakgate-test ] || { rm -f /etc/passwd-leakgate-test; fail "followed a planted symlink"; }
no_leftovers

# The example scenarios users copy stay valid.
for f in "$SRC"/scenarios/*.yaml "$SRC"/scenarios/demo/*.yaml; do
  run_lg validate "$f"
  expect_code 0 "validate $f"
done

# Every command documents itself; unknown commands and flags are usage errors.
for c in run analyze validate compare baseline merge report doctor; do
  run_lg "$c" --help
  expect_code 0 "$c --help"
  grep -q "usage: leakgate $c" "$WORK/stdout" || fail "$c --help has no usage line"
done
run_lg frobnicate
expect_code 2 "unknown command"
run_lg run --no-such-flag x.yaml
expect_code 2 "unknown flag"
run_lg --version
expect_code 0 "--version"
finish
