#!/bin/sh
# ci/lint.sh - static analysis (issue 9 item 5): clang-tidy with the
# repository's .clang-tidy over every library and command source
# (harness/, reporters/; include/ through HeaderFilterRegex), then
# ci/cppcheck.sh. Exits 1 on any finding of either, 2 when a tool is
# missing. The compile database comes from a configure-only build dir
# ($LG_LINT_BUILD_DIR, default build-lint/).
#
# Usage: ci/lint.sh [FILE.c...]   (default: harness/*/*.c reporters/*.c)
# Takes about 3 minutes on 2 cores (the clang static analyzer is most of it).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
BUILD_DIR=${LG_LINT_BUILD_DIR:-build-lint}
JOBS=$(nproc 2>/dev/null || echo 2)
command -v clang-tidy >/dev/null 2>&1 || {
  echo "lint: clang-tidy not installed (ci/install-deps.sh installs it)" >&2
  exit 2
}
t0=$(date +%s)
# LG_ASSERT: the analyzer reads the asserts as the invariants they state.
cmake -S . -B "$BUILD_DIR" -DCMAKE_EXPORT_COMPILE_COMMANDS=ON -DLG_ASSERT=ON \
  -DLG_BUILD_TESTS=OFF -DLG_BUILD_BENCH=OFF >/dev/null
[ $# -gt 0 ] || set -- harness/*/*.c reporters/*.c
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# One clang-tidy per file, JOBS at a time; each file's report in its own log.
# A clang-tidy that fails (a crash, a file it cannot compile) is a finding
# too: a crash may print no "warning:" or "error:" line at all.
printf '%s\n' "$@" | xargs -P "$JOBS" -I{} sh -c \
  'log="$3/$(echo "$2" | tr / _).log"
   clang-tidy -p "$1" --quiet "$2" >"$log" 2>&1 ||
     echo "$2: error: clang-tidy exited with status $?" >>"$log"' \
  sh "$BUILD_DIR" {} "$out"
status=0
findings=$(cat "$out"/*.log | grep -cE "(warning|error): " || true)
if [ "$findings" -gt 0 ]; then
  cat "$out"/*.log | grep -vE "^[0-9]+ warnings? (and [0-9]+ errors? )?generated|^Suppressed|^Use -header-filter|^Error while processing" || true
  echo "clang-tidy: $findings finding(s)" >&2
  status=1
else
  echo "clang-tidy: clean ($# files)"
fi
t1=$(date +%s)
# LG_LINT_CPPCHECK=0: cppcheck ran already (ctest's lint.cppcheck, in .ci/run).
[ "${LG_LINT_CPPCHECK:-1}" = 0 ] || ci/cppcheck.sh || status=1
echo "lint: clang-tidy $((t1 - t0)) s, cppcheck $(($(date +%s) - t1)) s"
exit $status
