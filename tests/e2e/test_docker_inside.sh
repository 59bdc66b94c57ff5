#!/bin/sh
# leakgate inside a memory-limited docker container with the service (issue
# 17 item 4): the container's cgroup is read-only there, so leakgate
# measures the cgroup it is in (backend self, and auto's choice when
# nothing writable is found) and reports the container's limit rather than
# setting one. A leaky and a clean fixture are judged right, and an OOM kill
# in the shared box takes the service, not leakgate, and is counted.
# Skips (77) without a working docker, fails instead under
# LG_REQUIRE_ENGINES=1 (CI).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/engine_lib.sh"
engine_init docker
IMG="leakgate-e2e-inside-$$:fx"
make_image "$IMG" "$LEAKGATE" "$FIXTURES/leaky_http" "$FIXTURES/clean_http" \
  "$FIXTURES/oom_hog"

# inside_scenario NAME FIXTURE BACKEND LEAK: a scenario file under
# $WORK/scn, which the container sees as /scn.
mkdir -p "$WORK/scn" "$WORK/out"
inside_scenario() {
  cat >"$WORK/scn/$1.yaml" <<EOF
version: 1
name: e2e-in-$1
service:
  command: ["/fx/$2", --port, "{{port}}"]
  env: {LEAK_BYTES: "$4"}
container: {backend: $3}
load:
  driver: http
  connections: 4
  url: "http://127.0.0.1:{{port}}/items/{{seq}}"
  phases:
    - {name: warmup, duration: 1s, rate: 2000}
    - {name: steady, duration: 5s}
sampling: {interval: 50ms}
analysis: {tolerance: 16B}
EOF
  # engine_cleanup finds this script's containers by its scenario names.
  cp "$WORK/scn/$1.yaml" "$WORK/in-$1.yaml"
}

# inside NAME MEMORY: leakgate run of /scn/NAME.yaml in a container limited
# to MEMORY, out dir $WORK/out/NAME; sets $code.
inside() {
  set +e
  docker run --rm --name "leakgate-in-$$-e2e-in-$1" --label leakgate=1 --init \
    --network host --memory "$2" --memory-swap "$2" -v "$WORK/scn:/scn:ro" \
    -v "$WORK/out:/out" "$IMG" /fx/leakgate run "/scn/$1.yaml" --out "/out/$1" \
    >"$WORK/stdout" 2>"$WORK/stderr"
  code=$?
  set -e
}

inside_scenario leaky leaky_http auto 128
inside leaky 512m
expect_code 1 "leaky service, leakgate inside the container (auto)"
r="$WORK/out/leaky/result.json"
if [ -f "$r" ]; then
  case $(jget "$r" "d['container']['backend']") in
  self-cgroup-v1 | self-cgroup-v2) ;;
  *) fail "auto inside a read-only container: backend $(jget "$r" "d['container']['backend']"), expected self-cgroup-v1/-v2" ;;
  esac
  expect_eq "$(jget "$r" "d['container']['memory_limit_bytes']")" 536870912 "the container's limit reported"
  expect_eq "$(jget "$r" "d['analysis']['leak']")" leak "leaky analysis.leak"
  expect_range "$(jget "$r" "d['analysis']['slope_bytes_per_request']")" 128 200 "leaky slope B/req (128 B leaked)"
  grep -q "leakgate runs inside the box it measures" "$r" || fail "the note does not say leakgate is inside the box"
else
  fail "no result.json from leakgate inside the container"
fi

inside_scenario clean clean_http self 0
inside clean 512m
expect_code 0 "clean service, leakgate inside the container (self)"
r="$WORK/out/clean/result.json"
if [ -f "$r" ]; then
  expect_eq "$(jget "$r" "d['analysis']['leak']")" no_leak "clean analysis.leak"
  expect_eq "$(jget "$r" "d['container']['memory_limit_bytes']")" 536870912 "the container's limit reported"
else
  fail "no result.json from leakgate inside the container"
fi

# The OOM killer takes the service (oom_score_adj 1000), leakgate reports.
inside_scenario oom oom_hog self 0
inside oom 96m
expect_code 1 "OOM in the shared box"
r="$WORK/out/oom/result.json"
if [ -f "$r" ]; then
  expect_range "$(jget "$r" "d['container']['oom_kills']")" 1 1000 "oom_kills counted by the container's cgroup"
  expect_eq "$(jget "$r" "d['container']['memory_limit_bytes']")" 100663296 "the container's limit reported"
else
  fail "no result.json: leakgate did not survive the OOM kill in its own box"
fi
[ -z "$(engine_containers e2e-in-oom)" ] || fail "container left behind"
[ -n "${LG_KEEP_OUT:-}" ] && cp -r "$WORK/out" "$LG_KEEP_OUT"
finish
