#!/bin/sh
# Numbers that mislead (issue 16 item 5), on real runs:
#  - an OOM kill: no "time to limit 21 ms" projection (the limit was
#    reached; time_to_limit_seconds null), and the crash check does not
#    claim leakgate stopped a service the OOM killer ended;
#  - every request answered 404 (python3 -m http.server on an empty
#    directory): the axis falls back to seconds and the tolerance is per
#    second, 16 B/request times the attempted requests per second, said so;
#  - analyze --x seconds: the default tolerance becomes per second through
#    the file's request rate, and a file without requests needs --tolerance;
#  - every interval is labelled by its two-sided level (98% CI at 0.99).
. "$(dirname "$0")/lib.sh"

run_lg run "$(scenario oom numbers-oom)" --out "$WORK/oom"
expect_code 1 "an OOM kill"
r="$WORK/oom/result.json"
expect_eq "$(jget "$r" "d['analysis']['time_to_limit_seconds']")" null "time_to_limit_seconds after the kill"
expect_eq "$(jget "$r" "[c['message'] for c in d['checks'] if c['name']=='time-to-limit'][0]")" \
  "the service reached the 64.0 MiB limit within the run (OOM kill): nothing to project" "time-to-limit check"
jget "$r" "[c['message'] for c in d['checks'] if c['name']=='crash'][0]" | grep -qv "stopped by leakgate" ||
  fail "the crash check says leakgate stopped an OOM-killed service"
grep -q "^  time to limit  -     reached the 64.0 MiB limit within the run (OOM kill)$" "$WORK/stdout" ||
  fail "the summary projects a time to limit after the OOM kill"
if grep -q "99% CI" "$WORK/stdout" "$r"; then fail "a 98% two-sided interval called a 99% CI"; fi
no_leftovers

# Every request 404: no request completes, the x-axis is time.
mkdir -p "$WORK/empty"
cat >"$WORK/all404.yaml" <<YAML
version: 1
name: numbers-all404
service:
  command: [python3, -m, http.server, --bind, 127.0.0.1, "{{port}}"]
  cwd: $WORK/empty
  ready: {tcp: "127.0.0.1:{{port}}", timeout: 10s}
container: {memory: 256MiB}
load:
  driver: http
  connections: 2
  url: "http://127.0.0.1:{{port}}/f{{seq}}.txt"
  phases:
    - {name: steady, duration: 3s}
sampling: {interval: 50ms}
YAML
run_lg run "$WORK/all404.yaml" --out "$WORK/all404"
expect_code 4 "every request failed"
r="$WORK/all404/result.json"
expect_eq "$(jget "$r" "d['analysis']['x']")" seconds "the x-axis"
# 16 B/request x (attempted requests / load seconds), within rounding
want=$(jget "$r" "16 * d['load']['errors'] / d['load']['duration_s']")
expect_range "$(jget "$r" "d['analysis']['tolerance_bytes_per_request']")" \
  "$(python3 -c "print($want * 0.99)")" "$(python3 -c "print($want * 1.01)")" "per-second tolerance"
jget "$r" "d['reasons']" | grep -q "judged per second (no request completed); tolerance per second: 16.0 B/request x" ||
  fail "the analysis does not say how the per-second tolerance was derived"
grep -q "tolerance 16.0 B/s" "$WORK/stdout" && fail "a per-request tolerance read as bytes per second"
grep -q " s/s" "$WORK/stdout" && fail "a time-to-limit 'at 1.00 s/s'"
no_leftovers

# analyze on a time axis.
printf 't_s,anon_bytes\n' >"$WORK/norequests.csv"
i=0
while [ $i -lt 40 ]; do echo "$i,$((4096000 + i * 100))" >>"$WORK/norequests.csv"; i=$((i + 1)); done
run_lg analyze "$WORK/norequests.csv"
expect_code 2 "a time axis without requests and without --tolerance"
grep -q "give --tolerance BYTES" "$WORK/stderr" || fail "the message does not ask for --tolerance"
run_lg analyze "$WORK/norequests.csv" --tolerance 1KiB
expect_code 0 "100 B/s under a 1 KiB/s tolerance"
grep -q "(98% CI 100 to 100), tolerance 1024 B/s" "$WORK/stdout" || fail "analyze: the interval level or tolerance"
# With a requests column, read per second: 16 B/request x the file's rate
# (1000 requests/s here) = 16000 B/s.
printf 't_s,requests,anon_bytes\n' >"$WORK/requests.csv"
i=0
while [ $i -lt 40 ]; do echo "$i,$((i * 1000)),$((4096000 + i * 4096))" >>"$WORK/requests.csv"; i=$((i + 1)); done
run_lg analyze "$WORK/requests.csv" --x seconds
grep -q "tolerance 16000 B/s = 16 B/request x 1000 requests/s" "$WORK/stderr" ||
  fail "analyze --x seconds does not derive its tolerance from the request rate"
expect_code 0 "4 KiB/s under 16000 B/s"
no_leftovers
finish
