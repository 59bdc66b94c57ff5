#!/bin/sh
# bench/load_vs_wrk.sh - leakgate's http driver against wrk (issue 3).
# Usage: bench/load_vs_wrk.sh [BUILD_DIR] [bench options...]
#   BUILD_DIR defaults to ./build; options go to bench_load_vs_wrk
#   (--duration S, default 2; --rounds N, default 8; --connections N).
# Starts the clean fixture server pinned to CPU 0, the load generators on
# CPU 1 (on a 1-CPU machine nothing is pinned), alternates leakgate and
# `wrk -t1 -c16` rounds of equal duration and prints the median ratio of
# requests/s (target >= 1.0), CPU time per million requests and peak RSS.
# Other work on the machine shows up as noise: run it several times.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build="$root/build"
if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then
  build=$1
  shift
fi
bin="$build/bench/bench_load_vs_wrk"
server="$build/tests/fixtures/clean_http"
if ! command -v wrk >/dev/null 2>&1; then
  echo "load_vs_wrk: wrk is not installed (ci/install-deps.sh installs it)" >&2
  exit 4
fi
if [ ! -x "$bin" ] || [ ! -x "$server" ]; then
  cmake --build "$build" --target bench_load_vs_wrk clean_http -j2 >/dev/null
fi
if [ "$(nproc)" -ge 2 ]; then
  pin="--server-cpu 0 --load-cpu 1"
else
  pin="--server-cpu -1 --load-cpu -1"
fi
# shellcheck disable=SC2086
exec "$bin" --server "$server" $pin "$@"
