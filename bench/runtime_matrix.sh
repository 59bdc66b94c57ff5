#!/bin/sh
# bench/runtime_matrix.sh - every managed-runtime fixture (issue #12) under
# the issue's load (8 connections, 5 s warm-up + 25 s steady, 1 GiB, default
# scenario keys), one leakgate run each, and the table of verdicts, slopes,
# CIs, checks and run times (docs/runtimes.md "Accuracy" holds a copy).
#
# Usage: bench/runtime_matrix.sh [-s STEADY] [-o OUTDIR] [CELL...]
#   CELL is RUNTIME/MODE (go/leak256, jvm/ceiling, ...), optionally with its
#   own steady duration (jvm/ceiling@90s); default: all of them at STEADY
#   (25s), then the JVM heap ceiling again at 90 s of steady load (the
#   issue: it must fail at 30 s and at 90 s, never exit 0). Runs one cell
#   at a time (the verdicts are per request, but a machine shared with
#   other work moves the run times). Needs a build (build/, or
#   $LG_BINARY_DIR) with the Go and JVM fixtures; a runtime that is not
#   installed is reported as "missing", not run.
# Exit: 0 when every cell got its expected verdict, 1 otherwise.
set -eu
SRC=$(cd "$(dirname "$0")/.." && pwd)
BIN=${LG_BINARY_DIR:-$SRC/build}
steady=25s
out=""
while getopts "s:o:" opt; do
  case $opt in
  s) steady=$OPTARG ;;
  o) out=$OPTARG ;;
  *) sed -n '2,17p' "$0" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
[ -n "$out" ] || out=$(mktemp -d "${TMPDIR:-/tmp}/lg-rtm.XXXXXX")
mkdir -p "$out"
. "$SRC/tests/e2e/runtime_cells.sh"
[ $# -gt 0 ] || set -- $RT_ALL_CELLS jvm/ceiling@90s
status=0
rt_table_header
for cell in "$@"; do
  case $cell in
  *@*) rt_cell "${cell%@*}" "${cell#*@}" "$out" || status=1 ;;
  *) rt_cell "$cell" "$steady" "$out" || status=1 ;;
  esac
done
echo "outputs: $out"
exit $status
