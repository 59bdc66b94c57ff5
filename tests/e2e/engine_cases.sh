# tests/e2e/engine_cases.sh - the end-to-end cases every container engine
# passes, against a real daemon (issue 17 item 3). Sourced by
# test_docker.sh and test_podman.sh after lib.sh, engine_lib.sh and
# `engine_init ENGINE`; $E is a short tag for scenario names (tests of both
# engines may run side by side).
#
# The image is made here from the fixtures (no registry) and removed at
# exit. Cases:
#  1. a leak of 128 B/request is caught at its slope (plus malloc's 16 B
#     header); the value reaches the service as an environment variable
#     that no process's command line shows;
#  2. a clean service passes;
#  3. an OOM kill under 64 MiB is counted by the engine's cgroup
#     (memory.events / memory.oom_control) or its State.OOMKilled, not
#     only seen as a vanished process: container.oom_kills >= 1;
#  4. a service that never listens: readiness timeout, exit 4, no
#     container left;
#  5. SIGINT to leakgate: exit 4, no container, no cgroup;
#  6. SIGKILL to leakgate: its watchdog removes the container and with it
#     the cgroup;
#  7. the stdin driver through `-i`: a 256 B/line leak is caught;
#  8. a missing image: exit 4 quoting the engine's own message.
IMG="leakgate-e2e-$E-$$:fx"
make_image "$IMG" "$FIXTURES/leaky_http" "$FIXTURES/clean_http" \
  "$FIXTURES/oom_hog" "$FIXTURES/stdin_lines"

# http NAME FIXTURE [VAR=VALUE...]: an engine scenario from engine-http;
# the VAR=VALUEs given win over the defaults (the first substitution of a
# placeholder is the one made).
http() {
  n=$1 fx=$2
  shift 2
  scenario engine-http "$n" "$@" ENGINE="$ENGINE" IMAGE="$IMG" FIXTURE="$fx" \
    LEAK=0 READY=60s MEMORY=256MiB STEADY=5s
}

# 1. leak, with the value passed by environment only.
sc=$(http "$E-leaky" leaky_http LEAK=000128)
set +e
"$LEAKGATE" run "$sc" --out "$WORK/leaky" >"$WORK/stdout" 2>"$WORK/stderr" &
pid=$!
set -e
c=$(wait_container "e2e-$E-leaky" 60) || fail "no $ENGINE container of e2e-$E-leaky appeared"
seen_client=0
for p in /proc/[0-9]*; do
  cmd=$(tr '\0' ' ' <"$p/cmdline" 2>/dev/null) || continue
  case $cmd in
  *000128*) fail "the service's environment value is on a command line: $cmd" ;;
  *" run --name $c "*"-e LEAK_BYTES "*) seen_client=1 ;;
  esac
done
[ "$seen_client" = 1 ] || fail "no $ENGINE client forwarding -e LEAK_BYTES found for $c"
set +e
wait "$pid"
code=$?
set -e
expect_code 1 "$ENGINE: leaky service"
r="$WORK/leaky/result.json"
expect_eq "$(jget "$r" "d['container']['backend']")" "$ENGINE" "container.backend"
expect_eq "$(jget "$r" "d['analysis']['leak']")" leak "leaky analysis.leak"
expect_range "$(jget "$r" "d['analysis']['slope_bytes_per_request']")" 128 200 "leaky slope B/req (128 B leaked)"
expect_eq "$(jget "$r" "d['container']['memory_limit_bytes']")" 268435456 "memory_limit_bytes"
rps_leaky=$(jget "$r" "[round(p['requests'] / p['duration_s']) for p in d['load']['phases'] if p['name'] == 'steady'][0]")
[ -z "$(engine_containers "e2e-$E-leaky")" ] || fail "container left after the leaky run"
no_leftovers

# 2. clean.
run_lg run "$(http "$E-clean" clean_http)" --out "$WORK/clean"
expect_code 0 "$ENGINE: clean service"
expect_eq "$(jget "$WORK/clean/result.json" "d['analysis']['leak']")" no_leak "clean analysis.leak"

# 3. OOM under 64 MiB, counted by the engine's cgroup or its OOMKilled.
run_lg run "$(http "$E-oom" oom_hog MEMORY=64MiB STEADY=4s)" --out "$WORK/oom"
expect_code 1 "$ENGINE: OOM-killed service"
r="$WORK/oom/result.json"
expect_range "$(jget "$r" "d['container']['oom_kills']")" 1 1000 "container.oom_kills"
expect_eq "$(jget "$r" "[c['status'] for c in d['checks'] if c['name'] == 'oom'][0]")" fail "oom check"
expect_eq "$(jget "$r" "d['container']['memory_limit_bytes']")" 67108864 "OOM run memory_limit_bytes"

# 4. never ready: stdin_lines does not listen.
t0=$(date +%s)
run_lg run "$(http "$E-notready" stdin_lines READY=3s)" --out "$WORK/notready"
expect_code 4 "$ENGINE: readiness timeout"
grep -q "ready" "$WORK/stderr" || fail "the readiness failure is not named"
[ "$(elapsed_since "$t0")" -lt 60 ] || fail "readiness timeout of 3 s took $(elapsed_since "$t0") s"
[ -z "$(engine_containers "e2e-$E-notready")" ] || fail "container left after readiness timeout"

# 5, 6. SIGINT and SIGKILL to leakgate mid-run.
for sig in INT KILL; do
  sc=$(http "$E-sig$sig" leaky_http LEAK=64 STEADY=120s)
  set +e
  "$LEAKGATE" run "$sc" --out "$WORK/sig$sig" >"$WORK/stdout" 2>"$WORK/stderr" &
  pid=$!
  set -e
  c=$(wait_container "e2e-$E-sig$sig" 60) || { fail "SIG$sig: no container appeared"; continue; }
  cpid=$("$ENGINE" inspect --format '{{.State.Pid}}' "$c")
  cg=$(cgroup_of_pid "$cpid")
  [ -n "$cg" ] && [ -d "$cg" ] || fail "SIG$sig: no cgroup found for $c (pid $cpid)"
  sleep 1
  kill -"$sig" "$pid"
  set +e
  wait "$pid"
  code=$?
  set -e
  # The watchdog (SIGKILL) works after leakgate is gone: poll.
  i=0
  while [ "$i" -lt 300 ] && { [ -n "$(engine_containers "e2e-$E-sig$sig")" ] ||
    [ -d "$cg" ] || { [ "$sig" = KILL ] && ! grep -q "watchdog" "$WORK/stderr"; }; }; do
    sleep 0.1
    i=$((i + 1))
  done
  [ -z "$(engine_containers "e2e-$E-sig$sig")" ] || fail "SIG$sig: container $c left behind"
  [ ! -d "$cg" ] || fail "SIG$sig: cgroup $cg left behind"
  if [ "$sig" = INT ]; then
    expect_code 4 "SIGINT to leakgate"
    expect_eq "$(jget "$WORK/sigINT/result.json" "d['interrupted']")" true "SIGINT interrupted"
  else
    grep -q "watchdog removed $ENGINE container $c" "$WORK/stderr" ||
      fail "SIGKILL: the watchdog did not say it removed $c"
  fi
done
no_leftovers

# 7. the stdin driver through the client's -i.
run_lg run "$(scenario engine-stdin "$E-stdin" ENGINE="$ENGINE" IMAGE="$IMG")" --out "$WORK/stdin"
expect_code 1 "$ENGINE: stdin service leaking 256 B/line"
r="$WORK/stdin/result.json"
expect_range "$(jget "$r" "d['load']['requests']")" 500 100000000 "stdin requests"
expect_range "$(jget "$r" "d['analysis']['slope_bytes_per_request']")" 256 330 "stdin slope B/line"

# 8. a missing image (a registry that refuses at once): exit 4, the
# engine's message in the error.
run_lg run "$(http "$E-noimage" leaky_http IMAGE=localhost:1/leakgate-no-such:none)" --out "$WORK/noimage"
expect_code 4 "$ENGINE: missing image"
r="$WORK/noimage/result.json"
msg=$(jget "$r" "d['error']['message']")
case $msg in
*"localhost:1/leakgate-no-such:none is not on this machine"*"pull"*"failed: "*[a-z]*) ;;
*) fail "missing image: error message without the engine's words: $msg" ;;
esac
[ -z "$(engine_containers "e2e-$E-noimage")" ] || fail "container left after a missing image"

echo "throughput through $ENGINE (leaky_http, 4 connections, closed model): $rps_leaky req/s"
