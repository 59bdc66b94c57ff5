#!/bin/sh
# ci/build.sh - configure and build leakgate into build/ (or $LG_BUILD_DIR).
# Extra arguments go to cmake's configure step (e.g. -DLG_SANITIZE=ON).
set -eu
cd "$(dirname "$0")/.."
BUILD_DIR=${LG_BUILD_DIR:-build}
JOBS=$(nproc 2>/dev/null || echo 2)
cmake -S . -B "$BUILD_DIR" -DLG_WERROR=ON "$@" >/dev/null
cmake --build "$BUILD_DIR" -j"$JOBS" >/dev/null
