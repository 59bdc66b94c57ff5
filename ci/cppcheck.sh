#!/bin/sh
# ci/cppcheck.sh - cppcheck over harness/, reporters/ and include/ (issue 9
# item 5). Checks: warning, performance, portability (the style class is
# left to clang-tidy, whose dead-store and redundancy checks are
# path-sensitive; cppcheck's style class here was only variable-scope
# preferences and false "always true" conditions). Suppressions with their
# reasons: ci/cppcheck-suppressions.txt, or inline "cppcheck-suppress".
# Exit 1 on any finding; when cppcheck is missing 77 (ctest's skip status
# for lint.cppcheck), or 1 under LG_CI=1 (.ci/run): ctest counts a skip as
# no failure, so CI must not pass without cppcheck having run.
set -eu
cd "$(dirname "$0")/.."
command -v cppcheck >/dev/null 2>&1 || {
  echo "cppcheck: not installed (ci/install-deps.sh installs it)" >&2
  [ "${LG_CI:-}" = 1 ] && exit 1
  exit 77
}
out=$(mktemp)
trap 'rm -f "$out"' EXIT
cppcheck --enable=warning,performance,portability --std=c11 --library=posix \
  --inline-suppr --suppressions-list=ci/cppcheck-suppressions.txt \
  -j"$(nproc 2>/dev/null || echo 2)" --quiet --error-exitcode=0 \
  -D_GNU_SOURCE -DLG_VERSION=\"0\" -D__GNUC__ -Iinclude -Iharness -Ireporters \
  --template='{file}:{line}:{column}: {severity}: {message} [{id}]' \
  harness reporters include 2>"$out"
if [ -s "$out" ]; then
  cat "$out"; echo
  echo "cppcheck: $(wc -l <"$out") finding(s)" >&2
  exit 1
fi
echo "cppcheck: clean"
