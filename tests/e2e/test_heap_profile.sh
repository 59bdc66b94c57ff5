#!/bin/sh
# The heap-profile tier through `leakgate run` (issue 15): at full load it
# names the leaking function and file:line with bytes/request within 0.5-2x
# of the truth (glibc's chunk included: 64 B -> 80 B), for C (malloc) and
# C++ (new[] through a wrapper); a bounded cache has no growing site; two
# leaks are ranked by rate; snapshots open in Go's pprof and Debian's
# google-pprof with the leaking function first; a statically linked service
# is "cannot profile" (skipped, or exit 4 when required); on-suspicion
# skips a clean service; `leakgate analyze` names the growing site in the
# tier's own directory, in Go heap profiles and in gperftools heap profiles
# written by tcmalloc's HEAPPROFILE. About 90 s.
. "$(dirname "$0")/lib.sh"

# rate FILE I: bytes/request of growing site I
rate() { jget "$1" "d['heap_profile']['growing_sites'][$2]['bytes_per_request']"; }
site() { jget "$1" "d['heap_profile']['growing_sites'][$2]['function']"; }
line_of() { grep -n "$2" "$SRC/tests/fixtures/$1" | head -1 | cut -d: -f1; }

# --- C: malloc(64) per request in leak_per_request() ------------------------
run_lg run "$(scenario heap leaky SERVICE=leaky_http DUR=6s)" \
  --set heap_profile.period=64KiB --out "$WORK/leaky"
expect_code 1 "leaky service"
r="$WORK/leaky/result.json"
expect_eq "$(jget "$r" "d['heap_profile']['ran']")" true "heap_profile.ran"
expect_eq "$(jget "$r" "d['heap_profile']['tool']")" sampler "heap_profile.tool"
expect_eq "$(jget "$r" "d['heap_profile']['period_bytes']")" 65536 "period"
expect_eq "$(jget "$r" "d['heap_profile']['snapshots']")" 8 "snapshots"
expect_eq "$(site "$r" 0)" leak_per_request "C: growing site"
expect_eq "$(jget "$r" "d['heap_profile']['growing_sites'][0]['file'].endswith('tests/fixtures/leaky_http.c')")" \
  true "C: file"
expect_eq "$(jget "$r" "d['heap_profile']['growing_sites'][0]['line']")" \
  "$(line_of leaky_http.c 'char \*p = malloc(leak_bytes)')" "C: line"
expect_range "$(rate "$r" 0)" 40 160 "C: bytes/request (truth 80)"
expect_eq "$(jget "$r" "len(d['heap_profile']['growing_sites'])")" 1 "C: one growing site"
expect_eq "$(jget "$r" "[c['status'] for c in d['checks'] if c['name']=='heap_profile'][0]")" fail "heap_profile check"
expect_range "$(jget "$r" "d['heap_profile']['throughput_ratio']")" 0.05 20 "throughput ratio recorded"
python3 "$SRC/tests/unit/validate_json_schema.py" "$SRC/docs/result-schema.json" "$r" ||
  fail "result.json does not validate against docs/result-schema.json"
ls "$WORK/leaky/heap_profile/"snapshot.0[0-7].pb.gz >/dev/null 2>&1 || fail "no pprof snapshots"
# the snapshots open in pprof with the leaking function first
if command -v go >/dev/null 2>&1; then
  top=$(go tool pprof -top "$WORK/leaky/heap_profile/snapshot.07.pb.gz" 2>/dev/null |
    awk '/flat%/ { getline; print $6; exit }')
  expect_eq "$top" leak_per_request "go tool pprof -top: first function"
else
  skip_part "go tool pprof: go is not installed (golang-go)"
fi
if command -v google-pprof >/dev/null 2>&1; then
  top=$(google-pprof --text "$FIXTURES/leaky_http" "$WORK/leaky/heap_profile/snapshot.07.heap" 2>/dev/null |
    awk 'NR > 1 && /%/ { print $6; exit }')
  expect_eq "$top" leak_per_request "google-pprof --text: first function"
else
  skip_part "google-pprof --text: google-pprof is not installed (google-perftools)"
fi
no_leftovers

# the tier's directory fitted again by analyze (streams + progress.csv)
run_lg analyze "$WORK/leaky/heap_profile" --json "$WORK/leaky-again.json"
expect_code 1 "analyze the tier's directory"
expect_eq "$(site "$WORK/leaky-again.json" 0)" leak_per_request "analyze dir: site"
expect_range "$(rate "$WORK/leaky-again.json" 0)" 40 160 "analyze dir: bytes/request"

# --- C++: new[] (64 B) through new_record() from remember_request() --------
run_lg run "$(scenario heap cpp SERVICE=leaky_cpp_http DUR=5s)" \
  --set heap_profile.period=64KiB --out "$WORK/cpp"
expect_code 1 "leaky C++ service"
r="$WORK/cpp/result.json"
expect_eq "$(site "$r" 0)" "new_record(unsigned long)" "C++: growing site"
expect_eq "$(jget "$r" "d['heap_profile']['growing_sites'][0]['line']")" \
  "$(line_of leaky_cpp_http.cpp 'new unsigned char\[n\]')" "C++: line"
expect_eq "$(jget "$r" "d['heap_profile']['growing_sites'][0]['stack'][1]['function']")" \
  "remember_request()" "C++: the caller"
expect_range "$(rate "$r" 0)" 40 160 "C++: bytes/request (truth 80)"
no_leftovers

# --- a bounded cache: nothing grows -------------------------------------------
run_lg run "$(scenario heap cache SERVICE=cache_http DUR=4s)" \
  --set heap_profile.period=64KiB --out "$WORK/cache"
expect_code 0 "bounded cache"
r="$WORK/cache/result.json"
expect_eq "$(jget "$r" "d['heap_profile']['ran']")" true "cache: ran"
expect_eq "$(jget "$r" "len(d['heap_profile']['growing_sites'])")" 0 "cache: no growing site"
expect_eq "$(jget "$r" "[c['status'] for c in d['checks'] if c['name']=='heap_profile'][0]")" pass "cache: check"
no_leftovers

# --- two leaks: 272 B/request (leak_fast) ranked above 32 B/request ---------
run_lg run "$(scenario heap two SERVICE=two_leaks_http DUR=6s)" \
  --set heap_profile.period=16KiB --out "$WORK/two"
expect_code 1 "two leaks"
r="$WORK/two/result.json"
expect_eq "$(site "$r" 0)" leak_fast "two: first site"
expect_eq "$(site "$r" 1)" leak_slow "two: second site"
expect_range "$(rate "$r" 0)" 136 544 "two: leak_fast bytes/request (truth 272)"
expect_range "$(rate "$r" 1)" 16 64 "two: leak_slow bytes/request (truth 32)"
no_leftovers

# --- a statically linked service cannot be profiled ---------------------------
if [ -x "$FIXTURES/static_http" ]; then
  run_lg run "$(scenario heap static SERVICE=static_http DUR=2s)" --out "$WORK/static"
  expect_code 0 "static service, heap profile not required"
  r="$WORK/static/result.json"
  expect_eq "$(jget "$r" "d['heap_profile']['ran']")" false "static: not run"
  jget "$r" "d['heap_profile']['note']" | grep -q "cannot profile this service: .*statically linked" ||
    fail "static: no 'cannot profile' note"
  expect_eq "$(jget "$r" "[c['status'] for c in d['checks'] if c['name']=='heap_profile'][0]")" skipped "static: check"
  run_lg run "$(scenario heap static-req SERVICE=static_http DUR=2s)" \
    --set heap_profile.required=true --out "$WORK/static-req"
  expect_code 4 "static service, heap profile required"
  grep -q "cannot profile this service" "$WORK/stdout" || fail "static-req: message not shown"
  no_leftovers
else
  skip_part "a statically linked service: no static libc, static_http not built (libc6-dev)"
fi

# --- on-suspicion: a clean service is not profiled ---------------------------
run_lg run "$(scenario heap clean SERVICE=clean_http DUR=3s)" \
  --set heap_profile.mode=on-suspicion --out "$WORK/clean"
expect_code 0 "clean service, on-suspicion"
r="$WORK/clean/result.json"
expect_eq "$(jget "$r" "d['heap_profile']['ran']")" false "clean: not run"
jget "$r" "d['heap_profile']['note']" | grep -q "on-suspicion" || fail "clean: no note on why it was skipped"
[ ! -d "$WORK/clean/heap_profile" ] || fail "a heap-profile run happened anyway"
no_leftovers

# --- analyze: heap profiles a service wrote itself ----------------------------
# Go (tests/data/pprof/heap_seq.go): 100 x 16 x 4096 B kept per profile.
run_lg analyze "$SRC"/tests/data/pprof/go_seq.*.pb.gz --json "$WORK/go.json"
expect_code 1 "Go heap profiles"
expect_eq "$(site "$WORK/go.json" 0)" main.leakyCache "Go: growing site"
expect_eq "$(jget "$WORK/go.json" "d['heap_profile']['x']")" allocated "Go: default x"
run_lg analyze "$SRC"/tests/data/pprof/go_seq.*.pb.gz \
  --x-values 100,200,300,400,500,600,700,800,900,1000 --json "$WORK/go-req.json"
expect_code 1 "Go heap profiles per request"
expect_range "$(rate "$WORK/go-req.json" 0)" 32768 131072 "Go: bytes/request (truth 65536)"
# gperftools: tcmalloc's heap profiler dumps every 256 KiB allocated
TCMALLOC=/usr/lib/x86_64-linux-gnu/libtcmalloc.so.4
if [ -r "$TCMALLOC" ] && command -v wrk >/dev/null 2>&1; then
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  mkdir -p "$WORK/gperf"
  (cd "$WORK" && HEAPPROFILE="$WORK/gperf/hp" HEAP_PROFILE_ALLOCATION_INTERVAL=262144 \
    LD_PRELOAD="$TCMALLOC" exec "$FIXTURES/leaky_http" --port "$port" >"$WORK/gperf/svc.log" 2>&1) &
  svc=$!
  for _ in $(seq 50); do
    python3 -c "import socket,sys; socket.create_connection(('127.0.0.1', $port), 1)" 2>/dev/null && break
    sleep 0.1
  done
  wrk -t1 -c8 -d3s "http://127.0.0.1:$port/" >/dev/null
  kill "$svc"
  wait "$svc" || true
  run_lg analyze "$WORK"/gperf/hp.*.heap --json "$WORK/gperf.json"
  expect_code 1 "gperftools heap profiles"
  expect_eq "$(jget "$WORK/gperf.json" "d['heap_profile']['tool']")" gperftools "gperftools: tool"
  expect_eq "$(site "$WORK/gperf.json" 0)" leak_per_request "gperftools: growing site"
  expect_eq "$(jget "$WORK/gperf.json" "len(d['heap_profile']['growing_sites'])")" 1 "gperftools: one site"
else
  skip_part "gperftools heap profiles: libtcmalloc (google-perftools) or wrk is not installed"
fi
no_leftovers
finish
