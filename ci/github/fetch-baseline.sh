#!/usr/bin/env bash
# ci/github/fetch-baseline.sh - the Action's baseline step: download the
# newest unexpired artifact named $LG_ARTIFACT that a run on branch
# $LG_BRANCH of this repository uploaded (the main workflow publishes it;
# docs/baseline.md), unzip it into $RUNNER_TEMP, and publish the path of
# $LG_FILE inside it as the step output "path". Uses `gh api` (preinstalled
# on GitHub-hosted runners) with GH_TOKEN, which needs actions: read.
# No artifact yet (a new repository, or expired) is a warning and no path:
# the run then applies the scenarios' baseline.missing policy.
set -euo pipefail
gh_out=${GITHUB_OUTPUT:-/dev/null}
repo=${GITHUB_REPOSITORY:?}
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
dir="${RUNNER_TEMP:-/tmp}/leakgate-baseline"
rm -rf "$dir"
mkdir -p "$dir"
# Artifacts come newest first; keep those of runs on the branch.
id=$(gh api -X GET "repos/$repo/actions/artifacts" -f name="$LG_ARTIFACT" \
  -f per_page=100 --jq "[.artifacts[] | select(.expired == false and
  .workflow_run.head_branch == \"$LG_BRANCH\")][0].id // empty")
if [ -z "$id" ]; then
  echo "::warning title=leakgate::no artifact '$LG_ARTIFACT' from branch $LG_BRANCH (yet): running without that baseline"
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
echo "leakgate: baseline $f from artifact $LG_ARTIFACT (id $id, branch $LG_BRANCH)"
echo "path=$f" >>"$gh_out"
