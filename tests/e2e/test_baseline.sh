#!/bin/sh
# The regression gate end to end: main's baseline comes from the clean
# fixture; a pull request that leaks 64 B/request is a regression (exit 1), a
# clean one is not (exit 0); `compare` judges saved results the same way; a
# missing baseline passes with a warning unless --missing fail; a baseline
# without the scenario says so; a malformed baseline is an input error
# naming the file and key; a broken main run cannot become the baseline.
. "$(dirname "$0")/lib.sh"

sc=$(scenario baseline-svc)
B="$WORK/ci/baseline.json" # update creates the directory
leaky_cmd="service.command=[$FIXTURES/leaky_http, --port, '{{port}}']"

# main: the clean fixture becomes the baseline
run_lg run "$sc" --out "$WORK/main"
expect_code 0 "main run (clean fixture)"
run_lg baseline update "$WORK/main/result.json" --into "$B"
expect_code 0 "baseline update"
expect_eq "$(jget "$B" "d['baseline_version']")" 1 "baseline_version"
expect_eq "$(jget "$B" "len(d['scenarios']['e2e-baseline']['history'])")" 1 "history length"
expect_eq "$(jget "$B" "d['scenarios']['e2e-baseline']['latest']['analysis']['metric']")" anon_bytes "baseline metric"
expect_range "$(jget "$B" "d['scenarios']['e2e-baseline']['latest']['environment']['cpus']")" 1 4096 "baseline cpus"

# a pull request leaking 64 B/request (80 with malloc's chunk header)
run_lg run "$sc" --out "$WORK/leaky" --baseline "$B" --set "$leaky_cmd" \
  --set 'service.env.LEAK_BYTES="64"'
expect_code 1 "leaky pull request"
r="$WORK/leaky/result.json"
expect_eq "$(jget "$r" "d['baseline']['verdict']")" regression "leaky baseline.verdict"
expect_range "$(jget "$r" "d['baseline']['slope_delta_bytes_per_request']")" 60 120 "leaky slope delta"
expect_range "$(jget "$r" "d['baseline']['delta_ci'][0]")" 16 120 "leaky delta lower bound above the tolerance"
expect_eq "$(jget "$r" "[c['status'] for c in d['checks'] if c['name']=='baseline'][0]")" fail "leaky baseline check"
expect_eq "$(jget "$r" "d['baseline']['file']")" "$B" "baseline.file"
no_leftovers

# a clean pull request
run_lg run "$sc" --out "$WORK/clean" --baseline "$B"
expect_code 0 "clean pull request"
r="$WORK/clean/result.json"
expect_eq "$(jget "$r" "d['baseline']['verdict']")" no_regression "clean baseline.verdict"
expect_range "$(jget "$r" "d['baseline']['delta_ci'][1]")" -16 15.999 "clean delta upper bound below the tolerance"
no_leftovers

# compare on the saved results gives the same verdicts
run_lg compare "$WORK/leaky/result.json" --baseline "$B" --json "$WORK/cmp-leaky.json"
expect_code 1 "compare leaky"
expect_eq "$(jget "$WORK/cmp-leaky.json" "d['baseline']['verdict']")" regression "compare leaky verdict"
run_lg compare "$WORK/clean/result.json" --baseline "$B" --json "$WORK/cmp-clean.json"
expect_code 0 "compare clean"
expect_eq "$(jget "$WORK/cmp-clean.json" "d['baseline']['verdict']")" no_regression "compare clean verdict"
# a tolerance of 1000 B/req allows the slope increase (the growth check
# still fails the leaky run on its own)
run_lg compare "$WORK/leaky/result.json" --baseline "$B" --tolerance 1000B --json "$WORK/cmp-tol.json"
expect_code 1 "compare leaky, tolerance 1000B"
expect_eq "$(jget "$WORK/cmp-tol.json" "d['baseline']['verdict']")" no_regression "tolerance 1000B verdict"
expect_eq "$(jget "$WORK/cmp-tol.json" "d['baseline']['tolerance_bytes_per_request']")" 1000 "tolerance recorded"

# missing baseline: pass with a warning, or fail with --missing fail
run_lg compare "$WORK/clean/result.json" --baseline "$WORK/nope.json" --json "$WORK/cmp-missing.json"
expect_code 0 "missing baseline (default pass)"
grep -q "no baseline file" "$WORK/stderr" || fail "no warning for a missing baseline"
expect_eq "$(jget "$WORK/cmp-missing.json" "d['baseline']['verdict']")" none "missing verdict"
expect_eq "$(jget "$WORK/cmp-missing.json" "d['baseline']['missing']")" true "missing flag"
run_lg compare "$WORK/clean/result.json" --baseline "$WORK/nope.json" --missing fail
expect_code 1 "missing baseline with --missing fail"

# a baseline without this scenario
python3 - "$WORK/main/result.json" "$WORK/other-result.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
d["scenario"]["name"] = "some-other-service"
json.dump(d, open(sys.argv[2], "w"))
EOF
run_lg baseline update "$WORK/other-result.json" --into "$WORK/other.json"
expect_code 0 "baseline of another scenario"
run_lg compare "$WORK/clean/result.json" --baseline "$WORK/other.json"
expect_code 0 "baseline without the scenario (default pass)"
grep -q "no entry for scenario 'e2e-baseline'" "$WORK/stderr" || fail "no note for a missing entry"
run_lg compare "$WORK/clean/result.json" --baseline "$WORK/other.json" --missing fail
expect_code 1 "baseline without the scenario, --missing fail"

# a malformed baseline is an input error naming the file and the key
cat >"$WORK/bad.json" <<'EOF'
{"baseline_version": 1, "scenarios": {"e2e-baseline": {"latest": {"analysis":
 {"metric": "anon_bytes", "x": "requests", "slope_bytes_per_request": "fast",
  "slope_ci": [0, 1]}}}}}
EOF
run_lg compare "$WORK/clean/result.json" --baseline "$WORK/bad.json"
expect_code 2 "malformed baseline"
grep -q "bad.json: scenarios.e2e-baseline.latest.analysis.slope_bytes_per_request: expected a number" "$WORK/stderr" ||
  fail "malformed baseline message"
run_lg run "$sc" --out "$WORK/bad-run" --baseline "$WORK/bad.json" --set 'load.phases=[{name: steady, duration: 2s, rate: 500}]'
expect_code 4 "run with a malformed baseline (an error, never a silent pass)"
expect_eq "$(jget "$WORK/bad-run/result.json" "[c['status'] for c in d['checks'] if c['name']=='baseline'][0]")" error "run with a malformed baseline"

# a broken main run cannot become the baseline; the file is untouched
python3 - "$WORK/main/result.json" "$WORK/broken.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
d["verdict"] = "error"; d["exit_code"] = 4
d["error"] = {"code": "ESTART", "message": "service failed to start"}
json.dump(d, open(sys.argv[2], "w"))
EOF
cp "$B" "$WORK/before.json"
run_lg baseline update "$WORK/broken.json" --into "$B"
expect_code 2 "baseline update with a broken run"
grep -q "verdict is error" "$WORK/stderr" || fail "refusal message"
cmp -s "$B" "$WORK/before.json" || fail "a refused update changed the baseline"

# main runs accumulate as history
run_lg baseline update "$WORK/clean/result.json" "$WORK/main/result.json" --into "$B" --keep 2
expect_code 0 "baseline update with two runs"
expect_eq "$(jget "$B" "len(d['scenarios']['e2e-baseline']['history'])")" 2 "history kept at --keep 2"
no_leftovers
finish
