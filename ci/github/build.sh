#!/usr/bin/env bash
# ci/github/build.sh - the Action's build step: configure and build the
# leakgate command from the checkout this action lives in (two levels up),
# into $RUNNER_TEMP, and publish its path as the step output "leakgate".
# Only the command is built (no tests, no benchmarks): about half a minute.
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
build="${RUNNER_TEMP:-/tmp}/leakgate-build"
cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=Release -DLG_BUILD_TESTS=OFF \
  -DLG_BUILD_BENCH=OFF >/dev/null
cmake --build "$build" --target leakgate_cli -j"$(nproc 2>/dev/null || echo 2)" >/dev/null
"$build/leakgate" --version
echo "leakgate=$build/leakgate" >>"${GITHUB_OUTPUT:-/dev/null}"
