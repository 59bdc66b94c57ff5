#!/bin/sh
# Regenerate the Massif samples from real runs (valgrind 3.19 made the
# committed ones). Usage: tests/data/massif/regen.sh BUILD_DIR
# leaky.massif: the leaky fixture under the tier's command line
# (lg_massif_argv: --time-unit=B --detailed-freq=10 --max-snapshots=200
# --threshold=0.10), 60 requests, stopped with SIGTERM.
# snap-rN.massif: vgdb detailed_snapshot of that run after N requests.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${1:?build dir}
port=${2:-18301}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
valgrind --tool=massif --massif-out-file="$tmp/massif.out" \
  --log-file="$tmp/massif.log" --time-unit=B --detailed-freq=10 \
  --max-snapshots=200 --threshold=0.10 --trace-children=yes \
  --child-silent-after-fork=yes --vgdb=yes --vgdb-prefix="$tmp/vgdb" \
  "$build/tests/fixtures/leaky_http" --port "$port" >/dev/null 2>&1 &
pid=$!
i=0
until curl -s "http://127.0.0.1:$port/" >/dev/null; do
  i=$((i + 1)); [ $i -lt 200 ] || { kill $pid; exit 1; }; sleep 0.1
done
n=1
for round in 1 2 3 4 5 6; do
  for k in 1 2 3 4 5 6 7 8 9 10; do
    curl -s "http://127.0.0.1:$port/x$n" >/dev/null
    n=$((n + 1))
  done
  vgdb --vgdb-prefix="$tmp/vgdb" --pid=$pid detailed_snapshot \
    "$here/snap-r$((n - 1)).massif" >/dev/null 2>&1
done
kill -TERM $pid
wait $pid || true
cp "$tmp/massif.out" "$here/leaky.massif"
