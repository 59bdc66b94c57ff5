#!/bin/sh
# Faults of the service under test (issue 9 item 2): each ends within seconds
# with the right exit code, keeps every sample, and leaves nothing behind.
. "$(dirname "$0")/lib.sh"

# Crash mid-run: fail (1), the signal named, samples up to the crash kept.
run_lg run "$(scenario crash)" --out "$WORK/crash"
expect_code 1 "crashing service"
r="$WORK/crash/result.json"
expect_eq "$(jget "$r" "d['service']['crashed']")" true "service.crashed"
expect_eq "$(jget "$r" "d['service']['signal']")" 11 "service.signal (SIGSEGV)"
expect_eq "$(jget "$r" "[c['status'] for c in d['checks'] if c['name']=='crash'][0]")" fail "crash check"
rows=$(($(wc -l <"$WORK/crash/samples.csv") - 1))
[ "$rows" -ge 10 ] || fail "only $rows samples kept before the crash"
no_leftovers

# Exits before it is ready: an infrastructure error (4) quoting its stderr.
t0=$(date +%s)
run_lg run "$(scenario early-exit)" --out "$WORK/early"
expect_code 4 "service exiting before ready"
grep -q "no configuration found" "$WORK/stderr" "$WORK/stdout" ||
  fail "the message does not quote the service's stderr"
expect_eq "$(jget "$WORK/early/result.json" "d['verdict']")" error "early-exit verdict"
[ "$(elapsed_since "$t0")" -le 4 ] || fail "early exit took $(elapsed_since "$t0") s to report"
no_leftovers

# Ignores SIGTERM / hangs on stop: SIGKILL after stop.timeout (1 s).
for name in term_ignorer hang_on_stop; do
  t0=$(date +%s)
  run_lg run "$(scenario stop-escalation "$name" NAME="$name")" --out "$WORK/$name"
  el=$(elapsed_since "$t0")
  [ "$el" -le 8 ] || fail "$name: the run took $el s (2 s load + 1 s stop timeout)"
  [ -f "$WORK/$name/result.json" ] || fail "$name: no result.json"
  expect_eq "$(jget "$WORK/$name/result.json" "d['service']['signal']")" 9 "$name: ended by SIGKILL"
  no_leftovers
done

# Forks and daemonises: every process is sampled and killed.
run_lg run "$(scenario forker)" --out "$WORK/forker"
[ -f "$WORK/forker/result.json" ] || fail "forker: no result.json"
maxprocs=$(awk -F, 'NR > 1 && $7 > m { m = $7 } END { print m + 0 }' "$WORK/forker/samples.csv")
[ "$maxprocs" -ge 5 ] || fail "forker: at most $maxprocs processes sampled (parent + 3 children + daemon expected)"
no_leftovers

# Floods stdout/stderr forever: captured with a cap, never blocked.
t0=$(date +%s)
run_lg run "$(scenario flooder)" --out "$WORK/flooder"
[ "$(elapsed_since "$t0")" -le 10 ] || fail "flooder run took $(elapsed_since "$t0") s"
for s in stdout stderr; do
  size=$(stat -c %s "$WORK/flooder/service.$s.log")
  [ "$size" -le $((17 * 1024 * 1024)) ] || fail "flooder: service.$s.log is $size bytes (cap 16 MiB)"
  [ "$size" -ge 1024 ] || fail "flooder: service.$s.log captured only $size bytes"
done
no_leftovers

# Closes its port mid-run: errors counted and said, no hang.
t0=$(date +%s)
run_lg run "$(scenario port-closer)" --out "$WORK/closer"
[ "$(elapsed_since "$t0")" -le 10 ] || fail "port-closer run took $(elapsed_since "$t0") s"
r="$WORK/closer/result.json"
expect_range "$(jget "$r" "d['load']['errors']")" 1 100000 "port-closer load.errors"
expect_range "$(jget "$r" "d['load']['requests']")" 1 100000 "port-closer load.requests (before the close)"
no_leftovers
finish
