#!/bin/sh
# Security of leakgate itself (issue 9 item 6), through the real command:
# argv is never a shell and templates cannot inject into it, the service's
# environment is exactly the scenario's plus LEAKGATE_*, the service's
# output is never executed (nor turned into workflow commands), out files
# never follow a planted symlink and are not group/world writable, the
# cgroup is made below leakgate's own, and stale Valgrind outputs of an
# earlier run into the same out dir are not read as this run's.
. "$(dirname "$0")/lib.sh"

# A scenario with a given service block and a 2 s clean load.
svc_scenario() { # NAME FILE, service block on stdin
  {
    printf 'version: 1\nname: %s\nservice:\n' "$1"
    cat
    printf 'container: {memory: 256MiB}\nload:\n  driver: http\n'
    printf '  url: "http://127.0.0.1:{{port}}/"\n  phases:\n'
    printf '    - {name: steady, duration: 2s, rate: 500}\nsampling: {interval: 50ms}\n'
  } >"$WORK/$2.yaml"
  echo "$WORK/$2.yaml"
}

# 1. argv, never a shell: metacharacters stay inside their own element,
# {{port}} renders as a number, nothing runs. /bin/echo exits at once, so
# the run is an infrastructure error (4) with its stdout in the log.
sc=$(svc_scenario sec-argv argv <<EOF
  command: [/bin/echo, "a b; touch $WORK/pwned1", "\$(touch $WORK/pwned2)", "\`touch $WORK/pwned3\`", "x{{port}}y", "|", "&&", "*"]
  ready: {delay: 500ms}
EOF
)
run_lg run "$sc" --out "$WORK/argv"
expect_code 4 "a service that exits at once"
line=$(cat "$WORK/argv/service.stdout.log")
case $line in
"a b; touch $WORK/pwned1 \$(touch $WORK/pwned2) \`touch $WORK/pwned3\` x"[0-9]*"y | && *") ;;
*) fail "argv not passed verbatim: '$line'" ;;
esac
for f in pwned1 pwned2 pwned3; do [ ! -e "$WORK/$f" ] || fail "argv ran through a shell ($f exists)"; done
# A single string without shell: true is refused, with file:line:column.
printf 'version: 1\nname: sec-str\nservice:\n  command: "echo hi; touch %s/pwned4"\nload: {driver: http, url: "http://127.0.0.1:{{port}}/"}\n' "$WORK" >"$WORK/str.yaml"
run_lg validate "$WORK/str.yaml"
expect_code 2 "a command string without shell: true"
grep -q "str.yaml:4:12: service.command" "$WORK/stderr" || fail "no file:line:column for a command string"
# Only {{port}} renders in service.command: {{seq}}/{{rand}} are refused at load.
printf 'version: 1\nname: sec-seq\nservice:\n  command: [/bin/echo, "{{seq}}"]\nload: {driver: http, url: "http://127.0.0.1:{{port}}/"}\n' >"$WORK/seq.yaml"
run_lg validate "$WORK/seq.yaml"
expect_code 2 "{{seq}} in service.command"
# --set values are data too: a value with shell syntax stays one argument.
run_lg run "$sc" --out "$WORK/argv-set" --set "service.env.X=\$(touch $WORK/pwned5)"
[ ! -e "$WORK/pwned5" ] || fail "a --set value was executed"

# 2. The environment is exactly the scenario's plus LEAKGATE_*: nothing of
# leakgate's own (PATH, HOME, this secret) reaches the service.
sc=$(svc_scenario sec-env env <<EOF
  command: [/usr/bin/env]
  env: {A: "1", B: "x {{port}}"}
  ready: {delay: 500ms}
EOF
)
LG_SECRET_TOKEN=s3cr3t run_lg run "$sc" --out "$WORK/env"
expect_code 4 "env exits at once"
bad=$(grep -v -e '^LEAKGATE_PORT=[0-9]*$' -e '^LEAKGATE_MEMORY_LIMIT=[0-9]*$' \
  -e '^LEAKGATE_RUN=[0-9a-f]*$' -e '^A=1$' -e '^B=x [0-9]*$' "$WORK/env/service.stdout.log" || true)
[ -z "$bad" ] || fail "unexpected environment entries: $bad"
grep -q '^LEAKGATE_PORT=' "$WORK/env/service.stdout.log" || fail "no LEAKGATE_PORT"
grep -q '^B=x [0-9]' "$WORK/env/service.stdout.log" || fail "env template not rendered"

# 3. Nothing from the service's output is executed, and under GitHub
# Actions no line of it becomes a workflow command: it is quoted in the
# message and escaped in the annotation.
sc=$(svc_scenario sec-out out <<EOF
  command: [/bin/sh, -c, 'printf "%s\n" boom ::error::INJECTED ::add-mask::x ''\$(touch $WORK/pwned6)'' >&2; exit 3']
  ready: {tcp: "127.0.0.1:{{port}}", timeout: 5s}
EOF
)
GITHUB_ACTIONS=true run_lg run "$sc" --out "$WORK/out"
expect_code 4 "a service that dies before ready"
[ ! -e "$WORK/pwned6" ] || fail "service output was executed"
grep -q 'INJECTED' "$WORK/stdout" || fail "the service's stderr is not quoted"
if grep -E '^::(add-mask|error::INJECTED)' "$WORK/stdout" "$WORK/stderr"; then
  fail "a line of the service's output became a workflow command"
fi

# 4. Planted symlinks in the out dir are never followed.
sc=$(svc_scenario sec-link link <<EOF
  command: ["$FIXTURES/clean_http", --port, "{{port}}"]
EOF
)
for name in samples.csv service.stdout.log service.stderr.log; do
  d=$WORK/link-$name
  mkdir -p "$d"
  ln -s "$WORK/target-$name" "$d/$name"
  run_lg run "$sc" --out "$d"
  expect_code 4 "symlink planted at $name"
  [ ! -e "$WORK/target-$name" ] || fail "wrote through a symlink planted at $name"
  grep -q "$name: exists and is not a regular file" "$WORK/stdout" "$WORK/stderr" ||
    fail "no message naming the planted $name"
  no_leftovers
done
d=$WORK/link-result
mkdir -p "$d"
for name in result.json report.html report.json; do
  echo "keep" >"$WORK/target-$name"
  ln -s "$WORK/target-$name" "$d/$name"
done
run_lg run "$sc" --out "$d" --html "$d/report.html" --json "$d/report.json"
for name in result.json report.html report.json; do
  [ "$(cat "$WORK/target-$name")" = keep ] || fail "wrote through a symlink planted at $name"
  [ -f "$d/$name" ] && [ ! -L "$d/$name" ] || fail "$name is not a regular file now"
done

# 5. Safe permissions even with a permissive umask: nothing group/world
# writable, no temp file left.
(umask 000 && "$LEAKGATE" run "$sc" --out "$WORK/perm/deep" --html "$WORK/perm/r.html" >/dev/null 2>&1) || true
for f in "$WORK/perm" "$WORK/perm/deep" "$WORK/perm/deep/result.json" "$WORK/perm/deep/samples.csv" \
  "$WORK/perm/deep/service.stdout.log" "$WORK/perm/r.html"; do
  [ -e "$f" ] || { fail "missing $f"; continue; }
  m=$(stat -c %a "$f")
  case $m in *[2367]? | *[2367]) fail "$f has mode $m (group/world writable)" ;; esac
done
ls "$WORK/perm" "$WORK/perm/deep" | grep -q '\.tmp\.' && fail "temp files left in the out dir"

# 6. The cgroup is created below leakgate's own cgroup (or, on cgroup v2
# without root, below a parent delegated to this user).
if [ "$(id -u)" = 0 ] && [ -d /sys/fs/cgroup ]; then
  sc=$(scenario long-leaky sec-cg)
  "$LEAKGATE" run "$sc" --out "$WORK/cg" >/dev/null 2>&1 &
  pid=$!
  found=""
  for _ in $(seq 1 60); do
    found=$(find /sys/fs/cgroup -maxdepth 8 -type d -name "leakgate-$pid-*" 2>/dev/null | head -1)
    [ -n "$found" ] && break
    sleep 0.1
  done
  own=$(awk -F: '$2 == "memory" || ($1 == "0" && $2 == "") { print $3; exit }' "/proc/$pid/cgroup")
  kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" || true
  if [ -z "$found" ]; then
    skip_part "cgroup placement: no cgroup seen (no cgroup access here)" LG_REQUIRE_CGROUP
  else
    case $found in
    */memory"$own"/leakgate-* | /sys/fs/cgroup"$own"/leakgate-* | /sys/fs/cgroup/unified"$own"/leakgate-*) ;;
    *) fail "cgroup $found is not below leakgate's own cgroup $own" ;;
    esac
  fi
  no_leftovers
else
  skip_part "cgroup placement needs root and /sys/fs/cgroup" LG_REQUIRE_CGROUP
fi

# 7. Memcheck outputs left by an earlier run into the same out dir are
# removed, not read as this run's leaks.
if command -v valgrind >/dev/null 2>&1; then
  d=$WORK/stale
  mkdir -p "$d/memcheck"
  cp "$SRC/tests/data/memcheck/leaky.xml" "$d/memcheck/memcheck.99999.xml"
  ln -s "$WORK/target-vg" "$d/memcheck/memcheck.99998.xml"
  run_lg run "$(scenario valgrind stale MODE=always SERVICE=clean_http)" --out "$d"
  [ ! -e "$d/memcheck/memcheck.99999.xml" ] || fail "a stale Memcheck XML was kept"
  [ ! -e "$WORK/target-vg" ] || fail "wrote through a symlink in memcheck/"
  expect_eq "$(jget "$d/result.json" "d['memcheck']['definitely_lost_bytes']")" 0 \
    "definitely lost bytes of a clean service with a stale XML planted"
  no_leftovers
else
  skip_part "stale Memcheck outputs: valgrind is not installed"
fi
finish
