#!/bin/sh
# ci/engines.sh - the container engines the docker/podman tests run against
# (issue 17). `.ci/run` calls `start` before the tests and `stop` from an
# EXIT trap, so the daemon goes whatever the tests' outcome.
#
#   ci/engines.sh start   install docker.io, podman, runc and catatonit
#                         where missing (ci/install-deps.sh --engines),
#                         make podman able to run
#                         a container here (see below), start dockerd
#                         unless a daemon already answers, and wait until
#                         it does (LG_ENGINES_TIMEOUT seconds, default 60)
#   ci/engines.sh stop    stop the dockerd that `start` started (TERM, then
#                         KILL after 20 s) and nothing else
#   ci/engines.sh status  one line per engine: can it run a container here
#
# start never fails the caller: an engine that cannot start is reported on
# stderr, and the tests that need it then skip visibly - or fail, where
# LG_REQUIRE_ENGINES=1 (set by .ci/run) says the engines must work.
#
# dockerd runs with --iptables=false --bridge=none: leakgate's containers
# use the host network (`--network host`), so the daemon needs no bridge
# and no firewall rules, which a CI sandbox may not allow.
#
# Podman: two settings, written to /etc/containers/containers.conf only
# when a test container fails without them and only as keys the file does
# not have yet (a user's file is never rewritten):
#   [containers] default_ulimits = []   - a sandbox that refuses raising
#                                          RLIMIT_NOFILE/NPROC
#   [engine] runtime = "runc"           - crun refuses a hybrid (cgroup v1 +
#                                          empty v2) layout
# Both are printed when written.
#
# State (pid file, daemon log, what was changed) in $LG_ENGINES_STATE
# (default /run/leakgate-engines).
set -eu
STATE=${LG_ENGINES_STATE:-/run/leakgate-engines}
TIMEOUT=${LG_ENGINES_TIMEOUT:-60}
CONF=${LG_CONTAINERS_CONF:-/etc/containers/containers.conf}

say() { echo "engines: $*" >&2; }

# ci/install-deps.sh --engines: the one place that runs apt-get, with the
# policy that keeps docker.io's postinst from starting a dockerd of its own
# (bridge, iptables, never stopped) behind this script's back.
install_missing() {
  "$(dirname "$0")/install-deps.sh" --engines
}

docker_answers() { docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }

start_docker() {
  command -v dockerd >/dev/null 2>&1 || { say "dockerd not installed"; return 1; }
  command -v docker >/dev/null 2>&1 || { say "docker client not installed"; return 1; }
  if docker_answers; then
    say "docker: a daemon already answers ($(docker version --format '{{.Server.Version}}')); leaving it alone"
    return 0
  fi
  mkdir -p "$STATE"
  # setsid: the daemon is not in the caller's process group, so a ^C or a
  # test killing its group does not reach it; stop ends it by its pid.
  setsid dockerd --iptables=false --bridge=none --pidfile "$STATE/dockerd.pid" \
    >"$STATE/dockerd.log" 2>&1 </dev/null &
  echo $! >"$STATE/dockerd.started"
  i=0
  while [ "$i" -lt $((TIMEOUT * 4)) ]; do
    docker_answers && break
    if ! kill -0 "$(cat "$STATE/dockerd.started")" 2>/dev/null; then
      say "dockerd exited at start; the end of its log:"
      tail -5 "$STATE/dockerd.log" >&2
      rm -f "$STATE/dockerd.started"
      return 1
    fi
    sleep 0.25
    i=$((i + 1))
  done
  if ! docker_answers; then
    # The client first in PATH is what leakgate and the tests call: say
    # which one failed (a newer client than the daemon negotiates down;
    # an older one may not).
    say "docker: no answer from the daemon within $TIMEOUT s through $(command -v docker):"
    docker version 2>&1 | tail -3 >&2 || true
    tail -5 "$STATE/dockerd.log" >&2
    return 1
  fi
  say "docker: dockerd $(docker version --format '{{.Server.Version}}') started (client $(command -v docker) $(docker version --format '{{.Client.Version}}'), log $STATE/dockerd.log)"
}

stop_docker() {
  [ -f "$STATE/dockerd.started" ] || return 0
  pid=$(cat "$STATE/dockerd.started")
  rm -f "$STATE/dockerd.started"
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  i=0
  while kill -0 "$pid" 2>/dev/null && [ "$i" -lt 80 ]; do
    sleep 0.25
    i=$((i + 1))
  done
  if kill -0 "$pid" 2>/dev/null; then
    say "dockerd (pid $pid) still running 20 s after SIGTERM: SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  say "docker: dockerd stopped"
}

# A rootfs holding /bin/sh and the libraries ldd names: enough to start a
# container without an image or a registry (podman --rootfs).
probe_rootfs() {
  root="$STATE/probe-rootfs"
  [ -x "$root/bin/sh" ] && return 0
  mkdir -p "$root/bin"
  cp -L /bin/sh "$root/bin/sh"
  for lib in $(ldd /bin/sh 2>/dev/null | awk '/=> \// {print $3} /^[ \t]*\// {print $1}'); do
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
  done
}

# Run a container the way leakgate does (--init, a memory limit, the host
# network); its error output in $STATE/podman-try.log.
podman_try() {
  podman run --rm --init --network host --memory 64m --memory-swap 64m \
    --rootfs "$STATE/probe-rootfs" /bin/sh -c 'exit 0' >"$STATE/podman-try.log" 2>&1
}

# conf_add TABLE KEY VALUE: add KEY = VALUE under [TABLE] unless the file
# sets KEY there already (then say so and leave it).
conf_add() {
  table=$1 key=$2 value=$3
  mkdir -p "$(dirname "$CONF")"
  [ -f "$CONF" ] || : >"$CONF"
  if awk -v t="[$table]" -v k="$key" '
      /^[ \t]*\[/ { gsub(/[ \t]/, ""); in_t = ($0 == t); next }
      in_t && $0 ~ "^[ \t]*" k "[ \t]*=" { found = 1 }
      END { exit found ? 0 : 1 }' "$CONF"; then
    say "podman: $CONF already sets [$table] $key; leaving it"
    return 0
  fi
  if grep -q "^[ \t]*\[$table\][ \t]*$" "$CONF"; then
    awk -v t="$table" -v line="$key = $value" '
      { print }
      !done && $0 ~ "^[ \t]*\\[" t "\\][ \t]*$" { print line; done = 1 }' \
      "$CONF" >"$CONF.lg-new" && cat "$CONF.lg-new" >"$CONF" && rm -f "$CONF.lg-new"
  else
    printf '\n[%s]\n%s = %s\n' "$table" "$key" "$value" >>"$CONF"
  fi
  echo "[$table] $key = $value" >>"$STATE/podman-settings"
  say "podman: wrote [$table] $key = $value to $CONF"
}

setup_podman() {
  command -v podman >/dev/null 2>&1 || { say "podman not installed"; return 1; }
  mkdir -p "$STATE"
  probe_rootfs
  n=0
  while ! podman_try; do
    n=$((n + 1))
    if [ "$n" -le 3 ] && grep -qiE "rlimit|ulimit" "$STATE/podman-try.log"; then
      conf_add containers default_ulimits "[]"
    elif [ "$n" -le 3 ] && grep -qi "crun" "$STATE/podman-try.log" &&
      command -v runc >/dev/null 2>&1; then
      conf_add engine runtime '"runc"'
    else
      say "podman cannot run a container here:"
      tail -3 "$STATE/podman-try.log" >&2
      return 1
    fi
  done
  say "podman: $(podman --version) runs a 64 MiB container here (runtime $(podman info --format '{{.Host.OCIRuntime.Name}}' 2>/dev/null))"
}

status() {
  if docker_answers; then echo "docker: daemon $(docker version --format '{{.Server.Version}}')"; else echo "docker: no daemon"; fi
  if command -v podman >/dev/null 2>&1 && mkdir -p "$STATE" && probe_rootfs && podman_try; then
    echo "podman: runs containers"
  else
    echo "podman: cannot run a container here"
  fi
}

case ${1:-} in
start)
  t0=$(date +%s)
  install_missing || say "could not install the engines; their tests will skip (or fail under LG_REQUIRE_ENGINES=1)"
  start_docker || say "docker cannot run here; its tests will skip (or fail under LG_REQUIRE_ENGINES=1)"
  setup_podman || say "podman cannot run here; its tests will skip (or fail under LG_REQUIRE_ENGINES=1)"
  say "ready in $(($(date +%s) - t0)) s"
  ;;
stop) stop_docker ;;
status) status ;;
*)
  echo "usage: ci/engines.sh start | stop | status" >&2
  exit 2
  ;;
esac
