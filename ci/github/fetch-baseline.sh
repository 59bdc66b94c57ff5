#!/usr/bin/env bash
# ci/github/fetch-baseline.sh - the Action's baseline step: download the
# newest unexpired artifact named $LG_ARTIFACT that a push to branch
# $LG_BRANCH of this repository uploaded (the main workflow publishes it;
# docs/baseline.md), unzip it into $RUNNER_TEMP, and publish the path of
# $LG_FILE inside it as the step output "path". Uses `gh api` (preinstalled
# on GitHub-hosted runners) with GH_TOKEN, which needs actions: read.
#
# A pull request cannot plant its own baseline: artifact names and branch
# names are free for anyone (a fork's branch can be called main, and its
# pull_request run uploads into this repository's artifact list), so an
# artifact counts only when the workflow run that uploaded it was a `push`
# event, to $LG_BRANCH, whose head repository is this repository. The
# artifact list prefilters (branch, head repository id = repository id);
# each candidate's run is then fetched and checked, newest first.
# No artifact yet (a new repository, or expired) is a warning and no path:
# the run then applies the scenarios' baseline.missing policy.
set -euo pipefail
gh_out=${GITHUB_OUTPUT:-/dev/null}
repo=${GITHUB_REPOSITORY:?}
max_candidates=10
case "$LG_BRANCH" in
*[!A-Za-z0-9._/-]* | "")
  echo "::error title=leakgate::baseline-branch '$LG_BRANCH' is not a branch name"
  exit 2
  ;;
esac
case "$LG_ARTIFACT" in
*[!A-Za-z0-9._-]*)
  echo "::error title=leakgate::baseline-artifact '$LG_ARTIFACT' is not an artifact name"
  exit 2
  ;;
esac
case "$repo" in
*/*/* | /* | */ | *[!A-Za-z0-9._/-]*) repo= ;;
*/*) ;;
*) repo= ;;
esac
if [ -z "$repo" ]; then
  echo "::error title=leakgate::GITHUB_REPOSITORY '${GITHUB_REPOSITORY}' is not owner/name"
  exit 2
fi
dir="${RUNNER_TEMP:-/tmp}/leakgate-baseline"
rm -rf "$dir"
mkdir -p "$dir"
lower() { printf '%s' "$1" | tr '[:upper:]' '[:lower:]'; }

# Artifacts come newest first: "ARTIFACT_ID RUN_ID" of those on the branch
# uploaded by a run whose head repository is this one.
candidates=$(gh api -X GET "repos/$repo/actions/artifacts" -f name="$LG_ARTIFACT" \
  -f per_page=100 --jq ".artifacts[] | select(.expired == false and
  .workflow_run.head_branch == \"$LG_BRANCH\" and
  .workflow_run.head_repository_id == .workflow_run.repository_id) |
  \"\(.id) \(.workflow_run.id)\"")
id=
seen=0
while read -r art run; do
  [ -n "$art" ] || continue
  seen=$((seen + 1))
  [ "$seen" -le "$max_candidates" ] || break
  case "$art$run" in *[!0-9]*) continue ;; esac
  # The run itself: event, branch, head repository and repository.
  info=$(gh api "repos/$repo/actions/runs/$run" --jq \
    '[.event, .head_branch, .head_repository.full_name, .repository.full_name] | @tsv') || continue
  IFS=$'\t' read -r event branch head base <<<"$info"
  if [ "$event" = push ] && [ "$branch" = "$LG_BRANCH" ] &&
    [ "$(lower "$head")" = "$(lower "$repo")" ] && [ "$(lower "$base")" = "$(lower "$repo")" ]; then
    id=$art
    break
  fi
  echo "leakgate: artifact $art not used as the baseline: run $run was a '$event' event on $branch of $head, not a push to $LG_BRANCH of $repo"
done <<<"$candidates"
if [ -z "$id" ]; then
  if [ "$seen" -gt 0 ]; then
    echo "::warning title=leakgate::no artifact '$LG_ARTIFACT' uploaded by a push to $LG_BRANCH of $repo ($seen from other runs ignored): running without that baseline"
  else
    echo "::warning title=leakgate::no artifact '$LG_ARTIFACT' from branch $LG_BRANCH (yet): running without that baseline"
  fi
  exit 0
fi
gh api "repos/$repo/actions/artifacts/$id/zip" >"$dir/artifact.zip"
python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' \
  "$dir/artifact.zip" "$dir"
f="$dir/$LG_FILE"
if [ ! -f "$f" ]; then
  echo "::warning title=leakgate::artifact '$LG_ARTIFACT' (id $id) has no $LG_FILE: running without that baseline"
  exit 0
fi
echo "leakgate: baseline $f from artifact $LG_ARTIFACT (id $id, a push to $LG_BRANCH of $repo)"
echo "path=$f" >>"$gh_out"
