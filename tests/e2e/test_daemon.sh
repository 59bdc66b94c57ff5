#!/bin/sh
# A classic daemonising service (issue 13 item 8): `memcached -d` forks its
# daemon and the launcher exits 0. With a cgroup, leakgate follows the
# daemon (the cgroup's processes are the service): it is sampled, loaded,
# stopped and gone at the end. Without one (backend none) the readiness
# error says exactly that the launcher exited 0 and why its daemon cannot
# be followed.
. "$(dirname "$0")/lib.sh"
mc=$(command -v memcached) || skip_test "memcached is not installed (ci/install-deps.sh)"
[ "$(id -u)" = 0 ] || skip_test "needs root for a cgroup" LG_REQUIRE_CGROUP
# run_daemon NAME BACKEND: run the scenario in the background, note the
# daemon's pid from its pid file while it runs ($dpid), wait for the end.
run_daemon() {
  rm -f "$WORK/$1.pid"
  sc=$(scenario daemon "$1" PIDFILE="$WORK/$1.pid" BACKEND="$2")
  "$LEAKGATE" run "$sc" --out "$WORK/$1" >"$WORK/stdout" 2>"$WORK/stderr" &
  lg=$!
  dpid=
  for _ in $(seq 1 100); do
    dpid=$(cat "$WORK/$1.pid" 2>/dev/null || true)
    [ -n "$dpid" ] && break
    kill -0 "$lg" 2>/dev/null || break
    sleep 0.1
  done
  set +e
  wait "$lg"
  code=$?
  set -e
}

# 1. With a cgroup: the daemon is the service.
run_daemon daemon-cg cgroup
r="$WORK/daemon-cg/result.json"
[ "$code" -ne 4 ] || fail "memcached -d under a cgroup: exit 4 (the daemon was not followed)"
[ -n "$dpid" ] || fail "memcached wrote no pid file (did it daemonise?)"
expect_eq "$(jget "$r" "d['service']['crashed']")" false "service.crashed"
expect_range "$(jget "$r" "d['load']['requests']")" 500 100000000 "requests served by the daemon"
expect_eq "$(jget "$r" "d['load']['errors']")" 0 "load errors"
live=$(awk -F, 'NR > 1 && $7 >= 1 { n++ } END { print n + 0 }' "$WORK/daemon-cg/samples.csv")
[ "$live" -ge 20 ] || fail "only $live rows measured a live process (the daemon)"
# running PID: the process exists and is not a zombie (the daemon was
# reparented to PID 1, which reaps it in its own time).
running() { st=$(cat "/proc/$1/stat" 2>/dev/null) && [ "$(echo "${st##*) }" | cut -c1)" != Z ]; }
if [ -n "$dpid" ] && running "$dpid"; then
  fail "the memcached daemon (pid $dpid) still runs after the run"
  kill -KILL "$dpid" 2>/dev/null || true
fi
no_leftovers

# 2. Without a cgroup: exit 4, and the message says what happened.
run_daemon daemon-none none
expect_code 4 "memcached -d with backend none"
grep -q "exited with status 0 .*its daemon cannot be followed without a cgroup" "$WORK/stderr" "$WORK/stdout" ||
  fail "backend none: the message does not say the launcher exited 0 and its daemon cannot be followed"
[ -z "$dpid" ] || kill -KILL "$dpid" 2>/dev/null || true
finish
