#!/bin/sh
# Outputs survive a full disk, a file-size limit and a killed leakgate
# (issue 9 item 3): result.json and reports are written to a temp file and
# renamed, so a failed write leaves the old file (or none) and no temp file,
# with exit 4 and a message; samples.csv holds whole rows only.
. "$(dirname "$0")/lib.sh"
tiny=$WORK/tiny
trap 'umount "$tiny" 2>/dev/null || true; rm -rf "$WORK"' EXIT
csv=$SRC/tests/data/curves/t01_linear_leak.csv

# whole_rows FILE: every row after the header has the header's fields (12
# since the managed-runtime columns) and the file ends with a newline (no
# half-written row).
whole_rows() {
  [ ! -s "$1" ] && return 0
  [ "$(tail -c 1 "$1" | od -An -c | tr -d ' ')" = '\n' ] || { fail "$1 ends inside a row"; return 0; }
  awk -F, 'NR == 1 { n = NF } NR > 1 && NF != n { bad = NR } END { exit bad || n != 12 ? 1 : 0 }' "$1" ||
    fail "$1 has a row without the header's 12 fields"
}
no_temp() { # DIR...
  left=$(find "$@" -name '*.tmp.*' 2>/dev/null | head -3)
  [ -z "$left" ] || fail "temp files left behind: $left"
}

# 1. A file-size limit (ulimit -f, no root needed): the HTML report does not
# fit; exit 4 naming it, the old report kept, no temp file, and leakgate is
# not killed by SIGXFSZ.
mkdir -p "$WORK/lim"
echo OLD >"$WORK/lim/report.html"
set +e
(ulimit -f 16 && exec "$LEAKGATE" analyze "$csv" --html "$WORK/lim/report.html" --quiet) \
  >"$WORK/stdout" 2>"$WORK/stderr"
code=$?
set -e
expect_code 4 "report past the file-size limit"
grep -q "report.html" "$WORK/stderr" || fail "the message does not name the report"
expect_eq "$(cat "$WORK/lim/report.html")" OLD "report after a failed write"
no_temp "$WORK/lim"

# 2. A full disk: a 64 KiB tmpfs (root only) filled up.
if [ "$(id -u)" = 0 ] && mkdir -p "$tiny" && mount -t tmpfs -o size=64k tmpfs "$tiny" 2>/dev/null; then
  echo OLD >"$tiny/result.json"
  dd if=/dev/zero of="$tiny/fill" bs=1k count=64 2>/dev/null || true
  run_lg analyze "$csv" --json "$tiny/result.json" --quiet
  expect_code 4 "result.json on a full disk"
  grep -q "No space left" "$WORK/stderr" || fail "no 'No space left' message"
  expect_eq "$(cat "$tiny/result.json")" OLD "result.json after a failed write"
  no_temp "$tiny"
  # A run into the full disk: exit 4, whole samples.csv rows, no broken
  # result.json (absent or complete), nothing left running.
  rm -f "$tiny/fill" "$tiny/result.json"
  dd if=/dev/zero of="$tiny/fill" bs=1k count=52 2>/dev/null || true
  # The load would send 10,000 requests (500/s for 20 s): once an output
  # cannot be written the run stops (issue 13 item 10: it went on to the
  # end), and the headline is that first failure - samples.csv or a
  # service log - not the result.json that could not be written after it.
  run_lg run "$(scenario steady full FIXTURE=clean_http DUR=20s)" --out "$tiny/out"
  expect_code 4 "a run whose out dir fills up"
  grep -q "No space left" "$WORK/stdout" "$WORK/stderr" || fail "no 'No space left' message for the run"
  grep -Eq "ERROR $tiny/out/(samples\.csv|service\.std(out|err)\.log): cannot write.*No space left" "$WORK/stdout" ||
    fail "the headline error does not name samples.csv or a service log"
  ! grep -q "ERROR .*result\.json\.tmp" "$WORK/stdout" || fail "the headline error names result.json's temp file, not the first failure"
  sent=$(sed -n 's/.*load .* \([0-9][0-9]*\) requests,.*/\1/p' "$WORK/stdout" | head -1)
  [ -n "$sent" ] || fail "no load line in the summary of the full-disk run"
  [ -z "$sent" ] || expect_range "$sent" 0 5000 "requests sent once the out dir filled up (10,000 planned)"
  whole_rows "$tiny/out/samples.csv"
  if [ -e "$tiny/out/result.json" ]; then
    python3 -c "import json,sys; json.load(open(sys.argv[1]))" "$tiny/out/result.json" ||
      fail "a truncated result.json was left"
  fi
  no_temp "$tiny"
  no_leftovers
  umount "$tiny"
else
  skip_part "full-disk cases: mounting a 64 KiB tmpfs needs root" LG_REQUIRE_CGROUP
fi

# 3. samples.csv is on disk row by row: SIGKILL (which leakgate cannot
# catch) mid-run still leaves every sample so far, as whole rows; and the
# service and its cgroup do not outlive leakgate.
sc=$(scenario long-leaky killed)
"$LEAKGATE" run "$sc" --out "$WORK/killed" >/dev/null 2>&1 &
pid=$!
wait_rows "$WORK/killed/samples.csv" 20 60 || fail "20 samples never came"
cg=$(find /sys/fs/cgroup -maxdepth 8 -type d -name "leakgate-$pid-*" 2>/dev/null | head -1)
kill -KILL "$pid"
wait "$pid" 2>/dev/null || true
rows=$(($(wc -l <"$WORK/killed/samples.csv") - 1))
[ "$rows" -ge 20 ] || fail "only $rows samples on disk after SIGKILL (20 were there before it)"
whole_rows "$WORK/killed/samples.csv"
# The watchdog (container/reaper.c) sees leakgate gone and removes the
# cgroup with everything in it: nothing is left within a few seconds.
gone=0
for _ in $(seq 1 50); do
  left=0
  [ -n "$cg" ] && [ -d "$cg" ] && left=1
  [ -n "$(work_pids)" ] && left=1
  [ "$left" = 0 ] && { gone=1; break; }
  sleep 0.2
done
[ -n "$cg" ] || fail "no leakgate-$pid-* cgroup seen while the run was going"
[ "$gone" = 1 ] || fail "10 s after SIGKILL the service or its cgroup $cg is still there"
if [ "$gone" = 0 ]; then # keep the machine clean for the next test
  for p in $(work_pids); do kill -KILL "$p" 2>/dev/null || true; done
  [ -n "$cg" ] && for _ in 1 2 3 4 5 6 7 8 9 10; do rmdir "$cg" 2>/dev/null && break; sleep 0.2; done
fi
no_leftovers
finish
