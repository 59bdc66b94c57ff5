#!/bin/sh
# One out dir, one run (issue 13 items 1 and 3): a second run into an out
# dir in use is refused (exit 4) instead of replacing the first's
# samples.csv under it (which made a leaky service pass); result.json says
# "unfinished" from the start of a run, so a run killed by SIGKILL never
# leaves an earlier run's verdict for `report` or `compare` to read; and a
# run that fails before sampling leaves no earlier samples beside its error.
. "$(dirname "$0")/lib.sh"

# 1. Two runs, one --out: the leaky one still fails; the second is refused.
leaky=$(scenario steady shared-leaky FIXTURE=leaky_http DUR=6s)
clean=$(scenario steady shared-clean FIXTURE=clean_http DUR=6s)
same=$WORK/same
"$LEAKGATE" run "$leaky" --out "$same" >"$WORK/a.stdout" 2>"$WORK/a.stderr" &
a=$!
wait_rows "$same/samples.csv" 4 60 || fail "the first run wrote no samples within 60 s"
run_lg run "$clean" --out "$same"
expect_code 4 "a second run into an out dir in use"
grep -q "in use by another leakgate run (pid $a)" "$WORK/stderr" ||
  fail "the refusal does not say the out dir is in use by pid $a"
set +e
wait "$a"
acode=$?
set -e
[ "$acode" -eq 1 ] || { cat "$WORK/a.stdout" "$WORK/a.stderr" >&2; fail "the leaky run beside a second run exited $acode, expected 1 (fail)"; }
expect_eq "$(jget "$same/result.json" "d['scenario']['name']")" e2e-shared-leaky "result.json's scenario"
expect_eq "$(jget "$same/result.json" "d['verdict']")" fail "the leaky run's verdict"

# 2. A pass in d, then a leaky run of the same name into d killed by
# SIGKILL: result.json no longer holds the pass, and `report`/`compare` on
# it exit 4 (an if: always() step goes red, not green).
d=$WORK/d
run_lg run "$(scenario steady killed-pass FIXTURE=clean_http DUR=4s NAME=killed)" --out "$d"
expect_code 0 "the clean run"
rm "$d/samples.csv" # so the wait below sees the next run's own rows
"$LEAKGATE" run "$(scenario steady killed-leaky FIXTURE=leaky_http DUR=30s NAME=killed)" \
  --out "$d" >/dev/null 2>&1 &
k=$!
wait_rows "$d/samples.csv" 4 60 || fail "the killed run wrote no samples within 60 s"
kill -KILL "$k"
wait "$k" 2>/dev/null || true
expect_eq "$(jget "$d/result.json" "d['verdict']")" error "result.json of a killed run"
jget "$d/result.json" "d['reasons'][0]" | grep -q "^unfinished: leakgate (pid $k)" ||
  fail "result.json of a killed run does not say it is unfinished: $(jget "$d/result.json" "d['reasons']")"
run_lg report "$d/result.json"
expect_code 4 "report on a killed run's result.json"
run_lg compare "$d/result.json" --baseline "$WORK/no-baseline.json"
expect_code 4 "compare on a killed run's result.json"
# The watchdog removes what the killed run left (item 4 covers the rest).
for _ in $(seq 1 50); do [ -z "$(work_pids)" ] && break; sleep 0.2; done

# 3. A run that fails before sampling: its error result stands alone, no
# earlier samples beside it.
[ "$(($(wc -l <"$d/samples.csv") - 1))" -ge 4 ] || fail "setup: no earlier samples in $d"
bad=$(scenario steady killed-nostart FIXTURE=no_such_fixture DUR=2s NAME=killed)
run_lg run "$bad" --out "$d"
expect_code 4 "a service that cannot start"
expect_eq "$(jget "$d/result.json" "d['verdict']")" error "result.json of a run that could not start"
rows=$(($(wc -l <"$d/samples.csv") - 1))
expect_eq "$rows" 0 "sample rows beside a run that never sampled"
[ ! -e "$d/service.stderr.log" ] || fail "an earlier run's service.stderr.log is left beside the error"

no_leftovers
finish
