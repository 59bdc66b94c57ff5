#!/bin/sh
# Issue #12, Go: the fixture's leaks fail with slopes near their payload,
# judged on the live heap of GODEBUG=gctrace=1 (every Go cycle marks the
# whole heap); the goroutine leak fails; a clean service passes. Then what
# the run wrote: gc.csv, the GC columns of samples.csv, the runtime
# section (detected from the ELF's build information, with its version),
# the heap profiles' stack at the leaking line, the goroutine series, and
# the service's own output complete beside the trace. The whole matrix is
# bench/runtime_matrix.sh.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/e2e/runtime_cells.sh"
rt_need go

rt_table_header
rt_cells 25s "$WORK" go/leak256 go/leak64 go/goroutines go/clean ||
  fail "a Go cell was judged wrong (table above)"

d=$WORK/go-leak256-25s
r=$d/result.json
expect_eq "$(jget "$r" "d['runtime']['name']")" go "runtime.name"
expect_eq "$(jget "$r" "d['runtime']['detected_from']")" elf "runtime.detected_from"
jget "$r" "d['runtime']['version']" | grep -q '^go1\.' || fail "runtime.version is not a Go version"
expect_eq "$(jget "$r" "d['runtime']['gc_report']")" "GODEBUG = gctrace=1" "runtime.gc_report"
expect_eq "$(jget "$r" "d['runtime']['gc']['malformed_lines']")" 0 "malformed GC lines"
expect_eq "$(jget "$r" "d['analysis']['metric']")" heap_live_bytes "the series judged"
expect_range "$(jget "$r" "d['runtime']['gc']['collections']")" 10 1000000 "collections"
head -1 "$d/gc.csv" | grep -q '^t_s,requests,pid,kind,full,' || fail "gc.csv header"
[ "$(awk -F, 'NR > 1' "$d/gc.csv" | wc -l)" -eq "$(jget "$r" "d['runtime']['gc']['collections']")" ] ||
  fail "gc.csv rows differ from runtime.gc.collections"
rows=$(awk -F, 'NR > 1 && $10 != "" && $11 != "" { n++ } END { print n + 0 }' "$d/samples.csv")
expect_range "$rows" 50 100000 "samples.csv rows with heap_live_bytes and gc_count"
# Attribution (item 5): the heap profiles name the fixture's leaking line
# (main.go:56, make([]byte, leakBytes)) near its payload per request.
expect_range "$(jget "$r" "max([s['bytes_per_request'] for s in d['runtime']['growing'] if s['kind'] == 'stack' and s['file'].endswith('runtimes/go/main.go') and s['line'] == 56] or [0])")" \
  128 1536 "B/request of the stack at main.go:56"
# The goroutine leak: its count as a series, first to last.
r=$WORK/go-goroutines-25s/result.json
expect_range "$(jget "$r" "len(d['runtime']['goroutines']['series']['y'])")" 20 400 "goroutine series points"
expect_eq "$(jget "$r" "d['runtime']['goroutines']['series']['y'][-1] == d['runtime']['goroutines']['last']")" true \
  "the series ends at the last count"
expect_range "$(jget "$r" "d['runtime']['goroutines']['per_request']")" 0.03 0.13 "goroutines per request (one per 16 requests)"
r=$d/result.json
grep -q "^listening on" "$d/service.stdout.log" || fail "the service's own stdout line is missing"
grep -q "^gc [0-9]* @" "$d/service.stderr.log" || fail "the GC trace is not in the service's stderr log"
no_leftovers
finish
