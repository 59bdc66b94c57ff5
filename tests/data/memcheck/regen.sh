#!/bin/sh
# Regenerate the Memcheck samples from real runs (valgrind 3.19 made the
# committed ones). Usage: tests/data/memcheck/regen.sh BUILD_DIR
# leaky.xml/clean.xml/killed.xml: the fixtures under the tier's command line
# (lg_memcheck_argv), 10 requests, stopped with SIGTERM (killed: SIGKILL).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${1:?build dir}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
vg() {
  n=$1
  shift
  exec valgrind --tool=memcheck --leak-check=full \
    --show-leak-kinds=definite,indirect,possible${SHOW_REACHABLE:+,reachable} \
    --errors-for-leak-kinds=definite,indirect --error-exitcode=97 --xml=yes \
    --xml-file="$tmp/$n.xml" --log-file="$tmp/$n.log" --gen-suppressions=all \
    --num-callers=24 --trace-children=yes --child-silent-after-fork=yes \
    --vgdb=no "$@"
}
serve() { # name fixture port signal
  name=$1 fx=$2 port=$3 sig=$4
  shift 4
  vg "$name" "$@" "$build/tests/fixtures/$fx" --port "$port" >/dev/null 2>&1 &
  pid=$!
  i=0
  until curl -s "http://127.0.0.1:$port/" >/dev/null; do
    i=$((i + 1)); [ $i -lt 200 ] || exit 1; sleep 0.1
  done
  for i in 1 2 3 4 5 6 7 8 9 10; do curl -s "http://127.0.0.1:$port/x$i" >/dev/null; done
  sleep 0.3
  kill -"$sig" $pid
  wait $pid || true
  cp "$tmp/$name.xml" "$here/$name.xml"
}
serve leaky leaky_http 18201 TERM
serve clean clean_http 18202 TERM
serve killed leaky_http 18203 KILL
serve suppressed leaky_http 18204 TERM --suppressions="$here/leaky.supp"
cc -g -O0 -o "$tmp/kinds" "$here/kinds.c"
(SHOW_REACHABLE=1 vg kinds "$tmp/kinds") || true
cp "$tmp/kinds.xml" "$here/kinds.xml"
