#!/bin/sh
# The Valgrind tiers' reduced load holds in a closed-model scenario (issue 16
# item 1): no phase has a rate to scale, so the budget of requests (the
# share of the main run's completed requests) is what bounds each tier.
# Memcheck at load 2% completes at most 3% of the main run's requests,
# Massif at 10% at most 12%, each records its own count
# (memcheck.requests, massif.requests), and Memcheck's leaked bytes follow
# its requests (64 B each), so memcheck.budget means something.
. "$(dirname "$0")/lib.sh"
require_tool valgrind

run_lg run "$(scenario valgrind-closed)" --out "$WORK/out" --quiet
expect_code 1 "a leaky service under both tiers"
r="$WORK/out/result.json"
main=$(jget "$r" "d['load']['requests']")
mc=$(jget "$r" "d['memcheck']['requests']")
ms=$(jget "$r" "d['massif']['requests']")
echo "main run $main requests, Memcheck $mc, Massif $ms"
expect_range "$main" 1000 1000000000 "main run requests"
expect_eq "$(jget "$r" "d['memcheck']['ran']")" true "memcheck.ran"
expect_eq "$(jget "$r" "d['massif']['ran']")" true "massif.ran"
expect_range "$mc" 1 "$(python3 -c "print($main * 0.03)")" "memcheck.requests (<= 3% of the main run)"
expect_range "$ms" 1 "$(python3 -c "print($main * 0.12)")" "massif.requests (<= 12% of the main run)"
# 64 B leaked per request Memcheck's run served (a request in flight when
# the load stopped may add one more per connection).
expect_range "$(jget "$r" "int(d['memcheck']['definitely_lost_bytes'])")" \
  "$((mc * 64))" "$(((mc + 4) * 64))" "Memcheck's lost bytes follow its requests"
# Massif's heap curve runs to its own requests, not the main run's.
expect_range "$(jget "$r" "max(d['massif']['heap']['x'])")" 1 "$ms" "massif heap x within its own run"
no_leftovers
finish
