#!/bin/sh
# Issue #12, JVM: leaks of 256 and 64 B/request fail; a heap ceiling the
# leak fills fails (never exit 0: the issue's JVM passed with a flat RSS);
# a JVM that catches OutOfMemoryError and keeps serving 500s fails on
# runtime-oom; the class histogram names the kept byte arrays; a bounded
# cache passes (its heap after young collections grows with garbage that
# full collections free). Then a wrapper script
# that execs java: the runtime is found among its processes and the GC log
# comes through JDK_JAVA_OPTIONS. The 90 s ceiling and the rest of the
# matrix are bench/runtime_matrix.sh.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/e2e/runtime_cells.sh"
rt_need jvm

rt_table_header
rt_cells 25s "$WORK" jvm/leak256 jvm/leak64 jvm/ceiling jvm/oom jvm/cache ||
  fail "a JVM cell was judged wrong (table above)"

r=$WORK/jvm-leak256-25s/result.json
expect_eq "$(jget "$r" "d['runtime']['name']")" jvm "runtime.name"
expect_eq "$(jget "$r" "d['runtime']['detected_from']")" command "runtime.detected_from"
jget "$r" "d['runtime']['gc_report']" | grep -q '^JAVA_TOOL_OPTIONS = -Xlog:gc,gc+init:file=' ||
  fail "JAVA_TOOL_OPTIONS was not set"
expect_range "$(jget "$r" "d['runtime']['gc']['heap_max_bytes']")" 1e6 1.1e9 "the heap ceiling from gc+init"
expect_eq "$(jget "$r" "d['runtime']['gc']['malformed_lines']")" 0 "malformed GC lines"
# The memory series stays reported beside the heap (it decides nothing).
expect_eq "$(jget "$r" "d['runtime']['memory']['metric']")" anon_bytes "runtime.memory.metric"
expect_eq "$(jget "$r" "d['runtime']['memory']['x']")" requests "runtime.memory.x"
ls "$WORK"/jvm-leak256-25s/gc-*.log >/dev/null 2>&1 || fail "no per-process GC log"
# Attribution (item 5): jcmd GC.class_histogram names the byte arrays the
# fixture keeps, near the payload per request.
expect_range "$(jget "$r" "max([s['bytes_per_request'] for s in d['runtime']['growing'] if s['kind'] == 'class' and s['name'] == '[B'] or [0])")" \
  128 1536 "B/request of class [B"
r=$WORK/jvm-oom-25s/result.json
jget "$r" "[c['message'] for c in d['checks'] if c['name'] == 'runtime-oom'][0]" |
  grep -q "java.lang.OutOfMemoryError" || fail "runtime-oom does not quote the error"
r=$WORK/jvm-ceiling-25s/result.json
expect_eq "$(jget "$r" "d['exit_code']")" 1 "the ceiling's exit code"

# A wrapper script that execs java (how many services start): detected by
# its process, switched on through JDK_JAVA_OPTIONS (JDK 9+ launchers only,
# so a JDK 8 behind a wrapper would not be broken by -Xlog).
cat >"$WORK/run-jvm.sh" <<SH
#!/bin/sh
exec java -cp "$BIN/tests/fixtures/runtimes/jvm" Fixture
SH
chmod +x "$WORK/run-jvm.sh"
s=$(scenario runtime jvm-wrapper "CMD=[\"$WORK/run-jvm.sh\"]" MODE=clean LEAK=0 \
  STEADY=4s ENV= SVC=)
run_lg run "$s" --out "$WORK/wrapper" --quiet
r=$WORK/wrapper/result.json
expect_eq "$(jget "$r" "d['runtime']['name']")" jvm "a wrapper's runtime"
expect_eq "$(jget "$r" "d['runtime']['detected_from']")" process "found among the processes"
jget "$r" "d['runtime']['gc_report']" | grep -q 'JDK_JAVA_OPTIONS = -Xlog:gc' ||
  fail "a wrapper's JVM is switched on through JDK_JAVA_OPTIONS"
expect_range "$(jget "$r" "d['runtime']['gc']['collections']")" 1 1000000 "a wrapper's JVM reported collections"
no_leftovers
finish
