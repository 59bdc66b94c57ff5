#!/bin/sh
# The pre-release profile: `--profile soak` scales every phase duration and
# tightens the tolerance (scenario `profiles:`), seen without running by
# `validate --profile`, and in a real run's result.json (a `quick` profile
# of the same scenario, to stay short). An unknown profile is an input error.
# Where a scenario defines no soak, the built-in one applies (x10, tolerance/4).
. "$(dirname "$0")/lib.sh"

s=$(scenario profile)
run_lg validate "$s"
expect_code 0 "validate"
grep -q "2 phases, 4.0 s$" "$WORK/stdout" || fail "validate: 4 s of phases without a profile"
run_lg validate --profile soak "$s"
expect_code 0 "validate --profile soak"
grep -q "2 phases, 80.0 s$" "$WORK/stdout" || fail "validate --profile soak: 20 x 4 s"
# soak is built in where a scenario defines none: 10 x the phases.
run_lg validate --profile soak "$(scenario clean profile-builtin)"
expect_code 0 "validate --profile soak without a soak profile"
grep -q "2 phases, 70.0 s$" "$WORK/stdout" || fail "the built-in soak: 10 x 7 s"
run_lg validate --profile nightly "$s"
expect_code 2 "an unknown profile"
grep -q "unknown profile 'nightly' (this scenario defines: quick, soak)" "$WORK/stderr" ||
  fail "the unknown-profile message lists the profiles"

run_lg run "$s" --out "$WORK/plain" --quiet
expect_code 0 "run without a profile"
run_lg run "$s" --profile quick --out "$WORK/quick" --quiet
expect_code 0 "run --profile quick"
p="$WORK/plain/result.json"
q="$WORK/quick/result.json"
expect_eq "$(jget "$p" "d['analysis']['tolerance_bytes_per_request']")" 16 "tolerance without a profile"
expect_eq "$(jget "$q" "d['analysis']['tolerance_bytes_per_request']")" 4 "tolerance of the profile"
expect_range "$(jget "$p" "d['load']['duration_s']")" 3.8 5.0 "load duration without a profile"
expect_range "$(jget "$q" "d['load']['duration_s']")" 1.8 2.6 "load duration of the profile (x0.5)"
expect_eq "$(jget "$p" "d['scenario']['profile']")" null "result.json: no profile"
expect_eq "$(jget "$q" "d['scenario']['profile']")" quick "result.json: the profile applied"
no_leftovers
finish
