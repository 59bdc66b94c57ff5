#!/bin/sh
# Issue #12, Python: detected (and its version from the interpreter's
# name), no GC report switched on (CPython has none of heap size:
# docs/runtimes.md), judged on anon_bytes as before: leaks of 256 and
# 64 B/request fail, a clean service passes.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/e2e/runtime_cells.sh"
rt_need python

rt_table_header
rt_cells 25s "$WORK" python/leak256 python/leak64 python/clean ||
  fail "a Python cell was judged wrong (table above)"

r=$WORK/python-leak256-25s/result.json
expect_eq "$(jget "$r" "d['runtime']['name']")" python "runtime.name"
expect_eq "$(jget "$r" "d['runtime']['gc_report']")" null "no switch for Python"
expect_eq "$(jget "$r" "d['analysis']['metric']")" anon_bytes "the series judged"
expect_eq "$(jget "$r" "d['runtime']['memory']['metric']")" null "nothing judged beside: anon is the verdict's own series"
[ ! -e "$WORK/python-leak256-25s/gc.csv" ] || fail "gc.csv without a GC report"
no_leftovers
finish
