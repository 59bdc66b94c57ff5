#!/bin/sh
# docs/scaling.md's Kubernetes Job, checked offline (issue 17 item 4):
# check_k8s_manifest.py validates it against the schema of the Kubernetes
# fields it uses (tests/data/k8s/job.schema.json) and against what the doc
# says of it, and shows on mutated copies that each kind of mistake is
# refused. No cluster is involved: the doc says plainly that the Job has
# not run on one.
. "$(dirname "$0")/lib.sh"
python3 -c 'import jsonschema, yaml' 2>/dev/null ||
  skip_test "python3-jsonschema and python3-yaml are needed (ci/install-deps.sh)"
python3 "$SRC/tests/e2e/check_k8s_manifest.py" "$SRC" --self-test >"$WORK/stdout" 2>"$WORK/stderr" ||
  fail "the Job of docs/scaling.md"
cat "$WORK/stdout"
finish
