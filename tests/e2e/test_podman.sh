#!/bin/sh
# leakgate against a real podman (issue 17): the cases of engine_cases.sh - a
# leak caught at its slope, a clean pass, an OOM kill counted, a readiness
# timeout, SIGINT and SIGKILL of leakgate leaving no container and no
# cgroup, the stdin driver, the environment kept off command lines, and a
# missing image as an infrastructure error in the engine's words. Skips
# (77) without a working podman, fails instead under LG_REQUIRE_ENGINES=1
# (CI: .ci/run runs ci/engines.sh start first).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/engine_lib.sh"
engine_init podman
E=po
. "$(dirname "$0")/engine_cases.sh"
finish
