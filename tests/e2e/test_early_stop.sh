#!/bin/sh
# Early stop end to end (issue 18): with a 60 s steady phase, the leaky
# fixture (64 B/request) fails after at most 5 s of steady load and the
# clean one passes after at most 10 s, both reported at the deciding look
# (not measured on this machine's clock); `analyze --early-stop` replays
# samples.csv to the same look and verdict; a steady phase too short to
# decide is extended up to load.max_duration; the baseline gate and the
# Memcheck tier still run after an early decision.
. "$(dirname "$0")/lib.sh"

# check_decided DIR VERDICT LEAK MAX_S: the run's verdict and its decision
# point: a look within MAX_S seconds of steady load that stopped the run.
check_decided() {
  r="$1/result.json"
  expect_eq "$(jget "$r" "d['verdict']")" "$2" "$1 verdict"
  expect_eq "$(jget "$r" "d['analysis']['leak']")" "$3" "$1 analysis.leak"
  expect_eq "$(jget "$r" "d['analysis']['early_stop']")" true "$1 early_stop"
  expect_eq "$(jget "$r" "d['analysis']['stopped_early']")" true "$1 stopped_early"
  expect_range "$(jget "$r" "d['analysis']['decided_after_seconds']")" 2 "$4" "$1 decided after (s of steady load)"
  expect_range "$(jget "$r" "d['analysis']['looks']")" 1 20 "$1 looks"
  # The steady load really ended: far fewer than 60 s of steady phase ran.
  expect_range "$(jget "$r" "[p['duration_s'] for p in d['load']['phases'] if p['name']=='steady'][0]")" 0 30 "$1 steady phase duration"
  grep -q "decided after .* s of steady load (early stop)" "$WORK/stdout" ||
    fail "$1: the summary does not say when it decided"
  agreed "$1"
}

# agreed DIR: the look that stopped the load is the one the replay of
# samples.csv (the run's verdict) decides at (run.c says so when not).
agreed() {
  expect_eq "$(jget "$1/result.json" "[x for x in d['reasons'] if x.startswith('early stop:')]")" "[]" \
    "$1: the session's stop and the replay agree"
}

run_lg run "$(scenario early-stop es-leaky SERVICE=leaky_http STEADY=60s MAX=62s)" --out "$WORK/leaky"
expect_code 1 "leaky service, early stop"
check_decided "$WORK/leaky" fail leak 5
expect_range "$(jget "$WORK/leaky/result.json" "d['analysis']['slope_bytes_per_request']")" 60 120 "leaky slope B/req"
no_leftovers

run_lg run "$(scenario early-stop es-clean SERVICE=clean_http STEADY=60s MAX=62s)" --out "$WORK/clean"
expect_code 0 "clean service, early stop"
check_decided "$WORK/clean" pass no_leak 10
no_leftovers

# The replay stops at the same look with the same verdict and numbers.
for k in leaky clean; do
  run_lg analyze --early-stop --max-duration 62s "$WORK/$k/samples.csv" --json "$WORK/$k.replay.json"
  for key in leak stopped_early looks decided_after_seconds decided_after_requests slope_bytes_per_request slope_ci look_confidence; do
    expect_eq "$(jget "$WORK/$k.replay.json" "d['analysis']['$key']")" \
      "$(jget "$WORK/$k/result.json" "d['analysis']['$key']")" "$k replay: analysis.$key"
  done
done

# A steady phase shorter than the minimum evidence (2 s): the run extends
# it ("steady.extended", the same load) until a look decides.
run_lg run "$(scenario early-stop es-extend SERVICE=leaky_http STEADY=1s MAX=20s)" --out "$WORK/extend"
expect_code 1 "extended run"
r="$WORK/extend/result.json"
expect_eq "$(jget "$r" "d['analysis']['leak']")" leak "extended analysis.leak"
expect_eq "$(jget "$r" "[p['name'] for p in d['load']['phases']][-1]")" steady.extended "extension phase"
expect_range "$(jget "$r" "d['analysis']['decided_after_seconds']")" 2 10 "extended: decided after (s)"
expect_range "$(jget "$r" "d['load']['duration_s']")" 3 19 "extended run stopped before max_duration"
agreed "$WORK/extend"
no_leftovers

# The exec driver counts no requests: its looks judge bytes per second
# against analysis.tolerance_per_second, as the replay does. oom_hog maps
# 64 KiB every 100 ms (at most 640 KiB/s), below the tolerance of 1 MiB/s:
# the look that stops the load says no_leak, as the replay does (the
# per-request 16 B read as 16 B/s made the live look stop it as a leak).
run_lg run "$(scenario early-stop-exec es-exec STEADY=8s)" --out "$WORK/exec"
expect_code 0 "exec driver, early stop"
r="$WORK/exec/result.json"
expect_eq "$(jget "$r" "d['analysis']['x']")" seconds "exec: x axis"
expect_eq "$(jget "$r" "d['analysis']['tolerance_bytes_per_request']")" 1048576 "exec: per-second tolerance"
expect_eq "$(jget "$r" "d['analysis']['leak']")" no_leak "exec: analysis.leak"
agreed "$WORK/exec"
no_leftovers

# After an early decision the baseline gate still judges the change.
B="$WORK/ci/baseline.json"
run_lg baseline update "$WORK/clean/result.json" --into "$B"
expect_code 0 "baseline from an early-stopped main run"
run_lg run "$(scenario early-stop es-clean SERVICE=leaky_http STEADY=60s MAX=62s)" --out "$WORK/pr" --baseline "$B"
expect_code 1 "leaky pull request against the early-stopped baseline"
expect_eq "$(jget "$WORK/pr/result.json" "d['baseline']['verdict']")" regression "baseline.verdict after an early stop"
expect_eq "$(jget "$WORK/pr/result.json" "d['analysis']['stopped_early']")" true "pull request stopped early"
no_leftovers

# ... and so does a Valgrind tier (valgrind is required in CI; elsewhere
# without it this part is skipped and so is the test).
if command -v valgrind >/dev/null; then
  run_lg run "$(scenario early-stop es-tier SERVICE=leaky_http STEADY=60s MAX=62s)" --out "$WORK/tier" \
    --set valgrind.memcheck.enabled=true --set valgrind.memcheck.load=300
  expect_code 1 "leaky service with a Memcheck tier"
  r="$WORK/tier/result.json"
  expect_eq "$(jget "$r" "d['analysis']['stopped_early']")" true "tier run stopped early"
  # Memcheck ran its own 300 requests after the early decision: 64 B lost
  # per request it served (one more per connection may be in flight).
  mc=$(jget "$r" "d['memcheck']['requests']")
  expect_range "$mc" 1 308 "memcheck.requests (valgrind.memcheck.load=300)"
  expect_range "$(jget "$r" "int(d['memcheck']['definitely_lost_bytes'])")" \
    "$((mc * 64))" "$(((mc + 8) * 64))" "Memcheck's lost bytes follow its requests"
  no_leftovers
else
  skip_part "a Memcheck tier after an early stop: valgrind is not installed"
fi
finish
