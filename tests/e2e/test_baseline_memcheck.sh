#!/bin/sh
# Memcheck against the baseline: a leak fingerprint main does not have fails
# the pull request; once main has it (the baseline updated from a run with
# it), the same leak is known and passes; a known leak that grew fails.
# The leaks are small (24 B every 50th request: 0.5 B/request, far under the
# growth tolerance) so only Memcheck sees them.
. "$(dirname "$0")/lib.sh"

require_tool valgrind
sc=$(scenario baseline-memcheck)
B="$WORK/baseline.json"
leaky_cmd="service.command=[$FIXTURES/leaky_http, --port, '{{port}}']"
small='service.env={LEAK_BYTES: "24", LEAK_EVERY: "50"}'

run_lg run "$sc" --out "$WORK/main"
expect_code 0 "main (clean fixture) under Memcheck"
expect_eq "$(jget "$WORK/main/result.json" "d['memcheck']['ran']")" true "main memcheck.ran"
run_lg baseline update "$WORK/main/result.json" --into "$B"
expect_code 0 "baseline update"

# a new leak
run_lg run "$sc" --out "$WORK/new" --baseline "$B" --set "$leaky_cmd" --set "$small"
expect_code 1 "a new Memcheck leak"
r="$WORK/new/result.json"
expect_eq "$(jget "$r" "d['analysis']['leak']")" no_leak "growth does not see 0.5 B/req"
expect_eq "$(jget "$r" "len(d['baseline']['new_leaks'])")" 1 "one new leak"
fp=$(jget "$r" "d['memcheck']['leaks'][0]['fingerprint']")
expect_eq "$(jget "$r" "d['baseline']['new_leaks'][0]")" "$fp" "the new leak's fingerprint"
expect_eq "$(jget "$r" "[c['status'] for c in d['checks'] if c['name']=='baseline'][0]")" fail "baseline check"
no_leftovers

# main now has that leak: the same pull request passes, the leak is known
run_lg baseline update "$WORK/new/result.json" --into "$B"
expect_code 0 "baseline update with the leak"
run_lg run "$sc" --out "$WORK/known" --baseline "$B" --set "$leaky_cmd" --set "$small"
expect_code 0 "a known Memcheck leak"
r="$WORK/known/result.json"
expect_eq "$(jget "$r" "d['baseline']['known_leaks']")" "['$fp']" "known_leaks"
expect_eq "$(jget "$r" "d['baseline']['new_leaks']")" "[]" "no new leaks"
expect_eq "$(jget "$r" "[c['status'] for c in d['checks'] if c['name']=='memcheck'][0]")" pass "memcheck check with only known leaks"
no_leftovers

# the same site leaking eight times as much is a grown known leak
run_lg run "$sc" --out "$WORK/grown" --baseline "$B" --set "$leaky_cmd" \
  --set 'service.env={LEAK_BYTES: "24", LEAK_EVERY: "6"}'
expect_code 1 "a known leak that grew"
r="$WORK/grown/result.json"
expect_eq "$(jget "$r" "d['baseline']['grown_leaks']")" "['$fp']" "grown_leaks"
no_leftovers

# compare on the saved result gives the same
run_lg compare "$WORK/known/result.json" --baseline "$B"
expect_code 0 "compare known"
finish
