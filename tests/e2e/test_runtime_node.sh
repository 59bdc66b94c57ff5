#!/bin/sh
# Issue #12, Node: leaks of 256 and 64 B/request fail and churn passes,
# judged on the V8 heap after each collection that leakgate's preload
# (NODE_OPTIONS --require; NODE_OPTIONS refuses --trace-gc) writes per
# process; the preload's info line gives the version and the heap limit.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/e2e/runtime_cells.sh"
rt_need node

rt_table_header
rt_cells 25s "$WORK" node/leak256 node/leak64 node/churn ||
  fail "a Node cell was judged wrong (table above)"

r=$WORK/node-leak256-25s/result.json
expect_eq "$(jget "$r" "d['runtime']['name']")" node "runtime.name"
jget "$r" "d['runtime']['version']" | grep -q '^v[0-9]' || fail "runtime.version is not Node's"
jget "$r" "d['runtime']['gc_report']" | grep -q '^NODE_OPTIONS = --require=.*leakgate-node-gc.js' ||
  fail "NODE_OPTIONS was not set"
expect_range "$(jget "$r" "d['runtime']['gc']['heap_max_bytes']")" 1e6 1e10 "V8's heap limit"
ls "$WORK"/node-leak256-25s/node-gc-*.log >/dev/null 2>&1 || fail "no per-process GC log"
no_leftovers
finish
