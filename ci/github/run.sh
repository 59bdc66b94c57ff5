#!/usr/bin/env bash
# ci/github/run.sh - the Action's run step: expand the scenario globs, run
# (or merge) leakgate, and record its exit code as the step output
# "exit-code". It never fails the step itself: the verdict is read next and
# gate.sh fails the job last, so the results are uploaded whatever happened.
# Environment (from action.yml): LEAKGATE, LG_COMMAND, LG_SCENARIOS,
# LG_BASELINE, LG_FETCHED_BASELINE, LG_PROFILE, LG_SHARD, LG_ARGS, LG_IMAGE,
# LG_ENGINE, LG_OUT.
set -uo pipefail
shopt -s nullglob globstar
out=${LG_OUT:-leakgate-out}
gh_out=${GITHUB_OUTPUT:-/dev/null}
mkdir -p "$out"

finish() {
  echo "exit-code=$1" >>"$gh_out"
  exit 0
}

# Whitespace-separated patterns; each expanded as a glob (no match is an
# error naming the pattern, not a silent empty run).
set -f
# shellcheck disable=SC2206
pats=(${LG_SCENARIOS:-})
set +f
files=()
for pat in "${pats[@]}"; do
  # shellcheck disable=SC2206
  matches=($pat)
  if [ ${#matches[@]} -eq 0 ]; then
    echo "::error title=leakgate::no file matches '$pat'"
    finish 2
  fi
  files+=("${matches[@]}")
done
if [ ${#files[@]} -eq 0 ]; then
  echo "::error title=leakgate::no scenarios given (input scenarios is empty)"
  finish 2
fi

# Extra arguments, split like a shell would (quotes), never evaluated.
extra=()
if [ -n "${LG_ARGS:-}" ]; then
  split=$(mktemp)
  if ! python3 -c 'import shlex, sys
sys.stdout.write("".join(a + "\0" for a in shlex.split(sys.argv[1])))' \
    "$LG_ARGS" >"$split"; then
    rm -f "$split"
    echo "::error title=leakgate::cannot split args (unbalanced quotes?): $LG_ARGS"
    finish 2
  fi
  mapfile -d '' -t extra <"$split"
  rm -f "$split"
fi

case "${LG_COMMAND:-run}" in
run)
  args=(run "${files[@]}" --out "$out")
  if [ -n "${LG_BASELINE:-}" ]; then
    args+=(--baseline "$LG_BASELINE")
  elif [ -n "${LG_FETCHED_BASELINE:-}" ]; then
    args+=(--baseline "$LG_FETCHED_BASELINE")
  fi
  [ -n "${LG_PROFILE:-}" ] && args+=(--profile "$LG_PROFILE")
  [ -n "${LG_SHARD:-}" ] && args+=(--shard "$LG_SHARD")
  # The image input: the scenarios' services run inside it (docs/ci.md).
  [ -n "${LG_IMAGE:-}" ] && args+=(--set "container.image=$LG_IMAGE")
  case "${LG_ENGINE:-}" in
  "") ;;
  docker | podman) args+=(--set "container.backend=$LG_ENGINE") ;;
  *)
    echo "::error title=leakgate::engine must be docker or podman, got '$LG_ENGINE'"
    finish 2
    ;;
  esac
  ;;
merge)
  args=(merge "${files[@]}")
  ;;
*)
  echo "::error title=leakgate::command must be run or merge, got '$LG_COMMAND'"
  finish 2
  ;;
esac
args+=(--json "$out/results.json" --junit "$out/junit.xml" --markdown "$out/summary.md")

echo "+ leakgate ${args[*]} ${extra[*]}"
"${LEAKGATE:-leakgate}" "${args[@]}" "${extra[@]}"
finish $?
