#!/bin/sh
# SIGINT/SIGTERM to leakgate (issue 9 item 1): the load and the service stop,
# the cgroup is removed, result.json still says error/"interrupted" (exit 4)
# with the samples so far kept, within a few seconds.
. "$(dirname "$0")/lib.sh"

for sig in INT TERM; do
  sc=$(scenario long-leaky "long-$sig")
  out="$WORK/int-$sig"
  set +e
  "$LEAKGATE" run "$sc" --out "$out" >"$WORK/stdout" 2>"$WORK/stderr" &
  pid=$!
  wait_rows "$out/samples.csv" 20 60 || fail "SIG$sig: 20 samples never came"
  t0=$(date +%s)
  kill -"$sig" "$pid"
  wait "$pid"
  code=$?
  set -e
  el=$(elapsed_since "$t0")
  expect_code 4 "SIG$sig to leakgate"
  [ "$el" -le 5 ] || fail "SIG$sig: leakgate took $el s to stop"
  r="$out/result.json"
  [ -f "$r" ] || { fail "SIG$sig: no result.json"; continue; }
  expect_eq "$(jget "$r" "d['verdict']")" error "SIG$sig verdict"
  expect_eq "$(jget "$r" "d['interrupted']")" true "SIG$sig interrupted"
  expect_eq "$(jget "$r" "d['reasons'][0]")" interrupted "SIG$sig first reason"
  rows=$(($(wc -l <"$out/samples.csv") - 1))
  [ "$rows" -ge 20 ] || fail "SIG$sig: only $rows samples kept"
  no_leftovers
done

# A second SIGINT hurries: a service that ignores SIGTERM under a 30 s stop
# timeout is killed at once instead, and the run still ends cleanly
# (result.json, cgroup removed, nothing left running) within seconds.
sc=$(scenario stop-escalation hurry NAME=term_ignorer)
sed -i -e 's/timeout: 1s}/timeout: 30s}/' -e 's/duration: 2s/duration: 60s/' "$sc"
out="$WORK/hurry"
set +e
"$LEAKGATE" run "$sc" --out "$out" >"$WORK/stdout" 2>"$WORK/stderr" &
pid=$!
wait_rows "$out/samples.csv" 1 60 || fail "the hurried run never sampled"
kill -INT "$pid"
sleep 1
kill -0 "$pid" 2>/dev/null || fail "the first SIGINT did not wait for the 30 s stop timeout"
t0=$(date +%s)
kill -INT "$pid"
wait "$pid"
code=$?
set -e
el=$(elapsed_since "$t0")
expect_code 4 "two SIGINTs"
[ "$el" -le 4 ] || fail "the second SIGINT took $el s to end the run"
if [ -f "$out/result.json" ]; then
  expect_eq "$(jget "$out/result.json" "d['reasons'][0]")" interrupted "hurried run's first reason"
else
  fail "no result.json after a second SIGINT"
fi
no_leftovers
finish
