#!/bin/sh
# bench/heap_profile_overhead.sh - the heap-profile tier against its own
# main run, and Massif and Memcheck at the same load (issue 15).
#
# Usage: bench/heap_profile_overhead.sh [BUILD_DIR] [-r ROUNDS] [-d SECONDS]
#        [-c CHURN] [-p PERIOD] [-b LEAK_BYTES] [-V]
# Each round is one `leakgate run` of the leaky fixture (LEAK_BYTES, default
# 64, leaked per request in leak_per_request(); CHURN short-lived
# allocations per request, default 20) at full load (16 connections, closed
# model, SECONDS of steady phase, default 30) with heap_profile enabled at
# PERIOD (default 512KiB): the main session and the tier's session are the
# same load on the same fixture in the same run. Printed per round and as
# medians:
#   - throughput: main requests/s, the tier's, heap_profile.throughput_ratio
#     (target >= 0.90);
#   - memory: the main run's peak and the tier run's (cgroup), and their
#     difference: what the sampler itself costs the service;
#   - accuracy: leak_per_request's bytes/request and interval against the
#     truth (glibc's chunk: 80 for 64), the sampled allocations behind it,
#     and whether the site is named with its file and line.
# Then (unless -V) Massif and Memcheck at the same load and duration on the
# same fixture, through bench/heap_profile_candidates.sh (wrk, interleaved
# with plain and the sampler): their throughput and CPU ratios beside the
# sampler's.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build="$root/build"
if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then
  build=$1
  shift
fi
rounds=3 dur=30 churn=20 period=512KiB leak=64 valgrind=1
while getopts "r:d:c:p:b:V" opt; do
  case $opt in
  r) rounds=$OPTARG ;;
  d) dur=$OPTARG ;;
  c) churn=$OPTARG ;;
  p) period=$OPTARG ;;
  b) leak=$OPTARG ;;
  V) valgrind=0 ;;
  *) sed -n '2,25p' "$0" >&2; exit 2 ;;
  esac
done
lg="$build/leakgate"
[ -x "$lg" ] || { echo "overhead: build first (ci/build.sh)" >&2; exit 4; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM
# glibc: a malloc of n bytes takes n + 8 rounded up to 16 (at least 32)
truth=$(python3 -c "n=$leak; print(max(32, (n + 8 + 15) // 16 * 16))")
cat >"$work/s.yaml" <<EOF
version: 1
name: heap-overhead
service:
  command: ["$build/tests/fixtures/leaky_http", --port, "{{port}}"]
  env: {LEAK_BYTES: "$leak", FX_CHURN: "$churn"}
container: {memory: 1GiB}
load:
  driver: http
  connections: 16
  url: "http://127.0.0.1:{{port}}/items/{{seq}}"
  phases:
    - {name: steady, duration: ${dur}s}
sampling: {interval: 100ms}
heap_profile: {enabled: true, period: $period}
EOF
echo "round,main_rps,tier_rps,ratio,main_peak,tier_peak,rate,lo,hi,samples,site" >"$work/rounds.csv"
for r in $(seq "$rounds"); do
  "$lg" run "$work/s.yaml" --out "$work/out.$r" --json "$work/r.$r.json" >/dev/null 2>&1 || true
  python3 - "$work/out.$r/result.json" "$r" >>"$work/rounds.csv" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1])); h = d["heap_profile"]
s = [x for x in h["growing_sites"] if x["function"] == "leak_per_request"]
s = s[0] if s else None
tier_rps = h["throughput_ratio"] * d["load"]["throughput_rps"] if h["throughput_ratio"] else None
site = f"{s['file'].rsplit('/', 1)[-1]}:{s['line']}" if s else "not found"
print(",".join(str(v) if v is not None else "" for v in [
    sys.argv[2], d["load"]["throughput_rps"], tier_rps, h["throughput_ratio"],
    d["container"]["peak_bytes"], h["peak_bytes"],
    s["bytes_per_request"] if s else None, s["ci"][0] if s else None,
    s["ci"][1] if s else None, s["samples"] if s else None, site]))
EOF
done
python3 - "$work/rounds.csv" "$dur" "$churn" "$period" "$truth" <<'EOF'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1])))
truth = float(sys.argv[5])
def med(k):
    v = [float(r[k]) for r in rows if r[k]]
    return statistics.median(v) if v else float("nan")
print(f"heap-profile tier: leaky_http (truth {truth:.0f} B/request), FX_CHURN={sys.argv[3]}, "
      f"16 connections, {sys.argv[2]} s, period {sys.argv[4]}, {len(rows)} runs")
print(f"{'run':>3} {'main req/s':>10} {'tier req/s':>10} {'ratio':>6} {'main peak':>9} "
      f"{'tier peak':>9} {'B/req':>7} {'CI':>15} {'x truth':>7} {'samples':>7} site")
for r in rows:
    f = lambda k, fmt, s=1: format(float(r[k]) / s, fmt) if r[k] else "-"
    rate = float(r["rate"]) if r["rate"] else None
    ci = f"{float(r['lo']):.0f}..{float(r['hi']):.0f}" if r["lo"] else "-"
    print(f"{r['round']:>3} {f('main_rps', '10.0f')} {f('tier_rps', '10.0f')} {f('ratio', '6.3f')} "
          f"{f('main_peak', '8.1f', 1048576)}M {f('tier_peak', '8.1f', 1048576)}M "
          f"{f('rate', '7.1f')} {ci:>15} {(rate / truth if rate else float('nan')):7.2f} "
          f"{r['samples'] or '-':>7} {r['site']}")
print(f"median: throughput ratio {med('ratio'):.3f} (target >= 0.90); "
      f"peak main {med('main_peak') / 1048576:.1f} MiB, tier {med('tier_peak') / 1048576:.1f} MiB "
      f"(+{(med('tier_peak') - med('main_peak')) / 1048576:.1f} MiB: the sampler's own and its leak's "
      f"share of a run at a different speed); bytes/request {med('rate'):.1f} "
      f"= {med('rate') / truth:.2f} x truth")
EOF
if [ "$valgrind" = 1 ]; then
  echo
  sh "$root/bench/heap_profile_candidates.sh" "$build" -r "$rounds" -d "$dur" -c "$churn" \
    -k sampler,massif,memcheck
fi
