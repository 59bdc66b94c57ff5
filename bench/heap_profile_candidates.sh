#!/bin/sh
# bench/heap_profile_candidates.sh - the measured choice of the heap-profile
# tier's profiler (issue 15, docs/heap-profile.md "Choosing the profiler").
#
# Usage: bench/heap_profile_candidates.sh [BUILD_DIR] [-r ROUNDS] [-d SECONDS]
#        [-c CHURN] [-o CSV] [-k NAME,NAME,...] [-f FIXTURE]
# The leaky fixture server (64 B leaked per request in leak_per_request(),
# plus CHURN short-lived allocations per request, default 20, as a real
# request handler does) pinned to CPU 0, wrk -t1 -c16 on CPU 1 (no pinning
# on a 1-CPU machine), one wrk run of SECONDS (default 5) per candidate per
# round, the candidates interleaved in every round (ROUNDS, default 3), so
# the neighbours' noise hits all of them alike:
#   plain              the service alone (the reference of its round)
#   sampler            leakgate's heap sampler, period 512 KiB (the tier's)
#   sampler-64k        the same at period 64 KiB
#   sampler-unw        the same unwinding with libunwind (bench build)
#   sampler-fp         the same walking frame pointers (bench build)
#   jemalloc           libjemalloc2 preloaded: the allocator swap alone
#   jemalloc-prof      jemalloc with prof:true,lg_prof_sample:19 (512 KiB)
#   tcmalloc           libtcmalloc preloaded: the allocator swap alone
#   tcmalloc-heapprof  gperftools' HEAPPROFILE (records every allocation)
#   heaptrack          heaptrack (LD_PRELOAD, every allocation, a pipe out)
#   massif, memcheck   Valgrind at the same load, for scale
# Prints per candidate the median requests/s and its ratio to plain of the
# same round, the median CPU time the service used per request and its
# ratio to plain (steadier than throughput on a shared machine: another
# job's load lengthens the run, not the CPU a request takes), the service's
# RSS at the end, and the median stack depth of the samples (sampler
# variants). Accuracy is bench/heap_profile_overhead.sh's (the tier's own
# runs, against requests). Other work on the machine shows up as noise: run
# it more than once. -o writes every measurement as CSV; -k runs only the
# candidates named (plain always runs: it is the reference). -f runs another
# fixture server of tests/fixtures instead of leaky_http (cache_http,
# two_leaks_http, leaky_cpp_http).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build="$root/build"
if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then
  build=$1
  shift
fi
rounds=3 dur=5 churn=20 csv="" keep="" fixture=leaky_http
while getopts "r:d:c:o:k:f:" opt; do
  case $opt in
  r) rounds=$OPTARG ;;
  d) dur=$OPTARG ;;
  c) churn=$OPTARG ;;
  o) csv=$OPTARG ;;
  k) keep=",$OPTARG,plain," ;;
  f) fixture=$OPTARG ;;
  *) sed -n '2,35p' "$0" >&2; exit 2 ;;
  esac
done
for t in wrk python3; do
  command -v $t >/dev/null 2>&1 || { echo "candidates: $t is not installed" >&2; exit 4; }
done
srv="$build/tests/fixtures/$fixture"
lib="$build/libleakgate-heapsampler.so"
[ -x "$srv" ] && [ -r "$lib" ] || { echo "candidates: build first (ci/build.sh)" >&2; exit 4; }
multi=/usr/lib/x86_64-linux-gnu
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM
out="$work/raw.csv"
echo "round,candidate,rps,rss_kb,depth,cpu_us_per_req" >"$out"
if [ "$(nproc)" -ge 2 ]; then srv_cpu="taskset -c 0" load_cpu="taskset -c 1"; else srv_cpu="" load_cpu=""; fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# The process tree below pid (pid first), one per line.
tree() {
  echo "$1"
  for c in $(pgrep -P "$1" || true); do tree "$c"; done
}

# user + system CPU seconds the processes given have used so far.
cpu_of() {
  python3 -c '
import os, sys
hz, total = os.sysconf("SC_CLK_TCK"), 0
for p in sys.argv[1:]:
    try:
        f = open("/proc/%s/stat" % p).read().rsplit(")", 1)[1].split()
        total += int(f[11]) + int(f[12])
    except OSError:
        pass
print(total / hz)' "$@"
}

# Median frames per stack of the sampler's streams in dir.
sampler_depth() {
  python3 -c '
import glob, struct, sys, statistics
depths = []
for f in glob.glob(sys.argv[1] + "/heapprof.*.lghs"):
    b = open(f, "rb").read(); o = 32
    while o + 8 <= len(b):
        n = struct.unpack("<I", b[o + 4:o + 8])[0]
        if b[o] == ord("S"):
            depths.append(struct.unpack("<I", b[o + 12:o + 16])[0])
        o += 8 + n
print(statistics.median(depths) if depths else "")' "$1"
}

# run_one ROUND NAME [VAR=VALUE... | WRAPPER ARGS...]: start, load, stop
run_one() {
  round=$1 name=$2
  shift 2
  case $keep in "" | *",$name,"*) ;; *) return 0 ;; esac
  port=$(free_port)
  dir="$work/$name.$round"
  mkdir -p "$dir"
  # shellcheck disable=SC2086
  (cd "$dir" && exec $srv_cpu env FX_CHURN="$churn" "$@" "$srv" --port "$port" \
    >"$dir/svc.log" 2>&1) &
  pid=$!
  i=0
  until python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 1)" 2>/dev/null; do
    i=$((i + 1)); [ $i -lt 600 ] || break; sleep 0.1
  done
  procs=$(tree "$pid")
  c0=$(cpu_of $procs)
  # shellcheck disable=SC2086
  $load_cpu wrk -t1 -c16 -d"${dur}s" "http://127.0.0.1:$port/" >"$dir/wrk.txt" 2>&1 || true
  c1=$(cpu_of $procs)
  rps=$(awk '/Requests\/sec/ { print $2 }' "$dir/wrk.txt")
  reqs=$(awk '/requests in/ { print $1 }' "$dir/wrk.txt")
  # the service: the process running the fixture (valgrind runs it inside
  # itself; heaptrack as a child)
  svc=$pid
  for p in $procs; do
    case $(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null) in
    *valgrind* | *"$fixture"*) svc=$p ;;
    esac
  done
  rss=$(awk '/VmRSS/ { print $2 }' "/proc/$svc/status" 2>/dev/null || echo "")
  cpu=$(python3 -c "print(($c1 - $c0) / $reqs * 1e6)" 2>/dev/null || echo "")
  kill -TERM "$svc" 2>/dev/null || true
  # heaptrack interprets what it recorded after the service ends: bounded
  i=0
  while kill -0 "$pid" 2>/dev/null && [ $i -lt 600 ]; do i=$((i + 1)); sleep 0.1; done
  for p in $(tree "$pid"); do kill -KILL "$p" 2>/dev/null || true; done
  wait "$pid" 2>/dev/null || true
  depth=""
  case $name in sampler*) depth=$(sampler_depth "$dir") ;; esac
  echo "$round,$name,${rps:-},${rss:-},$depth,${cpu:-}" >>"$out"
}

for r in $(seq "$rounds"); do
  run_one "$r" plain
  run_one "$r" sampler LD_PRELOAD="$lib" LG_HEAPPROF_DIR="$work/sampler.$r"
  run_one "$r" sampler-64k LD_PRELOAD="$lib" LG_HEAPPROF_DIR="$work/sampler-64k.$r" LG_HEAPPROF_PERIOD=65536
  [ ! -r "$build/bench/libleakgate-heapsampler-libunwind.so" ] ||
    run_one "$r" sampler-unw LD_PRELOAD="$build/bench/libleakgate-heapsampler-libunwind.so" LG_HEAPPROF_DIR="$work/sampler-unw.$r"
  [ ! -r "$build/bench/libleakgate-heapsampler-framepointer.so" ] ||
    run_one "$r" sampler-fp LD_PRELOAD="$build/bench/libleakgate-heapsampler-framepointer.so" LG_HEAPPROF_DIR="$work/sampler-fp.$r"
  if [ -r "$multi/libjemalloc.so.2" ]; then
    run_one "$r" jemalloc LD_PRELOAD="$multi/libjemalloc.so.2"
    run_one "$r" jemalloc-prof LD_PRELOAD="$multi/libjemalloc.so.2" \
      MALLOC_CONF="prof:true,lg_prof_sample:19,prof_prefix:$work/jemalloc-prof.$r/jeprof"
  fi
  if [ -r "$multi/libtcmalloc.so.4" ]; then
    run_one "$r" tcmalloc LD_PRELOAD="$multi/libtcmalloc.so.4"
    run_one "$r" tcmalloc-heapprof LD_PRELOAD="$multi/libtcmalloc.so.4" HEAPPROFILE="$work/tcmalloc-heapprof.$r/hp"
  fi
  ! command -v heaptrack >/dev/null 2>&1 ||
    run_one "$r" heaptrack heaptrack -o "$work/heaptrack.$r/ht"
  if command -v valgrind >/dev/null 2>&1; then
    run_one "$r" massif valgrind --tool=massif --massif-out-file="$work/massif.$r/m.out"
    run_one "$r" memcheck valgrind --tool=memcheck --leak-check=no
  fi
done
[ -z "$csv" ] || cp "$out" "$csv"
python3 - "$out" "$dur" "$churn" "$fixture" <<'EOF'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1])))
ref = {r["round"]: r for r in rows if r["candidate"] == "plain" and r["rps"]}
order = []
for r in rows:
    if r["candidate"] not in order:
        order.append(r["candidate"])
def med(v):
    v = [float(x) for x in v if x not in ("", None)]
    return statistics.median(v) if v else None
def ratio(rs, key, inverse=False):
    v = []
    for r in rs:
        p = ref.get(r["round"])
        if p and r[key] and p[key] and float(r[key]) > 0 and float(p[key]) > 0:
            a, b = float(r[key]), float(p[key])
            v.append(b / a if inverse else a / b)
    return statistics.median(v) if v else None
f = lambda v, fmt: format(v, fmt) if v is not None else "-"
print(f"heap profiler candidates: {sys.argv[4]}, FX_CHURN={sys.argv[3]}, wrk -t1 -c16, "
      f"{sys.argv[2]} s x {len(ref)} rounds; medians, ratios to plain in the same round")
print(f"{'candidate':18} {'req/s':>8} {'ratio':>6} {'CPU us/req':>10} {'CPU ratio':>9} {'RSS MiB':>8} {'depth':>6}")
for c in order:
    rs = [r for r in rows if r["candidate"] == c]
    rss = med(r["rss_kb"] for r in rs)
    print(f"{c:18} {f(med(r['rps'] for r in rs), '8.0f')} {f(ratio(rs, 'rps'), '6.3f')} "
          f"{f(med(r['cpu_us_per_req'] for r in rs), '10.2f')} "
          f"{f(ratio(rs, 'cpu_us_per_req', True), '9.3f')} "
          f"{f(rss / 1024 if rss else None, '8.1f')} {f(med(r['depth'] for r in rs), '6.0f')}")
print("CPU ratio: plain's CPU per request over the candidate's (1 = no cost, 0.5 = twice the CPU)")
EOF
