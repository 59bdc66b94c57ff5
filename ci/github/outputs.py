#!/usr/bin/env python3
"""ci/github/outputs.py - the Action's outputs from leakgate's --json file.

usage: outputs.py RESULTS.json [EXIT_CODE]

Prints KEY=VALUE lines for $GITHUB_OUTPUT: verdict (pass, fail,
inconclusive, error), worst-slope (largest analysis.slope_bytes_per_request
over the results; empty when none was measured), worst-scenario, results
and junit (paths, empty when missing). The file is either one result.json
or the combined {"verdict", "results": [...]} leakgate writes for several;
without a file (leakgate stopped before writing it, or a shard with no
scenarios) the verdict comes from the exit code. Standard library only.
"""
import json
import math
import os
import sys

VERDICT_OF_CODE = {"0": "pass", "1": "fail", "3": "inconclusive"}


def number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def main(argv):
    if len(argv) < 2:
        sys.stderr.write(__doc__)
        return 2
    path = argv[1]
    code = argv[2] if len(argv) > 2 else ""
    out_dir = os.path.dirname(path)
    junit = os.path.join(out_dir, "junit.xml")
    doc = None
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
    except (OSError, ValueError):
        doc = None
    if not isinstance(doc, dict):
        print("verdict=" + VERDICT_OF_CODE.get(code, "error"))
        print("worst-slope=")
        print("worst-scenario=")
        print("results=")
        print("junit=" + (junit if os.path.exists(junit) else ""))
        return 0
    results = doc["results"] if isinstance(doc.get("results"), list) else [doc]
    worst, worst_name = None, ""
    for r in results:
        slope = (r.get("analysis") or {}).get("slope_bytes_per_request")
        if number(slope) and (worst is None or slope > worst):
            worst = slope
            worst_name = (r.get("scenario") or {}).get("name") or ""
    verdict = doc.get("verdict")
    if verdict not in ("pass", "fail", "inconclusive", "error"):
        verdict = VERDICT_OF_CODE.get(code, "error")
    print("verdict=" + verdict)
    print("worst-slope=" + ("" if worst is None else "%.6g" % worst))
    print("worst-scenario=" + worst_name.replace("\n", " "))
    print("results=" + path)
    print("junit=" + (junit if os.path.exists(junit) else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
