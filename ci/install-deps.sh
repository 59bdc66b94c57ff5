#!/bin/sh
# ci/install-deps.sh - install what leakgate needs to build and test, with
# apt-get (Debian/Ubuntu). Idempotent: quiet and fast when all is present.
# Usage: ci/install-deps.sh [--runtime-only]
set -eu

# Build: compiler, cmake, pkg-config and the libraries (see README "Dependencies").
BUILD_PKGS="build-essential cmake pkg-config libyaml-dev libjansson-dev check
libsubunit-dev libexpat1-dev libhttp-parser-dev"
# Runtime tools leakgate drives, and real services/peers the tests use.
RUNTIME_PKGS="valgrind"
# libclang-rt-dev: the libFuzzer runtime tests/fuzz/run.sh links (clang's
# -fsanitize=fuzzer); Debian packages it apart from clang.
TEST_PKGS="wrk memcached libxml2-utils python3 clang libclang-rt-dev
python3-jsonschema chromium chromium-driver"

pkgs="$BUILD_PKGS $RUNTIME_PKGS"
[ "${1:-}" = "--runtime-only" ] && pkgs="$RUNTIME_PKGS" || pkgs="$pkgs $TEST_PKGS"

missing=""
for p in $pkgs; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
    missing="$missing $p"
  fi
done
[ -z "$missing" ] && exit 0

SUDO=""
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo -n"; else
    echo "install-deps: need root or sudo to install:$missing" >&2; exit 4
  fi
fi
echo "install-deps: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
