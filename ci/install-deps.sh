#!/bin/sh
# ci/install-deps.sh - install what leakgate needs to build and test, with
# apt-get (Debian/Ubuntu). Idempotent: quiet and fast when all is present.
# Usage: ci/install-deps.sh [--runtime-only | --build | --engines]
#   (no flag)       build, runtime and test packages (development, ci/test)
#   --build         build and runtime packages only: what building and running
#                   leakgate needs (the GitHub Action, the GitLab template)
#   --runtime-only  the runtime tools only
#   --engines       the container engines (ci/engines.sh calls this)
set -eu

# Build: compiler, cmake, pkg-config and the libraries (see README "Dependencies").
BUILD_PKGS="build-essential cmake pkg-config libyaml-dev libjansson-dev check
libsubunit-dev libexpat1-dev libhttp-parser-dev libpcre2-dev
libprotobuf-c-dev protobuf-c-compiler zlib1g-dev libdw-dev libelf-dev"
# Runtime tools leakgate drives.
RUNTIME_PKGS="valgrind"
# Real services/peers and validators the tests use.
TEST_PKGS="wrk memcached libxml2-utils python3 python3-jsonschema python3-yaml
clang clang-tidy cppcheck prometheus python3-prometheus-client curl tmux
libjemalloc2 google-perftools golang-go libc6-dev
jq time procps"
# The container engines: installed here on behalf of ci/engines.sh (which
# .ci/run calls, and which starts dockerd with flags of its own), so that
# they too go in with the policy below that keeps apt from starting daemons.
ENGINE_PKGS="docker.io podman runc catatonit"
# Managed runtimes the runtime fixtures and e2e tests run (issue 12): the Go
# toolchain (above) and a JDK build their fixtures, node runs its own
# (LG_REQUIRE_RUNTIMES=1 in .ci/run: a missing one fails there).
TEST_PKGS="$TEST_PKGS openjdk-17-jdk-headless nodejs"
# Installed where the distribution has them (tests that need them say so and
# skip elsewhere): libclang-rt-dev is the libFuzzer runtime tests/fuzz/run.sh
# links (Debian 12 / Ubuntu 24.04 package it apart from clang); chromium and
# chromium-driver run the HTML report in a real browser.
OPTIONAL_PKGS="libclang-rt-dev chromium chromium-driver"

case "${1:-}" in
--runtime-only) pkgs="$RUNTIME_PKGS" optional="" ;;
--build) pkgs="$BUILD_PKGS $RUNTIME_PKGS" optional="" ;;
--engines) pkgs="$ENGINE_PKGS" optional="" ;;
"") pkgs="$BUILD_PKGS $RUNTIME_PKGS $TEST_PKGS" optional="$OPTIONAL_PKGS" ;;
*) echo "usage: ci/install-deps.sh [--runtime-only | --build | --engines]" >&2; exit 2 ;;
esac

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "ok installed"; }

missing=""
for p in $pkgs; do installed "$p" || missing="$missing $p"; done
missing_opt=""
for p in $optional; do installed "$p" || missing_opt="$missing_opt $p"; done
[ -z "$missing$missing_opt" ] && exit 0

SUDO=""
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo -n"; else
    echo "install-deps: need root or sudo to install:$missing$missing_opt" >&2
    exit 4
  fi
fi
export DEBIAN_FRONTEND=noninteractive
# Other jobs (or a fresh machine's first-boot upgrades) may hold the dpkg
# lock: wait for it rather than fail.
APT="apt-get -o DPkg::Lock::Timeout=600"
$SUDO $APT update -qq >/dev/null
for p in $missing_opt; do
  if apt-cache show "$p" >/dev/null 2>&1; then missing="$missing $p"; else
    echo "install-deps: $p is not available here; the tests needing it will skip" >&2
  fi
done
[ -z "$missing" ] && exit 0
echo "install-deps: installing$missing" >&2
# Daemons in these packages (prometheus, memcached) are started by the tests
# on ports of their own, and dockerd by ci/engines.sh with its own flags
# (docker.io's postinst would otherwise start the init script's dockerd, with
# a bridge and iptables rules, which nothing stops at the end); apt must not
# start them system-wide (invoke-rc.d asks policy-rc.d, and 101 means "not
# now").
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
  $SUDO chmod 755 /usr/sbin/policy-rc.d
  trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
fi
# shellcheck disable=SC2086
$SUDO $APT install -y -qq --no-install-recommends $missing >/dev/null
