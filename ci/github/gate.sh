#!/usr/bin/env bash
# ci/github/gate.sh - the Action's last step: fail the job with leakgate's
# exit code (1 fail, 2 input, 3 inconclusive, 4 infrastructure), except an
# inconclusive run when fail-on-inconclusive is false. Environment: LG_CODE
# (empty when leakgate never ran: an error), LG_FAIL_ON_INCONCLUSIVE.
set -eu
code=${LG_CODE:-}
if [ -z "$code" ]; then
  echo "::error title=leakgate::leakgate did not run (see the steps above)"
  exit 4
fi
if [ "$code" = 3 ] && [ "${LG_FAIL_ON_INCONCLUSIVE:-true}" != true ]; then
  echo "leakgate: inconclusive (exit 3) accepted: fail-on-inconclusive is false"
  exit 0
fi
exit "$code"
