#!/bin/sh
# A real Prometheus scrapes `leakgate run --metrics` (issue 19): Debian's
# prometheus, started here on a free loopback port with a generated config
# (250 ms scrape interval) and a temporary storage dir, under
# `setpriv --pdeathsig KILL` and an EXIT trap, so it never outlives this
# script, even when the script is killed. During the run, the endpoint is
# fetched with curl in both formats and checked by promtool (text 0.0.4)
# and prometheus_client's OpenMetrics parser. After the run, Prometheus's
# query_range answer for the memory and request series goes to
# `leakgate analyze`, which must give the run's verdict, and a slope close
# to the run's. Missing tools: skip (exit 77), or fail under
# LG_REQUIRE_PROMETHEUS=1 (CI).
. "$(dirname "$0")/lib.sh"

need() {
  if [ "${LG_REQUIRE_PROMETHEUS:-}" = 1 ]; then
    echo "FAIL: $1 (LG_REQUIRE_PROMETHEUS=1)" >&2
    exit 1
  fi
  echo "SKIP: $1"
  exit 77
}
command -v prometheus >/dev/null || need "prometheus is not installed"
command -v promtool >/dev/null || need "promtool is not installed"
command -v curl >/dev/null || need "curl is not installed"
/usr/bin/python3 -c 'import prometheus_client' 2>/dev/null ||
  need "python3-prometheus-client is not installed"

PROM_PID=""
stop_prometheus() {
  [ -n "$PROM_PID" ] || return 0
  kill "$PROM_PID" 2>/dev/null || true
  i=0
  while kill -0 "$PROM_PID" 2>/dev/null && [ $i -lt 100 ]; do
    sleep 0.1
    i=$((i + 1))
  done
  kill -9 "$PROM_PID" 2>/dev/null || true
  wait "$PROM_PID" 2>/dev/null || true
  PROM_PID=""
}
trap 'stop_prometheus; rm -rf "$WORK"' EXIT
trap 'exit 1' INT TERM

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
MPORT=$(free_port)
PPORT=$(free_port)
PROM="http://127.0.0.1:$PPORT"
cat >"$WORK/prometheus.yml" <<YML
global: {scrape_interval: 250ms, scrape_timeout: 200ms}
scrape_configs:
  - job_name: leakgate
    static_configs: [{targets: ["127.0.0.1:$MPORT"]}]
YML
(cd "$WORK" && exec setpriv --pdeathsig KILL prometheus \
  --config.file="$WORK/prometheus.yml" --storage.tsdb.path="$WORK/tsdb" \
  --web.listen-address="127.0.0.1:$PPORT" --log.level=warn) \
  >"$WORK/prometheus.log" 2>&1 &
PROM_PID=$!
i=0
until curl -sf "$PROM/-/ready" >/dev/null 2>&1; do
  i=$((i + 1))
  if [ $i -gt 300 ] || ! kill -0 "$PROM_PID" 2>/dev/null; then
    cat "$WORK/prometheus.log" >&2
    echo "FAIL: prometheus did not become ready" >&2
    exit 1
  fi
  sleep 0.1
done

# The non-loopback refusal comes before anything runs.
run_lg run "$(scenario prometheus)" --metrics 0.0.0.0:"$MPORT"
expect_code 2 "non-loopback --metrics without --metrics-remote"
grep -q "not a loopback address" "$WORK/stderr" || fail "refusal says why"

T0=$(date +%s)
sc=$(scenario prometheus)
set +e
"$LEAKGATE" run "$sc" --out "$WORK/run" --metrics 127.0.0.1:"$MPORT" \
  >"$WORK/run.stdout" 2>"$WORK/run.stderr" &
LG_PID=$!
set -e
URL="http://127.0.0.1:$MPORT/metrics"
# Once a running estimate is there, fetch both formats as a scraper would.
i=0
until curl -sf "$URL" 2>/dev/null | grep -q '^leakgate_slope_bytes_per_request{'; do
  i=$((i + 1))
  [ $i -lt 200 ] && kill -0 "$LG_PID" 2>/dev/null || break
  sleep 0.1
done
curl -sf -D "$WORK/text.h" "$URL" >"$WORK/text.prom" || fail "curl text"
curl -sf -D "$WORK/om.h" -H 'Accept: application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5' \
  "$URL" >"$WORK/om.prom" || fail "curl openmetrics"
grep -qi '^content-type: text/plain; version=0.0.4' "$WORK/text.h" || fail "text content type"
grep -qi '^content-type: application/openmetrics-text; version=1.0.0' "$WORK/om.h" || fail "openmetrics content type"
grep -q '^leakgate_slope_bytes_per_request{scenario="e2e-prometheus"}' "$WORK/text.prom" ||
  fail "no running slope during the run: $(cat "$WORK/text.prom")"
promtool check metrics <"$WORK/text.prom" >"$WORK/promtool.out" 2>&1 ||
  fail "promtool check metrics: $(cat "$WORK/promtool.out")"
/usr/bin/python3 -c 'import sys
from prometheus_client.openmetrics.parser import text_string_to_metric_families as p
print(len(list(p(open(sys.argv[1]).read()))))' "$WORK/om.prom" >"$WORK/om.out" 2>&1 ||
  fail "OpenMetrics parser: $(cat "$WORK/om.out")"
set +e
wait "$LG_PID"
code=$?
set -e
cp "$WORK/run.stdout" "$WORK/stdout"
cp "$WORK/run.stderr" "$WORK/stderr"
expect_code 1 "leaky run with --metrics"
T1=$(date +%s)
# The listener went away with the run.
curl -s -o /dev/null "$URL" 2>/dev/null && fail "endpoint still answers after the run"
# Let the last scrapes land in the TSDB.
sleep 1

q() {
  curl -sf "$PROM/api/v1/query_range" --data-urlencode "query=$1" \
    --data-urlencode "start=$((T0 - 5))" --data-urlencode "end=$((T1 + 1))" \
    --data-urlencode "step=0.25"
}
q '{__name__=~"leakgate_memory_bytes|leakgate_requests_total",metric=~"anon|"}' \
  >"$WORK/range.json" || fail "query_range"
n=$(jget "$WORK/range.json" "len(d['data']['result'])")
expect_eq "$n" 2 "series in Prometheus's answer (anon memory, requests)"
scrapes=$(curl -sf "$PROM/api/v1/query" --data-urlencode \
  'query=sum_over_time(up{job="leakgate"}[2m])' | python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(int(float(r[0]["value"][1])) if r else 0)')
total=$(curl -sf "$PROM/api/v1/query" --data-urlencode \
  'query=count_over_time(up{job="leakgate"}[2m])' | python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(int(float(r[0]["value"][1])) if r else 0)')
expect_range "$scrapes" 20 1000 "successful scrapes"

# Bytes per request from Prometheus's series, and per second.
run_lg analyze "$WORK/range.json" --x-series leakgate_requests_total --json "$WORK/prom-req.json"
expect_code 1 "analyze of Prometheus's series (x = requests)"
# x = seconds: no request column converts 16 B/request, so the container's
# limit does: 256 MiB / 24 h = 3107 B/s, far below the leak (64 B/request
# at 2000 requests/s).
run_lg analyze "$WORK/range.json" --metric anon --limit 256MiB --json "$WORK/prom-sec.json"
expect_code 1 "analyze of Prometheus's series (x = seconds)"
grep -q "tolerance 3106.89 B/s = the 256.0 MiB limit / 24.0 h" "$WORK/stderr" ||
  fail "analyze of Prometheus's series (x = seconds): tolerance not from --limit"

r="$WORK/run/result.json"
run_verdict=$(jget "$r" "d['analysis']['leak']")
run_slope=$(jget "$r" "d['analysis']['slope_bytes_per_request']")
pj="$WORK/prom-req.json"
prom_verdict=$(jget "$pj" "(d['results'][0] if 'results' in d else d)['analysis']['leak']")
prom_slope=$(jget "$pj" "(d['results'][0] if 'results' in d else d)['analysis']['slope_bytes_per_request']")
prom_name=$(jget "$pj" "(d['results'][0] if 'results' in d else d)['scenario']['name']")
sec_verdict=$(jget "$WORK/prom-sec.json" "(d['results'][0] if 'results' in d else d)['analysis']['leak']")
echo "run: $run_verdict, $run_slope B/req; Prometheus's series ($prom_name): $prom_verdict, $prom_slope B/req; per second: $sec_verdict; $scrapes of $total scrapes succeeded"
expect_eq "$run_verdict" leak "run verdict"
expect_eq "$prom_verdict" "$run_verdict" "verdict from Prometheus's series"
expect_eq "$sec_verdict" "$run_verdict" "verdict from Prometheus's series (seconds)"
case $prom_name in *'metric="anon"'*'scenario="e2e-prometheus"'*) ;; *) fail "series name '$prom_name'" ;; esac
python3 -c 'import sys; a, b = float(sys.argv[1]), float(sys.argv[2]); sys.exit(0 if abs(a - b) <= 0.15 * a else 1)' \
  "$run_slope" "$prom_slope" || fail "slope from Prometheus's series $prom_slope B/req, run $run_slope B/req (more than 15% apart)"

# Every query of the Grafana dashboard (ci/grafana/leakgate-soak.json)
# returns data from this Prometheus for this run, and its scenario variable
# lists the run (no Grafana here: docs/ci.md says what was checked).
python3 - "$SRC/ci/grafana/leakgate-soak.json" "$PROM" "$((T0 - 5))" "$((T1 + 1))" \
  >"$WORK/dashboard.out" 2>&1 <<'PY' || fail "dashboard queries: $(cat "$WORK/dashboard.out")"
import json, sys, urllib.parse, urllib.request
dash, prom, start, end = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
d = json.load(open(dash))
def get(path, params):
    url = prom + path + "?" + urllib.parse.urlencode(params, doseq=True)
    return json.load(urllib.request.urlopen(url, timeout=30))
values = get("/api/v1/label/scenario/values", {"match[]": "leakgate_memory_bytes"})["data"]
assert "e2e-prometheus" in values, f"scenario variable: {values}"
bad, n = [], 0
for p in d["panels"]:
    for t in p["targets"]:
        expr = t["expr"].replace("$scenario", "e2e-prometheus")
        r = get("/api/v1/query_range", {"query": expr, "start": start, "end": end, "step": "1"})
        n += 1
        if r["status"] != "success" or not any(s["values"] for s in r["data"]["result"]):
            bad.append(f"panel '{p['title']}': {expr}: {r.get('error') or 'no data'}")
print(f"{n} dashboard queries")
if bad:
    sys.exit("\n".join(bad))
PY
cat "$WORK/dashboard.out"

stop_prometheus
no_leftovers
finish
