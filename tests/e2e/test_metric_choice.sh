#!/bin/sh
# analysis.metric beyond anon (issue 16 item 3): a run gated on pss reads
# PSS on its bounded cadence often enough to judge (the leaky fixture's
# 64 B/request is found on pss_bytes, not an exit 4 for two PSS rows), and
# heap without Massif is refused by validate with the reason for a native
# service (a managed runtime reports its own heap: tests/e2e/test_runtime_*.sh).
. "$(dirname "$0")/lib.sh"

s=$(scenario leaky metric-pss)
run_lg run "$s" --set analysis.metric=pss --out "$WORK/pss" --quiet
expect_code 1 "a leak judged on pss"
r="$WORK/pss/result.json"
expect_eq "$(jget "$r" "d['analysis']['metric']")" pss_bytes "the metric judged"
expect_eq "$(jget "$r" "d['analysis']['leak']")" leak "analysis.leak on pss"
expect_range "$(jget "$r" "d['analysis']['slope_bytes_per_request']")" 60 100 "pss slope (64 B + malloc's header)"
rows=$(awk -F, 'NR > 1 && $5 != "" { n++ } END { print n + 0 }' "$WORK/pss/samples.csv")
expect_range "$rows" 20 100000 "rows with a PSS value"
no_leftovers

run_lg validate "$s" --set analysis.metric=heap
expect_code 2 "heap without Massif"
grep -q "analysis.metric: heap is a managed runtime.s own heap (go, jvm, node) or the heap Massif measures, and the service is native" "$WORK/stderr" ||
  fail "the refusal does not say why"
# Written in the file: the refusal names its line and column, like the
# parser's own errors.
{ sed '/^analysis:/d' "$s"; printf 'analysis:\n  tolerance: 16B\n  metric: heap\n'; } >"$WORK/heap.yaml"
run_lg validate "$WORK/heap.yaml"
expect_code 2 "heap without Massif, in the file"
line=$(grep -n "^  metric: heap" "$WORK/heap.yaml" | cut -d: -f1)
grep -q "heap.yaml:$line:11: analysis.metric: heap is a managed runtime" "$WORK/stderr" ||
  fail "the refusal does not name file:line:column"
run_lg validate "$s" --set analysis.metric=heap --set valgrind.massif.enabled=true \
  --set valgrind.mode=on-suspicion
expect_code 2 "heap with an on-suspicion Massif"
run_lg validate "$s" --set analysis.metric=heap --set valgrind.massif.enabled=true
expect_code 0 "heap with Massif"
finish
