#!/bin/sh
# `leakgate doctor` with fake systemd-run, sudo, docker and podman first in
# PATH (tests/data/container/bin), so every answer is fixed whatever this
# machine has: a working systemd scope makes the exit 0 and auto's choice is
# printed; "MemoryMax ignored" and a dead daemon print fix: lines; a hanging
# daemon is cut at --timeout. The cgroup checks are this machine's own, and
# the exit code must agree with them.
. "$(dirname "$0")/lib.sh"

mkdir -p "$WORK/xdg/systemd" "$WORK/proc"
: >"$WORK/xdg/systemd/private" # the user manager's socket, for the precheck
doctor() {
  set +e
  env PATH="$SRC/tests/data/container/bin:$PATH" XDG_RUNTIME_DIR="$WORK/xdg" \
    FAKE_PROC="$WORK/proc" NO_COLOR=1 "$@" "$LEAKGATE" doctor --timeout 2 \
    >"$WORK/stdout" 2>"$WORK/stderr"
  code=$?
  set -e
}
has() { grep -q "$1" "$WORK/stdout" || fail "doctor output lacks: $1"; }

doctor FAKE_SD_PROBE_OUT=67108864
expect_code 0 "a systemd scope with a limit works"
if [ "$(id -u)" = 0 ]; then
  has "^ok    systemd   system scope (root): a system scope with MemoryMax=64M works (systemd 255)"
else
  has "^ok    systemd   user scope: a user scope with MemoryMax=64M works (systemd 255)"
fi
has "^ok    docker    found: $SRC/tests/data/container/bin/docker"
has "^ok    docker    docker daemon 28.0.1"
has "^ok    docker    runs a container limited to 64 MiB (--init, host network) and reads the limit back from inside: 67108864 bytes"
has "^ok    podman    podman on cgroup v2"
has "^ok    podman    runs a container limited to 64 MiB"
has "^ok    auto      backend auto picks "
has "^ok    auto      scenarios with container.image run in docker"
has "^leakgate can run scenarios with a memory limit here"

doctor FAKE_SD_PROBE_OUT=max FAKE_ENGINE_DOWN=1
has "systemd ignored MemoryMax="
has "the docker daemon does not answer: Cannot connect to the Docker daemon"
has "fix: start the daemon"
has "podman info failed"
# Without systemd and engines only this machine's cgroup can give a limit.
if grep -q "^ok    limit" "$WORK/stdout"; then
  expect_code 0 "a writable cgroup here"
  has "^ok    auto      backend auto picks cgroup"
else
  expect_code 4 "no cgroup, no systemd, no engine"
  has "fix: "
  has "^FAIL  auto      backend auto falls back to none"
  has "cannot run scenarios with a memory limit here"
fi

# The engine answers but a limited container does not run: the engine's
# words and the fix this project knows (the podman settings of
# ci/engines.sh among them).
doctor FAKE_SD_PROBE_OUT=67108864 FAKE_RUN_RC=126 \
  FAKE_RUN_OUT="Error: runc: runc create failed: unable to start container process: error during container init: error setting rlimits for ready process: error setting rlimit type 7: operation not permitted: OCI permission denied"
has "^warn  podman    a container limited to 64 MiB does not run: Error: runc: runc create failed"
has "fix: this sandbox refuses raising RLIMIT_NOFILE/NPROC: add \`default_ulimits = \[\]\` under \[containers\] in /etc/containers/containers.conf"
doctor FAKE_SD_PROBE_OUT=67108864 FAKE_RUN_RC=126 \
  FAKE_RUN_OUT="Error: OCI runtime error: crun: cgroups in hybrid mode not supported, drop all controllers from cgroupv2"
has "fix: crun refuses this cgroup layout: install runc and set \`runtime = \"runc\"\` under \[engine\]"
# ... or runs it without the limit.
doctor FAKE_SD_PROBE_OUT=67108864 FAKE_RUN_OUT=max
has "^warn  docker    a container limited to 64 MiB ran but its limit reads \"max\""
doctor FAKE_SD_PROBE_OUT=67108864 FAKE_RUN_OUT=1073741824
has "^warn  docker    docker ran the container without the asked limit: it reads 1073741824 bytes, not 64 MiB"
has "fix: see the WARNING lines of \`docker info\`"

t0=$(date +%s)
doctor FAKE_SD_PROBE_OUT=67108864 FAKE_ENGINE_HANG=1
[ "$(elapsed_since "$t0")" -lt 15 ] || fail "a hanging docker was not cut at --timeout"
has "did not finish within 2 s"
expect_code 0 "systemd works even though docker hangs"

set +e
"$LEAKGATE" doctor --timeout 0 >/dev/null 2>&1; c1=$?
"$LEAKGATE" doctor extra >/dev/null 2>&1; c2=$?
"$LEAKGATE" doctor --help >"$WORK/help" 2>&1; c3=$?
set -e
expect_eq "$c1 $c2 $c3" "2 2 0" "doctor usage exit codes"
grep -q "exit: 0 when a scenario can run with a memory limit here" "$WORK/help" || fail "doctor --help"
finish
