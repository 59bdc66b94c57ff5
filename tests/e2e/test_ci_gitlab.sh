#!/bin/sh
# The GitLab CI template run the way a runner runs it: the script lines of
# .leakgate joined into one `sh -e` script, as two `parallel: 2` jobs
# (CI_NODE_INDEX 1 and 2: one scenario each), then the .leakgate-merge
# script over their results: one JSON, one JUnit file (the
# artifacts:reports:junit path) with a testsuite per scenario, and the
# combined exit code. before_script (apt-get and the leakgate build) is
# syntax-checked only: it takes minutes; LEAKGATE points at this build.
. "$(dirname "$0")/lib.sh"

# part JOB PART: the lines of .JOB's PART, one per line, as GitLab runs them
part() {
  python3 - "$SRC/ci/gitlab/leakgate.yml" "$1" "$2" <<'PY'
import sys, yaml
doc = yaml.safe_load(open(sys.argv[1]))
job = doc[sys.argv[2]]
lines = job.get(sys.argv[3])
if lines is None:  # inherited through extends
    lines = doc[job["extends"]][sys.argv[3]]
print("\n".join(lines))
PY
}
part .leakgate before_script >"$WORK/before.sh"
sh -n "$WORK/before.sh" || fail "before_script is not valid sh"
grep -q 'install-deps.sh" --build' "$WORK/before.sh" || fail "before_script installs the build dependencies"
part .leakgate script >"$WORK/job.sh"
part .leakgate-merge script >"$WORK/merge.sh"
# The template's variables, as GitLab would set them (defaults from the file).
vars() {
  python3 - "$SRC/ci/gitlab/leakgate.yml" "$1" <<'PY'
import sys, yaml, shlex
doc = yaml.safe_load(open(sys.argv[1]))
v = dict(doc[".leakgate"]["variables"])
v.update(doc[sys.argv[2]].get("variables") or {})
for k, val in v.items():
    print("%s=%s" % (k, shlex.quote(str(val))))
PY
}
vars .leakgate >"$WORK/job.vars"
vars .leakgate-merge >"$WORK/merge.vars"

mkdir -p "$WORK/project" && cd "$WORK/project"
leaky=$(scenario leaky)
clean=$(scenario clean)
job() { # NODE_INDEX NODE_TOTAL
  (
    set -a
    . "$WORK/job.vars"
    LEAKGATE=$LEAKGATE # what before_script exports
    LEAKGATE_SCENARIOS="$leaky $clean"
    LEAKGATE_ARGS="--set load.phases.1.duration=2s --quiet"
    CI_NODE_INDEX=$1
    CI_NODE_TOTAL=$2
    set +a
    sh -e "$WORK/job.sh"
  ) >"$WORK/stdout" 2>"$WORK/stderr"
}
set +e
job 1 2
c1=$?
job 2 2
c2=$?
set -e
# sorted by name: e2e-clean is shard 1, e2e-leaky shard 2
expect_eq "$c1/$c2" "0/1" "parallel job exit codes (clean shard passes, leaky shard fails)"
grep -q "leakgate exit code 1" "$WORK/stdout" || fail "the job says leakgate's exit code"
[ -f leakgate-out/e2e-clean/result.json ] && [ -f leakgate-out/e2e-leaky/result.json ] ||
  fail "each shard's result.json"
[ -f leakgate-out/junit.xml ] || fail "the artifacts:reports:junit file (leakgate-out/junit.xml)"

set +e
(set -a; . "$WORK/merge.vars"; LEAKGATE=$LEAKGATE; set +a; sh -e "$WORK/merge.sh") >"$WORK/stdout" 2>"$WORK/stderr"
code=$?
set -e
expect_eq "$code" 1 "merge job exit code"
expect_eq "$(jget leakgate-merged/results.json "len(d['results'])")" 2 "merged results"
python3 - leakgate-merged/junit.xml <<'PY' || fail "merged JUnit: a testsuite per scenario"
import sys, xml.etree.ElementTree as ET
names = sorted(s.get("name") for s in ET.parse(sys.argv[1]).getroot().iter("testsuite"))
assert names == ["leakgate.e2e-clean", "leakgate.e2e-leaky"], names
PY
# The merge job's report path is the file it wrote.
junit=$(python3 -c 'import sys, yaml; print(yaml.safe_load(open(sys.argv[1]))[".leakgate-merge"]["artifacts"]["reports"]["junit"])' \
  "$SRC/ci/gitlab/leakgate.yml")
[ -f "$junit" ] || fail "merge artifacts:reports:junit ($junit) was not written"

# A clean run with inconclusive accepted: LEAKGATE_FAIL_ON_INCONCLUSIVE only
# turns 3 into 0 (a clean pass stays 0, a leak stays 1).
set +e
(
  set -a
  . "$WORK/job.vars"
  LEAKGATE=$LEAKGATE
  LEAKGATE_SCENARIOS="$clean"
  LEAKGATE_OUT=solo
  LEAKGATE_FAIL_ON_INCONCLUSIVE=false
  LEAKGATE_ARGS="--set load.phases.1.duration=1s --quiet"
  set +a
  sh -e "$WORK/job.sh"
) >"$WORK/stdout" 2>"$WORK/stderr"
code=$?
set -e
expect_eq "$code" 0 "single clean job"
[ -f solo/result.json ] || fail "LEAKGATE_OUT=solo"
cd "$SRC"
no_leftovers
finish
