# tests/e2e/runtime_cells.sh - the managed-runtime fixture cells (issue #12),
# sourced by tests/e2e/test_runtime_*.sh (the CI subset) and
# bench/runtime_matrix.sh (the whole matrix): what each cell runs, what it
# must be judged, and one table row per run.
# Needs SRC (source tree) and BIN (build tree) set by the caller.

RT_ALL_CELLS="go/clean go/cache go/churn go/leak256 go/leak64 go/goroutines
jvm/clean jvm/cache jvm/churn jvm/leak256 jvm/leak64 jvm/ceiling jvm/oom
node/clean node/cache node/churn node/leak256 node/leak64
python/clean python/cache python/churn python/leak256 python/leak64"

# rt_have RUNTIME: 0 when its toolchain and fixture are here.
rt_have() {
  case $1 in
  go) [ -x "$BIN/tests/fixtures/runtimes/go/fixture" ] ;;
  jvm) command -v java >/dev/null 2>&1 && [ -f "$BIN/tests/fixtures/runtimes/jvm/Fixture.class" ] ;;
  node) command -v node >/dev/null 2>&1 ;;
  python) [ -x /usr/bin/python3 ] || command -v python3 >/dev/null 2>&1 ;;
  *) return 1 ;;
  esac
}

# rt_need RUNTIME...: exit 77 (skipped, reason printed) when one is missing,
# or fail when the environment demands them (LG_REQUIRE_RUNTIMES=1, as
# .ci/run sets it).
rt_need() {
  for r in "$@"; do
    rt_have "$r" && continue
    if [ "${LG_REQUIRE_RUNTIMES:-0}" = 1 ]; then
      echo "FAIL: runtime $r is required (LG_REQUIRE_RUNTIMES=1) but missing (ci/install-deps.sh installs golang-go, openjdk-17-jdk-headless, nodejs)" >&2
      exit 1
    fi
    echo "SKIP: runtime $r missing (ci/install-deps.sh installs it)" >&2
    exit 77
  done
}

rt_python() { [ -x /usr/bin/python3 ] && echo /usr/bin/python3 || command -v python3; }

# rt_scenario CELL STEADY FILE: write the cell's scenario to FILE (its
# directory is the service's cwd).
rt_scenario() {
  rt=${1%%/*} mode=${1#*/} steady=$2 file=$3
  leak=0 env="" svc="" fmode=$mode
  case $mode in
  leak256) fmode=leak leak=256 ;;
  leak64) fmode=leak leak=64 ;;
  ceiling) fmode=leak leak=1024 ;;
  oom) leak=4096 ;;
  esac
  case $rt in
  go)
    cmd="[\"$BIN/tests/fixtures/runtimes/go/fixture\"]"
    svc="\\n  pprof: \"http://127.0.0.1:{{port}}/debug/pprof/\"" ;;
  jvm)
    # The ceiling: a heap small enough for the leak to fill within the
    # run; oom: smaller still, so the OutOfMemoryError comes early.
    xmx=""
    [ "$mode" = ceiling ] && xmx="-Xmx64m, "
    [ "$mode" = oom ] && xmx="-Xmx32m, "
    cmd="[java, $xmx-cp, \"$BIN/tests/fixtures/runtimes/jvm\", Fixture]" ;;
  node) cmd="[node, \"$SRC/tests/fixtures/runtimes/node/server.js\"]" ;;
  python) cmd="[\"$(rt_python)\", \"$SRC/tests/fixtures/runtimes/python/server.py\"]" ;;
  esac
  sed -e "s|@CMD@|$cmd|" -e "s|@MODE@|$fmode|" -e "s|@LEAK@|$leak|" \
    -e "s|@STEADY@|$steady|" -e "s|@ENV@|$env|" -e "s|@SVC@|$svc|" \
    -e "s|@NAME@|$rt-$mode|" "$SRC/tests/e2e/scenarios/runtime.yaml.in" >"$file"
}

rt_table_header() {
  printf '%-7s %-10s %-6s %4s %-12s %-12s %9s  %-22s %-9s %-40s %5s\n' runtime mode steady exit verdict leak slope "98% CI" judged "failing checks" time
}

# rt_cell CELL STEADY OUTROOT: run the cell (scenario OUTROOT/NAME.yaml,
# out dir OUTROOT/NAME), print its row; 0 when it was judged as it must be,
# 1 when not, 77 when its runtime is missing.
rt_cell() {
  cell=$1 steady=$2 root=$3
  rt=${cell%%/*} mode=${cell#*/}
  dir=$root/$rt-$mode-$steady
  if ! rt_have "$rt"; then
    printf '%-7s %-10s %-6s missing\n' "$rt" "$mode" "$steady"
    return 77
  fi
  rm -rf "$dir"
  mkdir -p "$dir"
  rt_scenario "$cell" "$steady" "$dir.yaml"
  t0=$(date +%s)
  set +e
  "$BIN/leakgate" run "$dir.yaml" --out "$dir" >"$dir/stdout" 2>"$dir/stderr"
  code=$?
  set -e
  secs=$(($(date +%s) - t0))
  python3 - "$dir/result.json" "$mode" "$code" "$secs" "$rt" "$steady" <<'PY'
import json, sys
path, mode, code, secs, rt, steady = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5], sys.argv[6]
try:
    d = json.load(open(path))
except Exception as e:
    print(f"{rt:7} {mode:10} {steady:6} {code:4} no result.json: {e}")
    sys.exit(1)
a = d.get("analysis") or {}
slope = a.get("slope_bytes_per_request")
ci = a.get("slope_ci") or [None, None]
fmt = lambda v: "-" if v is None else (f"{v:.0f}" if abs(v) >= 10 else f"{v:.2g}")
failing = [c["name"] for c in d.get("checks", []) if c["status"] in ("fail", "error", "inconclusive")]
checks = {c["name"]: c["status"] for c in d.get("checks", [])}
ok, why = True, ""
if mode in ("clean", "cache", "churn"):
    ok = code == 0 and d.get("verdict") == "pass"
    why = "must pass"
elif mode.startswith("leak"):
    n = int(mode[4:])
    ok = code == 1 and a.get("leak") == "leak" and slope is not None and 0.5 * n <= slope <= 6 * n
    why = f"must fail with a leak of {0.5*n:g}..{6*n:g} B/req"
elif mode == "goroutines":
    ok = code == 1
    why = "must fail"
elif mode == "ceiling":
    ok = code == 1
    why = "must fail, never exit 0"
elif mode == "oom":
    ok = code == 1 and checks.get("runtime-oom") == "fail"
    why = "must fail on runtime-oom"
print(f"{rt:7} {mode:10} {steady:6} {code:4} {d.get('verdict',''):12} {a.get('leak') or '-':12} {fmt(slope):>9}  "
      f"[{fmt(ci[0])}, {fmt(ci[1])}]".ljust(24) + f" {(a.get('metric') or '-').replace('_bytes',''):9} "
      f"{','.join(failing) or '-':40} {secs:>4}s" + ("" if ok else f"  WRONG ({why})"))
sys.exit(0 if ok else 1)
PY
}

# rt_cells STEADY OUTROOT CELL...: run the cells two at a time (the CI
# budget; verdicts are per request, so sharing the CPU moves only run
# times), rows in order; 0 when all were judged right, else 1.
rt_cells() {
  steady=$1 root=$2
  shift 2
  bad=0
  while [ $# -gt 0 ]; do
    a=$1 b=${2:-}
    shift
    [ -n "$b" ] && shift
    rt_cell "$a" "$steady" "$root" >"$root/.row-a" 2>&1 &
    pa=$!
    pb=""
    if [ -n "$b" ]; then
      rt_cell "$b" "$steady" "$root" >"$root/.row-b" 2>&1 &
      pb=$!
    fi
    wait "$pa" || bad=1
    cat "$root/.row-a"
    if [ -n "$pb" ]; then
      wait "$pb" || bad=1
      cat "$root/.row-b"
    fi
  done
  return $bad
}
