#!/bin/sh
# Nothing leakgate started outlives it (issue 13 items 4 and 5). After a
# SIGKILL of leakgate, its watchdog (core/watchdog.h) ends the exec load
# command's process group (outside every cgroup) and, with backend none,
# the service's session and the daemons that left it, and a Massif tier's
# vgdb; the cgroup watchdog ends a Valgrind tier. A normal run with backend
# none ends the service's whole session and the setsid daemon that escaped
# it, and says so.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" = 0 ] || skip_test "needs root for a cgroup" LG_REQUIRE_CGROUP

# marker_pids MARKER: processes whose command line holds MARKER.
marker_pids() {
  for p in /proc/[0-9]*; do
    case "$(tr '\0' ' ' 2>/dev/null <"$p/cmdline")" in
    *"$1"*) echo "${p#/proc/}" ;;
    esac
  done
}
# group_pids PGID: processes of process group PGID.
group_pids() { pgrep -g "$1" || true; }
# until_output some|none CMD...: until CMD prints something (some) or
# nothing (none), 10 s at most; 1 on time-out.
until_output() {
  want=$1
  shift
  for _ in $(seq 1 100); do
    if [ -n "$("$@")" ]; then got=some; else got=none; fi
    [ "$got" = "$want" ] && return 0
    sleep 0.1
  done
  return 1
}
wait_for() { until_output some "$@"; }
gone_within() { until_output none "$@"; }
# kill_run SCENARIO OUT MARKER SETTLE: run leakgate in the background until
# the load command (MARKER) runs, SETTLE seconds more, then SIGKILL it.
# $load_pgid is the load command's process group (its shell leads it).
kill_run() {
  "$LEAKGATE" run "$1" --out "$2" >"$WORK/stdout" 2>"$WORK/stderr" &
  lg=$!
  wait_for marker_pids "$3" || fail "$1: the load command never ran"
  load_pgid=$(marker_pids "$3" | head -1)
  sleep "$4"
  kill -KILL "$lg"
  wait "$lg" 2>/dev/null || true
}

# 1. SIGKILL mid-run, cgroup backend: the load command (a shell and its
# sleep, in their own process group) is gone with the service.
m=lg-e2e-load-$$-1
sc=$(scenario exec-load killed-load FIXTURE=clean_http BACKEND=cgroup DUR=60s MARKER=$m)
kill_run "$sc" "$WORK/killed-load" "$m" 1
gone_within marker_pids "$m" || fail "the exec load command (sh ... $m) still runs 10 s after SIGKILL of leakgate"
[ -z "$load_pgid" ] || gone_within group_pids "$load_pgid" ||
  fail "the load command's process group $load_pgid still has processes: $(group_pids "$load_pgid" | tr '\n' ' ')"
gone_within work_pids || fail "the service still runs 10 s after SIGKILL of leakgate"
grep -q "its watchdog killed the load command (process group $load_pgid)" "$WORK/stderr" ||
  fail "the watchdog did not say it killed the load command's group"
for p in $(marker_pids "$m"); do kill -KILL "$p" 2>/dev/null || true; done
[ -z "$load_pgid" ] || pkill -KILL -g "$load_pgid" 2>/dev/null || true
no_leftovers

# 1b. SIGKILL during a Valgrind tier: the tool and the service under it are
# gone (the tier's cgroup watchdog, and this watchdog for its session).
if command -v valgrind >/dev/null 2>&1; then
  vg_pids() { for p in $(work_pids); do grep -q valgrind "/proc/$p/cmdline" 2>/dev/null && echo "$p"; done; }
  "$LEAKGATE" run "$(scenario valgrind tier-killed MODE=always SERVICE=clean_http)" \
    --out "$WORK/tier-killed" >"$WORK/stdout" 2>"$WORK/stderr" &
  lg=$!
  wait_for vg_pids || fail "no Valgrind tier process seen"
  kill -KILL "$lg"
  wait "$lg" 2>/dev/null || true
  gone_within work_pids || fail "a Valgrind tier's processes still run 10 s after SIGKILL of leakgate: $(work_pids | tr '\n' ' ')"
  for p in $(work_pids); do kill -KILL "$p" 2>/dev/null || true; done
  no_leftovers

  # 1c. SIGKILL during a Massif snapshot: vgdb (here a stand-in first on
  # PATH that hangs, as vgdb does on FIFOs nobody answers) runs in a
  # process group of its own outside the cgroup; the run's watchdog ends it.
  mkdir -p "$WORK/fakebin"
  printf '#!/bin/sh\nsleep 300\n' >"$WORK/fakebin/vgdb"
  chmod +x "$WORK/fakebin/vgdb"
  vgdb_pids() { marker_pids "$WORK/fakebin/vgdb"; }
  PATH="$WORK/fakebin:$PATH" "$LEAKGATE" run "$(scenario valgrind vgdb-killed MODE=always SERVICE=clean_http)" \
    --out "$WORK/vgdb-killed" >"$WORK/stdout" 2>"$WORK/stderr" &
  lg=$!
  # Memcheck's tier comes first: up to a few minutes on a loaded machine
  for _ in $(seq 1 30); do wait_for vgdb_pids && break; done
  vgdb_pgid=$(vgdb_pids | head -1)
  [ -n "$vgdb_pgid" ] || fail "the Massif tier never ran vgdb"
  kill -KILL "$lg"
  wait "$lg" 2>/dev/null || true
  if [ -n "$vgdb_pgid" ]; then
    gone_within group_pids "$vgdb_pgid" ||
      fail "vgdb's process group $vgdb_pgid still runs 10 s after SIGKILL of leakgate: $(group_pids "$vgdb_pgid" | tr '\n' ' ')"
    grep -q "its watchdog killed .*vgdb (process group $vgdb_pgid)" "$WORK/stderr" ||
      fail "the watchdog did not say it killed vgdb: $(cat "$WORK/stderr")"
    pkill -KILL -g "$vgdb_pgid" 2>/dev/null || true
  fi
  gone_within work_pids || fail "a Massif tier's processes still run 10 s after SIGKILL of leakgate: $(work_pids | tr '\n' ' ')"
  for p in $(work_pids); do kill -KILL "$p" 2>/dev/null || true; done
  no_leftovers
else
  skip_part "SIGKILL mid-Massif: valgrind is not installed" LG_REQUIRE_CGROUP
fi

# 2. Backend none, a normal run: forker's children (its process group and
# session), its setsid daemon (a session of its own, adopted by leakgate)
# and the daemon's two workers (its children, in its session: they were
# left running when only the daemon was killed) are all gone, and the
# result says what was killed.
m=lg-e2e-load-$$-2
sc=$(scenario exec-load none-forker FIXTURE=forker BACKEND=none DUR=2s MARKER=$m)
run_lg run "$sc" --out "$WORK/none-forker"
expect_code 0 "forker with backend none"
note=$(jget "$WORK/none-forker/result.json" "d['container']['note']")
case $note in
*"killed 1 process that had left the service's session"*"and 2 more of its session"*) ;;
*) fail "backend none: the note does not say the escaped daemon and its two workers were killed: $note" ;;
esac
gone_within work_pids || fail "backend none: forker's processes (its setsid daemon?) left after a normal run: $(work_pids | tr '\n' ' ')"
no_leftovers

# 3. Backend none, SIGKILL of leakgate: the watchdog ends the service's
# session and the session of the daemon that left it, workers included
# (registered once adopted, within about a second).
m=lg-e2e-load-$$-3
sc=$(scenario exec-load none-killed FIXTURE=forker BACKEND=none DUR=60s MARKER=$m)
kill_run "$sc" "$WORK/none-killed" "$m" 2
gone_within work_pids || fail "backend none: processes left 10 s after SIGKILL of leakgate: $(work_pids | tr '\n' ' ')"
gone_within marker_pids "$m" || fail "backend none: the load command still runs after SIGKILL of leakgate"
grep -q "its watchdog killed .*the service (session" "$WORK/stderr" ||
  fail "backend none: the watchdog did not say what it killed"
for p in $(work_pids) $(marker_pids "$m"); do kill -KILL "$p" 2>/dev/null || true; done
[ -z "$load_pgid" ] || pkill -KILL -g "$load_pgid" 2>/dev/null || true
no_leftovers

# 3b. Backend none, SIGKILL of leakgate right after the daemon left the
# session, before the run's loop could see it adopted (the service listens
# 4 s later, so the run still waits for it): the watchdog finds the daemon
# and its workers by the LEAKGATE_RUN mark they inherited.
m=lg-e2e-load-$$-3b
sc=$(scenario exec-load none-early FIXTURE=forker BACKEND=none DUR=60s MARKER=$m)
sed -i 's/DAEMON_CHILDREN: "2"}/DAEMON_CHILDREN: "2", LISTEN_DELAY_MS: "4000"}/' "$sc"
"$LEAKGATE" run "$sc" --out "$WORK/none-early" >"$WORK/stdout" 2>"$WORK/stderr" &
lg=$!
daemon_line() { grep -h '^daemon ' "$WORK/none-early/service.stdout.log" 2>/dev/null || true; }
wait_for daemon_line || fail "backend none: forker never started its daemon"
kill -KILL "$lg"
wait "$lg" 2>/dev/null || true
gone_within work_pids ||
  fail "backend none: a daemon that left the session just before SIGKILL of leakgate (or its workers) still runs: $(work_pids | tr '\n' ' ')"
grep -q "process.* marked LEAKGATE_RUN=[0-9a-f]* in" "$WORK/stderr" ||
  fail "backend none: the watchdog did not say it found the daemon by its mark: $(cat "$WORK/stderr")"
for p in $(work_pids); do kill -KILL "$p" 2>/dev/null || true; done
no_leftovers
finish
