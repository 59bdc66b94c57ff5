#!/bin/sh
# The live progress line in an 80-column terminal (issue 16 item 2): a 20 s
# run inside `tmux new -d -x 80` whose full line would be ~150 columns. The
# line must fit the pane, so the in-place redraw ("\r\033[K") erases it
# every time: the pane, read every half second while the run goes, never
# holds more than the one progress row below the "running" message, and
# after the run no progress fragment is left in the pane or its history.
. "$(dirname "$0")/lib.sh"
require_tool tmux

name=progress-line-fits-an-80-column-terminal-without-wrapping
s=$(scenario progress "$name")
SOCK="lg-e2e-$$"
tm() { tmux -L "$SOCK" -f /dev/null "$@"; }
trap 'tm kill-server 2>/dev/null || true; rm -rf "$WORK"' EXIT
# The pane's shell command: leakgate on the pane's terminal, then its exit
# code in a file; the pane stays open (sleep) so it can be read afterwards.
tm new-session -d -x 80 -y 40 -s lg \
  "'$LEAKGATE' run '$s' --out '$WORK/out'; echo \$? >'$WORK/rc'; sleep 300"
[ "$(tm display-message -p -t lg '#{pane_width}')" = 80 ] || fail "the pane is not 80 columns wide"

# rows_of FILE: the pane's non-empty rows.
rows_of() { grep -c . "$1" || true; }
shown=0 first_rows="" i=0 bad=""
# Read until the run ends, also after a failed check (killing the pane's
# leakgate early would leave its service behind).
while [ ! -s "$WORK/rc" ] && [ $i -lt 240 ]; do
  tm capture-pane -p -t lg >"$WORK/pane"
  if [ -z "$bad" ] && grep -Eq "(^|\| )load " "$WORK/pane"; then
    shown=$((shown + 1))
    rows=$(rows_of "$WORK/pane")
    [ -n "$first_rows" ] || first_rows=$rows
    if [ "$rows" != "$first_rows" ]; then
      bad="the pane went from $first_rows to $rows rows while the run went (a wrapped line left behind)"
    elif [ "$(grep -Ec "(^|\| )load " "$WORK/pane")" != 1 ]; then
      bad="more than one progress row"
    elif ! awk 'length($0) > 80 { exit 1 }' "$WORK/pane"; then
      bad="a row wider than 80 columns"
    fi
    [ -z "$bad" ] || cp "$WORK/pane" "$WORK/bad-pane"
  fi
  sleep 0.5
  i=$((i + 1))
done
if [ -n "$bad" ]; then
  cp "$WORK/bad-pane" "$WORK/stdout"
  fail "$bad"
fi
if [ ! -s "$WORK/rc" ]; then
  fail "the run did not end within 120 s"
  tm send-keys -t lg C-c # leakgate stops its service and removes its cgroup
  i=0
  while [ ! -s "$WORK/rc" ] && [ $i -lt 40 ]; do sleep 0.5; i=$((i + 1)); done
fi
expect_range "$shown" 10 1000 "pane reads that showed the progress line"
expect_eq "$(cat "$WORK/rc")" 0 "leakgate exit code in the pane"
# After the run: the whole pane history (-S -) holds the "running" message
# and the summary, and not one progress fragment.
tm capture-pane -p -S - -t lg >"$WORK/history"
grep -q "leakgate: running $name" "$WORK/history" || { cp "$WORK/history" "$WORK/stdout"; fail "no running message"; }
grep -q "^leakgate $name: pass" "$WORK/history" || { cp "$WORK/history" "$WORK/stdout"; fail "no summary"; }
if grep -q " | " "$WORK/history"; then
  cp "$WORK/history" "$WORK/stdout"
  fail "progress fragments left in the pane's history"
fi
expect_range "$(jget "$WORK/out/result.json" "d['load']['duration_s']")" 19 25 "a 20 s run"
tm kill-server 2>/dev/null || true
no_leftovers
finish
