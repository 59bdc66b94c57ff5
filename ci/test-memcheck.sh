#!/bin/sh
# ci/test-memcheck.sh - leakgate must be leak-free itself (issue 9 item 5):
# run every unit test binary, then a short `leakgate run`, `analyze`,
# `validate`, `report`, `compare` and `merge`, under Valgrind Memcheck, and
# fail on any memory error or any definite/indirect leak of leakgate's own
# process.
#
# Builds into build/ (or $LG_BUILD_DIR) with ci/build.sh unless
# LG_MEMCHECK_NO_BUILD=1. libcheck runs in-process (CK_FORK=no) so the test
# code and the library are checked, not a fork that exits early. Children
# leakgate starts (services, valgrind tiers, wrk) are not traced
# (--trace-children=no): they are the programs under test, not leakgate;
# a child that leakgate forks and that exits without exec (a failed exec
# reports through a pipe and _exits) is silent (--child-silent-after-fork)
# because its heap is the parent's.
#
# Skipped, with the reason printed:
#   analysis_accuracy  the same lg_analyze paths as unit.analysis, run over
#                      8,000 synthetic series: a statistical acceptance test
#                      that would take over half an hour under Memcheck.
#   valgrind_live      runs valgrind itself on fixtures (valgrind in valgrind).
#   load_exec          posix_spawn under Valgrind cannot report a failed exec
#                      (Valgrind runs the vfork-style clone as a fork), and
#                      its phase-timing checks need native speed; the load
#                      engine's other paths run in load_http/_errors/_flow.
# Valgrind 3.19 does not know epoll_pwait2 and pidfd_open and warns
# ("unhandled syscall"); leakgate falls back from both, so those warnings
# are dropped from the report, and only real errors count.
#
# Usage: ci/test-memcheck.sh [TEST_NAME...]   (default: every unit test)
# Output: one line per binary, "memcheck <name>: ok|FAIL (<s> s)", then the
# CLI steps; Valgrind's report for each failure; exit 1 on any failure.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
BUILD_DIR=${LG_BUILD_DIR:-build}
case $BUILD_DIR in /*) ;; *) BUILD_DIR=$root/$BUILD_DIR ;; esac
ERR=97 # --error-exitcode: distinct from every exit code leakgate uses

command -v valgrind >/dev/null 2>&1 || {
  echo "test-memcheck: valgrind not found (ci/install-deps.sh installs it)" >&2
  exit 2
}
t_start=$(date +%s)
[ "${LG_MEMCHECK_NO_BUILD:-0}" = 1 ] || LG_BUILD_DIR=$BUILD_DIR ci/build.sh
if grep -q "LG_SANITIZE:BOOL=ON" "$BUILD_DIR/CMakeCache.txt" 2>/dev/null; then
  echo "test-memcheck: $BUILD_DIR is a sanitizer build; Memcheck needs a plain one" >&2
  exit 2
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/lg-memcheck.XXXXXX")
trap 'rm -rf "$work"' EXIT
failures=0

vg() {
  valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect \
    --show-leak-kinds=definite,indirect --error-exitcode=$ERR \
    --child-silent-after-fork=yes --trace-children=no --num-callers=30 \
    --track-origins=yes "$@"
}

# check NAME EXPECTED_CODES LOG CMD...: run CMD under Memcheck; a Valgrind
# error or an exit code not in EXPECTED_CODES (space separated) fails.
check() {
  name=$1 want=$2 log=$3
  shift 3
  t0=$(date +%s)
  set +e
  vg --log-file="$log.vg" "$@" >"$log" 2>&1
  code=$?
  set -e
  el=$(($(date +%s) - t0))
  ok=0
  for w in $want; do [ "$code" = "$w" ] && ok=1; done
  grep -v -e "WARNING: unhandled .* syscall" -e "You may be able to write" \
    -e "README_MISSING_SYSCALL_OR_IOCTL" -e "Nevertheless we consider" \
    -e "valgrind.org/support/bug_reports" "$log.vg" >"$log.vgf" || true
  mv "$log.vgf" "$log.vg"
  if [ "$ok" = 1 ] && [ ! -s "$log.vg" ]; then
    echo "memcheck $name: ok (${el} s)"
  else
    failures=$((failures + 1))
    echo "memcheck $name: FAIL (exit $code, expected $want; ${el} s)"
    if [ -s "$log.vg" ]; then
      echo "--- valgrind report"
      head -200 "$log.vg"
    fi
    echo "--- output (last 40 lines)"
    tail -40 "$log"
  fi
}

# Unit tests: the same environment ctest gives them.
export LG_SOURCE_DIR="$root" LG_BINARY_DIR="$BUILD_DIR" CK_FORK=no
export CK_DEFAULT_TIMEOUT=600 CK_TIMEOUT_MULTIPLIER=10
export LG_UNDER_VALGRIND=1 # tests whose forked children carry the tool
if [ $# -gt 0 ]; then
  tests=$*
else
  tests=$(cd "$BUILD_DIR/tests/unit" && ls test_* | sed 's/^test_//')
fi
for name in $tests; do
  case $name in
  analysis_accuracy)
    echo "memcheck $name: skipped (statistical: the lg_analyze paths of unit.analysis over 8,000 series)"
    continue ;;
  valgrind_live)
    echo "memcheck $name: skipped (runs valgrind on fixtures itself)"
    continue ;;
  load_exec)
    echo "memcheck $name: skipped (posix_spawn cannot report a failed exec under Valgrind; timing checks)"
    continue ;;
  esac
  bin=$BUILD_DIR/tests/unit/test_$name
  [ -x "$bin" ] || { echo "memcheck $name: no $bin" >&2; failures=$((failures + 1)); continue; }
  cd "$BUILD_DIR/tests"
  check "$name" 0 "$work/$name.log" "$bin"
  cd "$root"
  [ -s "$work/$name.log.vg" ] || grep -q "^100%:" "$work/$name.log" ||
    { failures=$((failures + 1)); echo "memcheck $name: no passing summary"; tail -20 "$work/$name.log"; }
done
t_unit=$(date +%s)

# The command itself: a short clean run, then the other subcommands on its
# outputs. Exit codes are the contract's (0 pass, 3 inconclusive: a 3 s run
# under Memcheck may not decide).
LG=$BUILD_DIR/leakgate
fx=$BUILD_DIR/tests/fixtures
cat >"$work/clean.yaml" <<EOF
version: 1
name: memcheck-clean
service:
  command: ["$fx/clean_http", --port, "{{port}}"]
container: {memory: 256MiB}
load:
  driver: http
  connections: 4
  url: "http://127.0.0.1:{{port}}/items/{{seq}}"
  phases:
    - {name: warmup, duration: 1s, rate: 200}
    - {name: steady, duration: 3s}
sampling: {interval: 50ms}
EOF
out=$work/out
check "leakgate run" "0 1 3" "$work/run.log" "$LG" run "$work/clean.yaml" --out "$out" \
  --junit "$work/junit.xml" --html "$work/report.html" --markdown "$work/report.md" \
  --sarif "$work/report.sarif"
[ -f "$out/result.json" ] || { failures=$((failures + 1)); echo "memcheck: the run wrote no result.json"; }
check "leakgate analyze" "0 1 3" "$work/analyze.log" "$LG" analyze "$out/samples.csv" --json "$work/analyze.json"
check "leakgate analyze (bad csv)" 2 "$work/analyze-bad.log" "$LG" analyze "$root/tests/fuzz/csv/corpus/garbage-cell.csv"
check "leakgate validate" 0 "$work/validate.log" "$LG" validate "$work/clean.yaml" "$root/scenarios/http.yaml"
check "leakgate validate (bad)" 2 "$work/validate-bad.log" "$LG" validate "$root/tests/data/bad/duplicate-key/scenario.yaml"
check "leakgate report" "0 1 3" "$work/report.log" "$LG" report "$out/result.json" \
  --json "$work/r.json" --junit "$work/r.xml" --html "$work/r.html" --markdown "$work/r.md" \
  --sarif "$work/r.sarif" --annotations
check "leakgate merge" "0 1 3" "$work/merge.log" "$LG" merge "$out/result.json" "$work/analyze.json" --json "$work/m.json"
check "leakgate baseline update" 0 "$work/bl.log" "$LG" baseline update "$out/result.json" --into "$work/baseline.json"
check "leakgate compare" "0 1 3" "$work/compare.log" "$LG" compare "$out/result.json" --baseline "$work/baseline.json"
t_end=$(date +%s)

echo "test-memcheck: unit tests $((t_unit - t_start)) s (with the build), command $((t_end - t_unit)) s"
if [ "$failures" -ne 0 ]; then
  echo "test-memcheck: $failures failure(s)" >&2
  exit 1
fi
echo "test-memcheck: no leak and no memory error in leakgate"
