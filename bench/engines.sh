#!/bin/sh
# bench/engines.sh - the same scenario through the cgroup backend (the
# peer), docker and podman, and through leakgate inside a docker container
# (backend self) (issue 17): steady-phase requests/s of the closed-model
# load (4 connections, as fast as the service answers), the slope measured
# (a 128 B/request leak: 144 with malloc's header) and the time until the
# service was ready. Rounds alternate the backends so that the machine's
# noise falls on all of them; medians and the ratio to cgroup are printed.
#
# Usage: bench/engines.sh [BUILD_DIR] [--rounds N] [--steady SECONDS]
#   BUILD_DIR defaults to ./build; 3 rounds of 5 s by default. Needs root
#   (a writable memory cgroup) and the engines (ci/engines.sh start); an
#   engine that cannot run is reported and left out.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build="$root/build"
rounds=3 steady=5
if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then
  build=$1
  shift
fi
while [ $# -gt 0 ]; do
  case $1 in
  --rounds) rounds=$2; shift 2 ;;
  --steady) steady=$2; shift 2 ;;
  *) echo "usage: bench/engines.sh [BUILD_DIR] [--rounds N] [--steady SECONDS]" >&2; exit 2 ;;
  esac
done
build=$(cd "$build" && pwd)
lg="$build/leakgate"
fx="$build/tests/fixtures/leaky_http"
[ -x "$lg" ] && [ -x "$fx" ] || { echo "engines: build first (ci/build.sh)" >&2; exit 4; }
work=$(mktemp -d "${TMPDIR:-/tmp}/lg-bench-engines.XXXXXX")
tag="leakgate-bench-$$:fx"
engines=""
cleanup() {
  for e in $engines; do "$e" rmi -f "$tag" >/dev/null 2>&1 || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# The image: leakgate, the fixture and the libraries ldd names.
mkdir -p "$work/root/fx" "$work/root/tmp" "$work/scn"
for f in "$lg" "$fx"; do
  cp -L "$f" "$work/root/fx/"
  for lib in $(ldd "$f" | awk '/=> \// {print $3} /^[ \t]*\// {print $1}'); do
    mkdir -p "$work/root$(dirname "$lib")"
    cp -L "$lib" "$work/root$lib"
  done
done
tar -C "$work/root" -cf "$work/root.tar" .
for e in docker podman; do
  if command -v "$e" >/dev/null 2>&1 && "$e" import "$work/root.tar" "$tag" >/dev/null 2>&1; then
    engines="$engines $e"
  else
    echo "engines: $e cannot import an image here: left out" >&2
  fi
done

# scn BACKEND COMMAND0 [IMAGE]
scn() {
  {
    echo "version: 1"
    echo "name: bench-$1"
    echo "service:"
    echo "  command: [\"$2\", --port, \"{{port}}\"]"
    echo "  env: {LEAK_BYTES: \"128\"}"
    if [ -n "${3:-}" ]; then
      echo "container: {backend: $1, image: \"$3\", memory: 512MiB}"
    else
      echo "container: {backend: $1, memory: 512MiB}"
    fi
    echo "load:"
    echo "  driver: http"
    echo "  connections: 4"
    echo "  url: \"http://127.0.0.1:{{port}}/items/{{seq}}\""
    echo "  phases:"
    echo "    - {name: warmup, duration: 1s, rate: 2000}"
    echo "    - {name: steady, duration: ${steady}s}"
    echo "sampling: {interval: 50ms}"
  } >"$work/scn/$1.yaml"
}
scn cgroup "$fx"
for e in $engines; do scn "$e" /fx/leaky_http "$tag"; done
scn self /fx/leaky_http

# one BACKEND ROUND: a run; appends "backend rps slope ready_s" to results.
one() {
  out="$work/out-$1-$2"
  if [ "$1" = self ]; then
    docker run --rm --init --network host --memory 512m --memory-swap 512m \
      -v "$work/scn:/scn:ro" -v "$work:/w" "$tag" /fx/leakgate run /scn/self.yaml \
      --out "/w/out-$1-$2" --quiet >/dev/null 2>&1 || true
  else
    "$lg" run "$work/scn/$1.yaml" --out "$out" --quiet >/dev/null 2>&1 || true
  fi
  python3 - "$out/result.json" "$1" >>"$work/results" <<'PY'
import json, sys
try:
    d = json.load(open(sys.argv[1]))
    st = [p for p in d["load"]["phases"] if p["name"] == "steady"][0]
    print(sys.argv[2], st["requests"] / st["duration_s"],
          d["analysis"]["slope_bytes_per_request"], d["service"].get("ready_s") or "nan",
          d["container"]["backend"])
except Exception as e:  # a failed run is shown, not hidden
    print(sys.argv[2], "nan nan nan", "failed:%s" % type(e).__name__)
PY
}

: >"$work/results"
backends="cgroup $engines"
case " $engines " in *" docker "*) backends="$backends self" ;; esac
i=1
while [ "$i" -le "$rounds" ]; do
  for b in $backends; do one "$b" "$i"; done
  i=$((i + 1))
done
python3 - "$work/results" "$rounds" "$steady" <<'PY'
import math, statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
by = {}
for b, rps, slope, ready, used in rows:
    by.setdefault(b, []).append((float(rps), float(slope), float(ready), used))
def med(xs):
    xs = [x for x in xs if not math.isnan(x)]
    return statistics.median(xs) if xs else float("nan")
peer = med([r[0] for r in by.get("cgroup", [])])
print("leakgate through each backend: leaky_http (128 B/request), 4 connections, closed model,")
print("%s rounds of a %s s steady phase, medians; ratio = req/s / cgroup's req/s" % (sys.argv[2], sys.argv[3]))
print("%-8s %-16s %10s %7s %12s %9s" % ("backend", "in result.json", "req/s", "ratio", "slope B/req", "ready s"))
for b, rs in by.items():
    rps = med([r[0] for r in rs])
    print("%-8s %-16s %10.0f %7.2f %12.1f %9.2f" % (b, rs[0][3], rps, rps / peer if peer else float("nan"),
                                                   med([r[1] for r in rs]), med([r[2] for r in rs])))
PY
