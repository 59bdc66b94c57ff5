# tests/e2e/lib.sh - helpers for end-to-end tests: run the real leakgate
# binary on scenarios made from templates, then assert on exit codes,
# result.json fields and leftovers (processes, cgroups).
# Environment (set by ctest): LG_SOURCE_DIR, LG_BINARY_DIR.
set -eu
SRC=${LG_SOURCE_DIR:?}
BIN=${LG_BINARY_DIR:?}
LEAKGATE="$BIN/leakgate"
FIXTURES="$BIN/tests/fixtures"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/lg-e2e.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
failures=0

# scenario TEMPLATE [OUT [VAR=VALUE...]]: instantiate
# tests/e2e/scenarios/TEMPLATE.yaml.in into $WORK/OUT.yaml, replacing
# @FIXTURES@, @SRC@ and each @VAR@; @NAME@ defaults to OUT, so templates
# shared by several scripts can give each use its own scenario name (tests
# may run side by side).
scenario() {
  tpl=$1 out=${2:-$1}
  [ $# -ge 2 ] && shift 2 || shift 1
  set -- -e "s|@FIXTURES@|$FIXTURES|g" -e "s|@SRC@|$SRC|g" $(for kv in "$@"; do
    printf -- '-e s|@%s@|%s|g ' "${kv%%=*}" "${kv#*=}"; done) -e "s|@NAME@|$out|g"
  sed "$@" "$SRC/tests/e2e/scenarios/$tpl.yaml.in" >"$WORK/$out.yaml"
  echo "$WORK/$out.yaml"
}

# elapsed_since T0: whole seconds since T0 (from `date +%s`).
elapsed_since() { echo $(($(date +%s) - $1)); }

# wait_rows CSV N MAX_S: poll until CSV holds at least N data rows (after
# its header), at most MAX_S seconds; false when it never does. Tests wait
# for what they need (samples on disk) instead of sleeping a guess.
wait_rows() {
  _deadline=$(($(date +%s) + $3))
  while [ "$(date +%s)" -le "$_deadline" ]; do
    if [ -f "$1" ] && [ $(($(wc -l <"$1") - 1)) -ge "$2" ]; then
      return 0
    fi
    sleep 0.1
  done
  return 1
}

# run_lg ARGS...: run leakgate, capture stdout/stderr, set $code.
run_lg() {
  set +e
  "$LEAKGATE" "$@" >"$WORK/stdout" 2>"$WORK/stderr"
  code=$?
  set -e
}

# jget FILE EXPR: a value from a JSON file (python3 expression on `d`).
jget() {
  python3 -c "import json,sys; d=json.load(open(sys.argv[1])); v=$2; print('null' if v is None else (str(v).lower() if isinstance(v,bool) else v))" "$1"
}

fail() {
  echo "FAIL: $*" >&2
  echo "--- stdout" >&2; cat "$WORK/stdout" >&2 2>/dev/null || true
  echo "--- stderr" >&2; tail -40 "$WORK/stderr" >&2 2>/dev/null || true
  failures=$((failures + 1))
}

expect_code() { [ "$code" -eq "$1" ] || fail "exit code $code, expected $1 ($2)"; }

# expect_eq ACTUAL EXPECTED WHAT
expect_eq() { [ "$1" = "$2" ] || fail "$3: got '$1', expected '$2'"; }

# expect_range VALUE LO HI WHAT (floating point)
expect_range() {
  python3 -c "import sys; v=float(sys.argv[1]); sys.exit(0 if float(sys.argv[2]) <= v <= float(sys.argv[3]) else 1)" "$1" "$2" "$3" ||
    fail "$4: $1 not in [$2, $3]"
}

# Where leakgate puts its leaves: below the cgroup it runs in (ours: it
# inherits it), or beside it in the parent (cgroup v2 sibling placement).
# One "DIR DEPTH" line per place, for every hierarchy this shell is in.
leaf_places() {
  # mount points from mountinfo: fstype is the third field from the end
  v2=$(awk '$(NF-2) == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
  v1=$(awk '$(NF-2) == "cgroup" && $NF ~ /(^|,)memory(,|$)/ { print $5; exit }' /proc/self/mountinfo)
  while IFS=: read -r _ ctrl path; do
    case $ctrl in
    "") [ -n "$v2" ] || continue; dir=$v2$path ;;
    *memory*) [ -n "$v1" ] || continue; dir=$v1$path ;;
    *) continue ;;
    esac
    [ -d "$dir" ] || continue
    echo "$dir 2"
    echo "$(dirname "$dir") 1"
  done </proc/self/cgroup
}

# work_pids: one line per process whose cwd is $WORK or below it (this
# script's services: a scenario's default cwd is the scenario file's
# directory).
work_pids() {
  for p in /proc/[0-9]*; do
    case "$(readlink "$p/cwd" 2>/dev/null)" in
    "$WORK" | "$WORK"/*) echo "${p#/proc/}" ;;
    esac
  done
}

# no_leftovers: no cgroup and no process of this script's runs survives.
# Only this script's own runs are checked (tests may run side by side, and
# other jobs on the machine may run the same scenarios in their own
# cgroups): cgroups named after its scenarios where leakgate makes them,
# processes whose cwd is its $WORK (a scenario's default cwd is the
# scenario file's directory).
no_leftovers() {
  for name in $(sed -n 's/^name: *//p' "$WORK"/*.yaml 2>/dev/null | sort -u); do
    left=$(leaf_places | while read -r dir depth; do
      find "$dir" -maxdepth "$depth" -type d -name "leakgate-*-$name" 2>/dev/null
    done | head -3)
    [ -z "$left" ] || fail "cgroups left behind: $left"
  done
  for lp in $(work_pids); do
    fail "process left behind: $(tr '\0' ' ' <"/proc/$lp/cmdline" 2>/dev/null) (pid $lp)"
  done
}

# required_here [VAR]: true where the environment demands every test: LG_CI=1,
# or VAR=1 (LG_REQUIRE_CGROUP, LG_REQUIRE_ENGINES, ...), as .ci/run sets
# them. There a test that cannot run must fail: ctest reports exit 77 as
# skipped and exits 0, so CI would pass by skipping.
required_here() {
  [ "${LG_CI:-}" = 1 ] && return 0
  [ -n "${1:-}" ] || return 1
  eval "_req=\${$1:-}"
  [ "$_req" = 1 ]
}

# skip_test WHY [VAR]: the whole test cannot run here. Where required_here
# a failure; elsewhere a visible skip (exit 77, ctest's SKIP_RETURN_CODE).
skip_test() {
  if required_here "${2:-}"; then
    fail "$1 (required here: LG_CI=1${2:+ or $2=1})"
    finish
  fi
  echo "SKIP: $1"
  exit 77
}

# skip_part WHY [VAR]: one part of the test cannot run here. Where
# required_here a failure; elsewhere the rest runs and finish exits 77
# (skipped) even when every check that ran passed: a test that ran only in
# part never reports as a pass.
skipped_parts=""
skip_part() {
  if required_here "${2:-}"; then
    fail "$1 (required here: LG_CI=1${2:+ or $2=1})"
    return 0
  fi
  echo "SKIP part: $1" >&2
  skipped_parts="$skipped_parts${skipped_parts:+; }$1"
}

# require_tool TOOL: the test cannot run without TOOL (ci/install-deps.sh
# installs every tool the tests use).
require_tool() {
  command -v "$1" >/dev/null && return 0
  skip_test "$1 is not installed (ci/install-deps.sh installs it)"
}

finish() {
  if [ "$failures" -ne 0 ]; then
    echo "$failures check(s) failed" >&2
    exit 1
  fi
  if [ -n "$skipped_parts" ]; then
    echo "SKIP: every check that ran passed, but these parts did not run: $skipped_parts"
    exit 77
  fi
  echo "all checks passed"
}
