#!/bin/sh
# ci/github/fetch-baseline.sh against canned GitHub API answers
# (tests/data/github, served by a fake `gh`; issue 13 item 9): only an
# artifact uploaded by a push to the baseline branch of this repository is
# used. A fork's branch named main, a pull_request(_target) run, a run whose
# head repository is a fork, another branch and an expired artifact are all
# passed over; with none left there is a warning and no path.
. "$(dirname "$0")/lib.sh"
GH="$SRC/ci/github"
DATA="$SRC/tests/data/github"
command -v jq >/dev/null || { echo "FAIL: jq is not installed (ci/install-deps.sh)"; exit 1; }

mkdir -p "$WORK/bin" "$WORK/art" "$WORK/data"
cat >"$WORK/bin/gh" <<'SH'
#!/bin/sh
# fake gh: `gh api [-X M] PATH [-f K=V]... [--jq EXPR]` from canned files
printf '%s\n' "$*" >>"$FAKE_GH_LOG"
shift
path= expr=
while [ $# -gt 0 ]; do
  case $1 in
  -X | -f) shift 2 ;;
  --jq) expr=$2; shift 2 ;;
  *) path=$1; shift ;;
  esac
done
case $path in
repos/acme/api/actions/artifacts/*/zip) cat "$FAKE_GH_ZIP"; exit 0 ;;
repos/acme/api/actions/artifacts) file=$FAKE_GH_DATA/artifacts.json ;;
repos/acme/api/actions/runs/*) file=$FAKE_GH_DATA/run-${path##*/}.json ;;
*) file=/nonexistent ;;
esac
[ -f "$file" ] || { echo "gh: Not Found (HTTP 404)" >&2; exit 1; }
if [ -n "$expr" ]; then jq -r "$expr" "$file"; else cat "$file"; fi
SH
chmod +x "$WORK/bin/gh"
echo '{"fake": "baseline"}' >"$WORK/art/baseline.json"
python3 -c 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1], "w"); z.write(sys.argv[2], "baseline.json"); z.close()' \
  "$WORK/a.zip" "$WORK/art/baseline.json"
export GITHUB_OUTPUT="$WORK/gh_output"
# fetch DATA_DIR [VAR=VALUE...]: run the script the way action.yml does.
fetch() {
  d=$1
  shift
  : >"$GITHUB_OUTPUT"
  : >"$WORK/gh.log"
  set +e
  env PATH="$WORK/bin:$PATH" FAKE_GH_LOG="$WORK/gh.log" FAKE_GH_ZIP="$WORK/a.zip" \
    FAKE_GH_DATA="$d" GITHUB_REPOSITORY=acme/api RUNNER_TEMP="$WORK/rt" \
    LG_ARTIFACT=leakgate-baseline LG_BRANCH=main LG_FILE=baseline.json "$@" \
    bash "$GH/fetch-baseline.sh" >"$WORK/stdout" 2>"$WORK/stderr"
  code=$?
  set -e
}

# 1. Newest first are a fork's, a pull_request_target's and a forked head's
# artifacts: the push to main of acme/api (id 94) is the one used.
fetch "$DATA"
expect_code 0 "fetch-baseline.sh"
expect_eq "$(cat "$GITHUB_OUTPUT")" "path=$WORK/rt/leakgate-baseline/baseline.json" "fetched path"
cmp -s "$WORK/rt/leakgate-baseline/baseline.json" "$WORK/art/baseline.json" || fail "fetched content"
grep -q 'repos/acme/api/actions/artifacts -f name=leakgate-baseline' "$WORK/gh.log" || fail "gh artifact query"
grep -q 'repos/acme/api/actions/artifacts/94/zip' "$WORK/gh.log" || fail "the push to main's artifact (94) was not the one downloaded"
for planted in 91 92 93 95 96; do
  ! grep -q "artifacts/$planted/zip" "$WORK/gh.log" || fail "artifact $planted (not a push to main of acme/api) was downloaded"
done
grep -q "artifact 92 not used .*'pull_request_target' event" "$WORK/stdout" || fail "no word on passing over the pull_request_target artifact"
grep -q "artifact 93 not used .* of mallory/api" "$WORK/stdout" || fail "no word on passing over the forked head's artifact"

# 2. Only planted ones: no path, a warning, exit 0 (baseline.missing applies).
jq '.artifacts |= map(select(.id != 94))' "$DATA/artifacts.json" >"$WORK/data/artifacts.json"
cp "$DATA"/run-*.json "$WORK/data/"
fetch "$WORK/data"
expect_code 0 "fetch-baseline.sh with only planted artifacts"
expect_eq "$(cat "$GITHUB_OUTPUT")" "" "no path from planted artifacts"
grep -q "::warning.*no artifact 'leakgate-baseline' uploaded by a push to main of acme/api (2 from other runs ignored)" "$WORK/stdout" ||
  fail "no warning naming the ignored artifacts"
! grep -q "/zip" "$WORK/gh.log" || fail "a planted artifact was downloaded"

# 3. None at all (a new repository): a warning, no path.
echo '{"total_count": 0, "artifacts": []}' >"$WORK/data/artifacts.json"
fetch "$WORK/data"
expect_code 0 "fetch-baseline.sh without artifacts"
expect_eq "$(cat "$GITHUB_OUTPUT")" "" "no artifact: no path"
grep -q "::warning.*no artifact 'leakgate-baseline' from branch main" "$WORK/stdout" || fail "no-artifact warning"

# 4. Names that could inject into the query are refused.
fetch "$DATA" 'LG_BRANCH=main"; x'
expect_code 2 "a branch name with quotes"
fetch "$DATA" 'GITHUB_REPOSITORY=acme/api/../x'
expect_code 2 "a repository that is not owner/name"
finish
