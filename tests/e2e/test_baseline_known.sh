#!/bin/sh
# A leak main already has is not the pull request's fault: a service leaking
# 8 B/request on both sides is no regression at a tolerance of 16, and one
# leaking 80 B/request on both sides (a LEAK verdict on both) is reported as
# a known leak and passes.
. "$(dirname "$0")/lib.sh"

sc=$(scenario baseline-svc)
leaky_cmd="service.command=[$FIXTURES/leaky_http, --port, '{{port}}']"

# 8 B/request: malloc(24) takes a 32-byte chunk (24 + 8-byte header, 16-byte
# aligned) and LEAK_EVERY=4 leaks it on every 4th request.
eight='service.env={LEAK_BYTES: "24", LEAK_EVERY: "4"}'
run_lg run "$sc" --out "$WORK/main8" --set "$leaky_cmd" --set "$eight"
expect_code 0 "main at 8 B/req (under the 16 B/req tolerance)"
expect_range "$(jget "$WORK/main8/result.json" "d['analysis']['slope_bytes_per_request']")" 5 11 "main slope (8 B/req)"
run_lg baseline update "$WORK/main8/result.json" --into "$WORK/b8.json"
expect_code 0 "baseline update (8 B/req)"
run_lg run "$sc" --out "$WORK/pr8" --baseline "$WORK/b8.json" --set "$leaky_cmd" --set "$eight"
expect_code 0 "pull request at 8 B/req against main at 8 B/req"
r="$WORK/pr8/result.json"
expect_range "$(jget "$r" "d['analysis']['slope_bytes_per_request']")" 5 11 "pull request slope (8 B/req)"
expect_eq "$(jget "$r" "d['baseline']['verdict']")" no_regression "8 B/req on both sides"
expect_range "$(jget "$r" "d['baseline']['slope_delta_bytes_per_request']")" -4 4 "slope delta (8 vs 8)"
expect_range "$(jget "$r" "d['baseline']['delta_ci'][1]")" -16 15.999 "delta upper bound below 16"
no_leftovers

# 80 B/request on both sides: a LEAK on both, known, not a regression
run_lg run "$sc" --out "$WORK/main64" --set "$leaky_cmd" --set 'service.env.LEAK_BYTES="64"'
expect_code 1 "main leaking 64 B/req fails on its own"
run_lg baseline update "$WORK/main64/result.json" --into "$WORK/b64.json"
expect_code 0 "a main run that leaks (verdict fail) can be the baseline"
expect_eq "$(jget "$WORK/b64.json" "d['scenarios']['e2e-baseline']['latest']['analysis']['leak']")" leak "baseline leak"
run_lg run "$sc" --out "$WORK/pr64" --baseline "$WORK/b64.json" --set "$leaky_cmd" --set 'service.env.LEAK_BYTES="64"'
expect_code 0 "pull request with main's own leak"
r="$WORK/pr64/result.json"
expect_eq "$(jget "$r" "d['analysis']['leak']")" leak "the pull request still leaks"
expect_eq "$(jget "$r" "d['baseline']['verdict']")" no_regression "leak on both sides"
expect_eq "$(jget "$r" "d['baseline']['baseline_leak']")" leak "baseline_leak"
expect_eq "$(jget "$r" "[c['status'] for c in d['checks'] if c['name']=='growth'][0]")" pass "growth check of a known leak"
jget "$r" "[c['message'] for c in d['checks'] if c['name']=='growth'][0]" | grep -q "known leak" ||
  fail "growth message does not say the leak is known"
no_leftovers

# the same pull request against a clean main fails
run_lg compare "$r" --baseline "$WORK/b8.json" --json "$WORK/cmp.json"
expect_code 1 "80 B/req against main at 8 B/req"
expect_eq "$(jget "$WORK/cmp.json" "d['baseline']['verdict']")" regression "80 vs 8"
finish
