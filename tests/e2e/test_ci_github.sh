#!/bin/sh
# The GitHub Action: its YAML parsed with a real parser (check_ci_yaml.py:
# inputs used = declared, outputs map to steps that write them, example
# workflows pass only real inputs; the checker itself is shown to catch
# each kind of mistake), then its scripts run for real the way action.yml
# calls them: run.sh on a leaky and a clean scenario, outputs.py reading the
# verdict and worst slope, gate.sh failing the job and run.sh merging.
# fetch-baseline.sh: test_ci_baseline_fetch.sh.
. "$(dirname "$0")/lib.sh"
GH="$SRC/ci/github"

python3 "$SRC/tests/e2e/check_ci_yaml.py" "$SRC" >"$WORK/check.log" 2>&1 ||
  { cat "$WORK/check.log" >&2; fail "check_ci_yaml.py on the source tree"; }

# Every script of the action parses (build.sh is not run here: it compiles
# all of leakgate, minutes on a small machine; the suite's build is the same
# cmake invocation).
for f in "$GH"/*.sh; do
  bash -n "$f" || fail "$f does not parse"
done

# The checker catches each kind of mistake (on a mutated copy).
mutate() { # WHAT SED-EXPR FILE EXPECTED-MESSAGE
  rm -rf "$WORK/m" && mkdir -p "$WORK/m" && cp -r "$SRC/ci" "$WORK/m/ci"
  sed -i "$2" "$WORK/m/ci/$3"
  if python3 "$SRC/tests/e2e/check_ci_yaml.py" "$WORK/m" >"$WORK/m.log" 2>&1; then
    fail "checker missed: $1"
  elif ! grep -q "$4" "$WORK/m.log"; then
    cat "$WORK/m.log" >&2
    fail "checker: $1: no '$4'"
  fi
}
mutate "an undeclared input" 's/inputs\.shard }}/inputs.shards }}/' github/action.yml \
  "inputs.shards is used but not declared"
mutate "an unused input" 's/LG_PROFILE: \${{ inputs.profile }}/LG_PROFILE: ""/' github/action.yml \
  "input profile is declared but never used"
mutate "an output of a missing step" 's/steps\.verdict\.outputs\.verdict/steps.verdikt.outputs.verdict/' \
  github/action.yml "no step has id verdikt"
mutate "an output nobody writes" 's/steps\.run\.outputs\.exit-code }}$/steps.run.outputs.exit-kode }}/' \
  github/action.yml "never writes exit-kode="
mutate "a workflow passing an unknown input" 's/baseline-artifact: leakgate-baseline$/baseline-artefact: x/' \
  github/workflows/pull-request.yml "with.baseline-artefact is not an input"
mutate "the image example passing an unknown input" 's/^          engine: docker$/          engin: docker/' \
  github/workflows/image.yml "with.engin is not an input"
mutate "a GitLab script line that YAML reads as a map" \
  "s/echo \"leakgate exit code \$code\"/echo leakgate: code/" gitlab/leakgate.yml "is not a string"
mutate "a GitLab job without a JUnit report" '/junit: leakgate-out/d' gitlab/leakgate.yml \
  "no artifacts:reports:junit"

# run.sh as the Action's run step, on a leaky and a clean scenario.
mkdir -p "$WORK/ws" && cd "$WORK/ws"
leaky=$(scenario leaky)
clean=$(scenario clean)
export GITHUB_OUTPUT="$WORK/gh_output" GITHUB_STEP_SUMMARY="$WORK/gh_summary" GITHUB_ACTIONS=true
: >"$GITHUB_OUTPUT"
LEAKGATE="$LEAKGATE" LG_COMMAND=run LG_SCENARIOS="$WORK/*.yaml" LG_OUT=out \
  LG_ARGS="--set 'load.phases.1.duration=2s' --quiet" bash "$GH/run.sh" >"$WORK/stdout" 2>"$WORK/stderr" ||
  fail "run.sh failed the step itself"
expect_eq "$(cat "$GITHUB_OUTPUT")" "exit-code=1" "run.sh exit-code output"
grep -q "^::error.*title=leakgate%3A e2e-leaky fail::growth" "$WORK/stdout" || fail "no ::error annotation for the leak"
grep -q "^## leakgate: 2 scenarios" "$GITHUB_STEP_SUMMARY" || fail "no step summary"
[ -f out/e2e-leaky/result.json ] && [ -f out/e2e-clean/result.json ] || fail "per-scenario results"
python3 "$GH/outputs.py" out/results.json 1 >"$WORK/outputs"
get() { sed -n "s/^$1=//p" "$WORK/outputs"; }
expect_eq "$(get verdict)" fail "outputs verdict"
expect_range "$(get worst-slope)" 60 120 "outputs worst-slope (B/request)"
expect_eq "$(get worst-scenario)" e2e-leaky "outputs worst-scenario"
expect_eq "$(get results)" out/results.json "outputs results"
expect_eq "$(get junit)" out/junit.xml "outputs junit"
set +e
LG_CODE=1 bash "$GH/gate.sh" >/dev/null; g1=$?
LG_CODE=3 LG_FAIL_ON_INCONCLUSIVE=false bash "$GH/gate.sh" >/dev/null; g3=$?
LG_CODE=3 LG_FAIL_ON_INCONCLUSIVE=true bash "$GH/gate.sh" >/dev/null; g3t=$?
LG_CODE= bash "$GH/gate.sh" >/dev/null; gnone=$?
LG_CODE=0 bash "$GH/gate.sh" >/dev/null; g0=$?
set -e
expect_eq "$g1 $g3 $g3t $gnone $g0" "1 0 3 4 0" "gate.sh exit codes (fail, inconclusive accepted, inconclusive, none, pass)"

# Without a results file the verdict comes from the exit code.
python3 "$GH/outputs.py" "$WORK/none/results.json" 0 >"$WORK/outputs"
expect_eq "$(get verdict)" pass "outputs without results, exit 0 (an empty shard)"
python3 "$GH/outputs.py" "$WORK/none/results.json" 4 >"$WORK/outputs"
expect_eq "$(get verdict)/$(get worst-slope)" "error/" "outputs without results, exit 4"

# merge mode over the run's result files
: >"$GITHUB_OUTPUT"
LEAKGATE="$LEAKGATE" LG_COMMAND=merge LG_SCENARIOS="out/**/result.json" LG_OUT=merged \
  bash "$GH/run.sh" >/dev/null 2>&1
expect_eq "$(cat "$GITHUB_OUTPUT")" "exit-code=1" "run.sh merge exit-code"
expect_eq "$(jget merged/results.json "len(d['results'])")" 2 "merged results"
# No match, bad command, unbalanced quotes: exit-code 2 with an ::error.
for case in "LG_SCENARIOS=nothing/*.yaml" "LG_COMMAND=bogus" "LG_ARGS=--set 'x"; do
  : >"$GITHUB_OUTPUT"
  env LEAKGATE="$LEAKGATE" LG_SCENARIOS="$leaky" LG_OUT=o2 "$case" bash "$GH/run.sh" >"$WORK/o2.log" 2>&1
  expect_eq "$(cat "$GITHUB_OUTPUT")" "exit-code=2" "run.sh with $case"
  grep -q "^::error" "$WORK/o2.log" || fail "run.sh with $case: no ::error"
done

# The image input: run.sh runs the scenarios inside an image built earlier
# in the job, here by `docker build` of a FROM scratch Dockerfile holding the
# leaky fixture and the libraries ldd names. A bad engine is refused first.
: >"$GITHUB_OUTPUT"
LEAKGATE="$LEAKGATE" LG_SCENARIOS="$leaky" LG_OUT=o3 LG_IMAGE=x LG_ENGINE=lxc \
  bash "$GH/run.sh" >"$WORK/o3.log" 2>&1
expect_eq "$(cat "$GITHUB_OUTPUT")" "exit-code=2" "run.sh with engine lxc"
grep -q "^::error title=leakgate::engine must be docker or podman, got 'lxc'" "$WORK/o3.log" ||
  fail "run.sh with engine lxc: no ::error"
image_skip=
if docker version --format '{{.Server.Version}}' >/dev/null 2>&1; then
  ctx="$WORK/imgctx"
  mkdir -p "$ctx/root/fx"
  cp "$FIXTURES/leaky_http" "$ctx/root/fx/"
  for lib in $(ldd "$FIXTURES/leaky_http" | awk '/=> \// {print $3} /^[ \t]*\// {print $1}'); do
    mkdir -p "$ctx/root$(dirname "$lib")"
    cp -L "$lib" "$ctx/root$lib"
  done
  printf 'FROM scratch\nCOPY root/ /\n' >"$ctx/Dockerfile"
  tag="leakgate-e2e-action-$$:ci"
  # The image goes on every way out, a failed check or set -e included.
  trap 'docker rmi -f "$tag" >/dev/null 2>&1; rm -rf "$WORK"' EXIT
  if docker build -q -t "$tag" "$ctx" >"$WORK/build.log" 2>&1; then
    mkdir -p "$WORK/img"
    sed -e "s|\"@FIXTURES@/leaky_http\"|/fx/leaky_http|" -e "s|@NAME@|gh-image|" \
      -e "s|duration: 6s|duration: 3s|" "$SRC/tests/e2e/scenarios/leaky.yaml.in" >"$WORK/img/gh-image.yaml"
    : >"$GITHUB_OUTPUT"
    LEAKGATE="$LEAKGATE" LG_SCENARIOS="$WORK/img/gh-image.yaml" LG_OUT=o4 LG_IMAGE="$tag" \
      LG_ENGINE=docker bash "$GH/run.sh" >"$WORK/o4.log" 2>&1
    expect_eq "$(cat "$GITHUB_OUTPUT")" "exit-code=1" "run.sh with the image input (a leak)"
    grep -q -- "--set container.image=$tag --set container.backend=docker" "$WORK/o4.log" ||
      fail "run.sh did not pass the image and engine"
    r=o4/result.json
    expect_eq "$(jget "$r" "d['container']['backend']")" docker "image run's backend"
    expect_range "$(jget "$r" "d['analysis']['slope_bytes_per_request']")" 60 120 "image run's slope"
    docker rmi -f "$tag" >/dev/null 2>&1 || true
  else
    cat "$WORK/build.log" >&2
    fail "docker build of the fixture image"
  fi
elif [ "${LG_REQUIRE_ENGINES:-}" = 1 ]; then
  fail "the image input needs a docker daemon (LG_REQUIRE_ENGINES=1)"
else
  image_skip="the image input against a real docker (no daemon answers)"
fi
cd "$SRC"
no_leftovers
if [ "$failures" -eq 0 ] && [ -n "$image_skip" ]; then
  echo "SKIP: $image_skip; every other check passed" >&2
  exit 77
fi
finish
