#!/bin/sh
# Hostile and odd inputs (issue 13 item 10): nothing from a file reaches the
# terminal or a CI log as a control sequence; a backtick in a path keeps
# its Markdown code span; a FIFO as scenario and a directory as CSV are
# input errors (exit 2) without hanging; a memory amount below zero in a
# CSV is refused at its line and column; a result file too large to be one
# is refused by its size before it is read; `doctor` lists cgroups and
# containers left by runs whose leakgate is gone.
. "$(dirname "$0")/lib.sh"
example="$SRC/tests/data/results/example-leak.json"

# no_controls FILE...: no ESC, BEL, or C1 CSI (U+009B) in the files.
no_controls() {
  for f in "$@"; do
    bad=$(python3 -c 'import sys, re; b = open(sys.argv[1], "rb").read(); m = re.search(rb".{0,30}(\x1b|\x07|\xc2\x9b).{0,30}", b); print(repr(m.group(0)) if m else "")' "$f")
    [ -z "$bad" ] || fail "$f carries a terminal control sequence: $bad"
  done
}

# 1. Escape sequences in a result's name, a check, a reason, a stack frame;
# and in a CSV header.
python3 - "$example" "$WORK/evil.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["scenario"]["name"] = "evil\x1b[2J\x1b]0;pwned\x07\u009b31m"
d["checks"].append({"name": "x\x1b[31m", "status": "fail", "message": "m\x1b[5m"})
d["reasons"].append("reason \x1b[5m\u009b1m")
d["out_dir"] = "/tmp/a`b"
json.dump(d, open(sys.argv[2], "w"))
PY
run_lg report "$WORK/evil.json" --annotations --markdown "$WORK/evil.md"
[ "$code" -ne 2 ] || fail "report of a result with control characters: exit 2"
no_controls "$WORK/stdout" "$WORK/stderr"
printf 't_s,requests,anon\033[31m_bytes,x\n0,0,1,1\n' >"$WORK/evil.csv"
run_lg analyze "$WORK/evil.csv"
expect_code 2 "analyze of a CSV whose header holds an escape"
no_controls "$WORK/stdout" "$WORK/stderr"

# 2. A backtick in a path: the code span is fenced by two backticks.
grep -qF 'Artifacts: ``/tmp/a`b``' "$WORK/evil.md" || fail "the Markdown code span of a path with a backtick: $(grep Artifacts "$WORK/evil.md")"

# 3. A FIFO as scenario: refused at once (it hung, waiting for a writer).
mkfifo "$WORK/fifo.yaml"
set +e
timeout 10 "$LEAKGATE" validate "$WORK/fifo.yaml" >"$WORK/stdout" 2>"$WORK/stderr"
code=$?
set -e
expect_code 2 "validate of a FIFO"
grep -q "fifo.yaml: not a regular file (a FIFO)" "$WORK/stderr" || fail "validate of a FIFO: no message"

# 4. A directory as CSV: input error, not an I/O one.
run_lg analyze "$WORK"
expect_code 2 "analyze of a directory"
grep -q "is a directory" "$WORK/stderr" || fail "analyze of a directory: no message"

# 5. A negative memory amount in a CSV: refused at its line and column.
{ echo "t_s,requests,anon_bytes"; for i in $(seq 0 29); do echo "$i,$((i * 10)),$((100000 - i * 64))"; done; echo "30,300,-64"; } >"$WORK/neg.csv"
run_lg analyze "$WORK/neg.csv"
expect_code 2 "analyze of a negative anon_bytes"
grep -q "neg.csv:32:8: anon_bytes: a memory amount cannot be negative, got '-64'" "$WORK/stderr" ||
  fail "negative anon_bytes: no file:line:column message"

# 6. A valid combined result of ~20 MB: refused by its size before reading
# (it was parsed first: 58 MB took 808 MB of RSS).
python3 - "$example" "$WORK/big.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
n = 20 * 2**20 // len(json.dumps(d)) + 1
json.dump({"results": [d] * n}, open(sys.argv[2], "w"))
PY
if [ -x /usr/bin/time ]; then
  set +e
  /usr/bin/time -f "%M" -o "$WORK/rss" "$LEAKGATE" merge "$WORK/big.json" --quiet >"$WORK/stdout" 2>"$WORK/stderr"
  code=$?
  set -e
  expect_range "$(tail -1 "$WORK/rss")" 0 65536 "merge of a 20 MB result: max RSS KiB"
else
  skip_part "merge's RSS: /usr/bin/time is not installed (time)"
  run_lg merge "$WORK/big.json" --quiet
fi
expect_code 2 "merge of a 20 MB result"
grep -q "big.json: larger than 16777216 bytes" "$WORK/stderr" || fail "merge of a 20 MB result: no message"

# 7. doctor: a cgroup and a container named after a leakgate pid that does
# not exist are listed; one named after a live process is not.
if [ "$(id -u)" = 0 ]; then
  mnt=$(awk '$(NF-2) == "cgroup" && $NF ~ /(^|,)memory(,|$)/ { print $5; exit }' /proc/self/mountinfo)
  [ -n "$mnt" ] || mnt=$(awk '$(NF-2) == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
  stale="$mnt/leakgate-4199999-0-e2e-stale-$$"
  mkdir "$stale"
  mkdir -p "$WORK/bin"
  cat >"$WORK/bin/docker" <<SH
#!/bin/sh
[ "\$1" = ps ] && { printf 'leakgate-4199998-ab12-svc\nleakgate-$$-cd34-live\nunrelated\n'; exit 0; }
exit 1
SH
  chmod +x "$WORK/bin/docker"
  set +e
  PATH="$WORK/bin:$PATH" "$LEAKGATE" doctor --timeout 5 >"$WORK/stdout" 2>"$WORK/stderr"
  set -e
  rmdir "$stale"
  grep -q "stale .*left by runs whose leakgate is gone" "$WORK/stdout" || fail "doctor: no stale line"
  grep -q "cgroup $stale (leakgate pid 4199999)" "$WORK/stdout" || fail "doctor: the stale cgroup is not listed"
  grep -q "docker leakgate-4199998-ab12-svc (leakgate pid 4199998)" "$WORK/stdout" || fail "doctor: the stale container is not listed"
  ! grep -q "cd34-live" "$WORK/stdout" || fail "doctor: a container of a live pid was listed as stale"
else
  skip_part "doctor's stale cgroup case needs root" LG_REQUIRE_CGROUP
fi
finish
