#!/bin/sh
# Scale-out: `run --shard I/N` deals the scenarios sorted by name
# round-robin, whatever order the files come in, so N matrix jobs each run a
# deterministic, disjoint share whose union is all of them; `merge` combines
# their result.json files into one JSON {"results": [...]} and one JUnit
# with a testsuite per scenario, exiting with the combined verdict.
. "$(dirname "$0")/lib.sh"

a=$(scenario shard sh-a NAME=sh-a FIXTURE=clean_http DURATION=2s)
b=$(scenario shard sh-b NAME=sh-b FIXTURE=leaky_http DURATION=2s)
c=$(scenario shard sh-c NAME=sh-c FIXTURE=clean_http DURATION=2s)
d=$(scenario shard sh-d NAME=sh-d FIXTURE=clean_http DURATION=2s)
e=$(scenario shard sh-e NAME=sh-e FIXTURE=clean_http DURATION=2s)

# (2 s phases: at 50 ms sampling a 1 s run is ~20 samples, the analysis
# minimum, and a loaded machine coalesces late ticks below it: exit 4.)

# names of the scenarios a shard's out dir holds, sorted, space-separated
ran() { (cd "$1" && ls -d sh-* 2>/dev/null | sort | tr '\n' ' '); }

# Files in a scrambled order; sorted names a b c d e dealt over 3 shards.
for i in 1 2 3; do
  run_lg run "$e" "$c" "$a" "$d" "$b" --shard "$i/3" --out "$WORK/s$i" --quiet
  case $i in
  2) expect_code 1 "shard 2 holds the leaky sh-b" ;;
  *) expect_code 0 "shard $i (clean scenarios)" ;;
  esac
done
expect_eq "$(ran "$WORK/s1")" "sh-a sh-d " "shard 1/3"
expect_eq "$(ran "$WORK/s2")" "sh-b sh-e " "shard 2/3"
expect_eq "$(ran "$WORK/s3")" "sh-c " "shard 3/3"
# Another order of the same files: the same share.
run_lg run "$b" "$d" "$a" "$c" "$e" --shard 1/3 --out "$WORK/s1again" --quiet
expect_code 0 "shard 1/3 again"
expect_eq "$(ran "$WORK/s1again")" "sh-a sh-d " "shard 1/3 with the files in another order"

# Bad shards are usage errors; an empty shard passes with a warning.
for bad in 0/3 4/3 3 1/0 x/y 1/3x; do
  run_lg run "$a" --shard "$bad"
  expect_code 2 "--shard $bad"
done
run_lg run "$a" "$c" --shard 3/3 --out "$WORK/empty"
expect_code 0 "a shard with no scenarios"
grep -q "shard 3/3 has no scenarios (of 2)" "$WORK/stderr" || fail "empty shard warning"

# merge: one JSON and one JUnit over all shards, the combined verdict.
run_lg merge "$WORK"/s1/*/result.json "$WORK"/s2/*/result.json "$WORK"/s3/*/result.json \
  --json "$WORK/merged.json" --junit "$WORK/merged.xml" --quiet
expect_code 1 "merge with a leak among the shards"
m="$WORK/merged.json"
expect_eq "$(jget "$m" "len(d['results'])")" 5 "merged results"
expect_eq "$(jget "$m" "' '.join(sorted(r['scenario']['name'] for r in d['results']))")" \
  "sh-a sh-b sh-c sh-d sh-e" "merged scenario names"
expect_eq "$(jget "$m" "d['verdict']")" fail "merged verdict"
expect_eq "$(jget "$m" "d['exit_code']")" 1 "merged exit_code"
python3 - "$WORK/merged.xml" <<'PY' || fail "merged JUnit: a testsuite per scenario"
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
suites = sorted(s.get("name") for s in root.iter("testsuite"))
assert suites == ["leakgate.sh-%s" % c for c in "abcde"], suites
bad = [s.get("name") for s in root.iter("testsuite") if int(s.get("failures", 0)) > 0]
assert bad == ["leakgate.sh-b"], bad
PY
set +e
python3 "$SRC/tests/unit/validate_json_schema.py" "$SRC/docs/result-schema.json" "$m" \
  >"$WORK/schema.log" 2>&1
v=$?
set -e
case $v in
0) ;;
2) skip_part "the merged JSON's schema check: python3-jsonschema is not installed" ;;
*) cat "$WORK/schema.log" >&2; fail "merged JSON does not validate against the schema" ;;
esac
# The combined document reads back: report re-renders every result in it,
# and merging it again (with a shard's own result) keeps all of them.
run_lg report "$m" --junit "$WORK/again.xml" --quiet
expect_code 1 "report over the merged document"
expect_eq "$(grep -c '<testsuite ' "$WORK/again.xml")" 5 "testsuites re-rendered from merged.json"
run_lg merge "$m" "$WORK"/s1/*/result.json --json "$WORK/twice.json" --quiet
expect_code 1 "merge of a merged document"
expect_eq "$(jget "$WORK/twice.json" "len(d['results'])")" $((5 + $(ls "$WORK"/s1/*/result.json | wc -l))) \
  "results after merging merged.json again"
echo '{"schema_version": 1, "results": [7]}' >"$WORK/badmerged.json"
run_lg report "$WORK/badmerged.json" --quiet
expect_code 2 "report of a combined document with a bad element"
grep -q "badmerged.json: results\[0\]: not a leakgate result" "$WORK/stderr" ||
  fail "a bad element is named by its index: $(cat "$WORK/stderr")"
# Only the clean ones: pass.
run_lg merge "$WORK"/s1/*/result.json "$WORK"/s3/*/result.json --json "$WORK/clean.json" --quiet
expect_code 0 "merge of clean results"
expect_eq "$(jget "$WORK/clean.json" "d['verdict']")" pass "merged clean verdict"
# An unreadable input is an input error.
echo '{"schema_version": 1' >"$WORK/broken.json"
run_lg merge "$WORK/broken.json" "$WORK"/s3/*/result.json --json "$WORK/x.json"
expect_code 2 "merge of a broken file"
no_leftovers
finish
