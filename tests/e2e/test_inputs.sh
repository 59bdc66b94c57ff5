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
# A mistyped flag: one line naming the closest option and one usage line,
# not the whole help (issue 16 item 8).
run_lg run x.yaml --jsn out.json
expect_code 2 "mistyped flag"
expect_eq "$(cat "$WORK/stderr")" "leakgate: unknown option '--jsn' (did you mean --json?)
usage: leakgate run SCENARIO.yaml... [options] ('leakgate run --help' lists every option)" "mistyped flag message"
run_lg analyze x.csv --tolerence 4B
grep -q "^leakgate: unknown option '--tolerence' (did you mean --tolerance?)$" "$WORK/stderr" ||
  fail "analyze: no did-you-mean"
expect_eq "$(wc -l <"$WORK/stderr")" 2 "analyze: a two-line message"
run_lg validate x.yaml --profile
grep -q "^leakgate: option --profile needs a value$" "$WORK/stderr" || fail "a missing value is not named"
run_lg run x.yaml --s 1/2
grep -q "^leakgate: option '--s' is ambiguous: --sarif, --set, --shard$" "$WORK/stderr" ||
  fail "an ambiguous prefix is not named"
run_lg rn x.yaml
expect_code 2 "mistyped command"
grep -q "^leakgate: unknown command 'rn' (did you mean run?)$" "$WORK/stderr" || fail "mistyped command"
# A unique prefix is the option itself (getopt takes it): its value is
# what is wrong, not its name. No name at all is not "ambiguous".
run_lg run x.yaml --jso
grep -q "^leakgate: option --json needs a value$" "$WORK/stderr" || fail "a prefix without its value"
run_lg run x.yaml --qui=1
grep -q "^leakgate: option --quiet takes no value$" "$WORK/stderr" || fail "a prefix with a value it takes not"
run_lg run x.yaml --=x
grep -q "^leakgate: unknown option '--=x'$" "$WORK/stderr" || fail "an option without a name"
# The options of no command get the same hint as a command's.
run_lg --verison
expect_code 2 "mistyped --version"
grep -q "^leakgate: unknown option '--verison' (did you mean --version?)$" "$WORK/stderr" || fail "mistyped --version"
# The size-unit message lists every unit the parser takes.
run_lg analyze x.csv --tolerance 4kb
grep -q "use B, KiB, MiB, GiB, TiB, KB, MB, GB or TB" "$WORK/stderr" || fail "the size-unit message omits units"
run_lg --version
expect_code 0 "--version"
finish
