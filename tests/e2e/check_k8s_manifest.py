#!/usr/bin/env python3
"""check_k8s_manifest.py SRC - the Kubernetes Job of docs/scaling.md,
checked offline (no cluster, no network): every ```yaml block of the doc
holding `kind: Job` is read with a real YAML parser (the ${VAR}s a pipeline
fills are given sample values first), validated against
tests/data/k8s/job.schema.json (the Kubernetes fields it uses, their types,
enums and formats; unknown fields fail), then held to what the doc says of
it: every volumeMount names a volume, requests equal limits (Guaranteed
QoS), the shard count in the command equals `completions`, the box is
backend self, and no container is privileged. With --self-test, mutated
copies of the Job must each be refused for the reason named.
Exit 0 when all holds, 1 with one line per problem."""
import copy
import json
import os
import re
import sys

import jsonschema
import yaml

SAMPLE = {"RUN_ID": "run-42", "GIT_SHA": "0123abcd"}


def jobs(doc_text):
    out = []
    for m in re.finditer(r"```yaml\n(.*?)```", doc_text, re.S):
        block = m.group(1)
        for k, v in SAMPLE.items():
            block = block.replace("${%s}" % k, v)
        d = yaml.safe_load(block)
        if isinstance(d, dict) and d.get("kind") == "Job":
            out.append(d)
    return out


def problems(job, schema):
    probs = []
    v = jsonschema.Draft202012Validator(schema)
    for e in sorted(v.iter_errors(job), key=lambda e: list(e.absolute_path)):
        probs.append("%s: %s" % ("/".join(str(p) for p in e.absolute_path) or "(top)", e.message))
    if probs:
        return probs
    spec = job["spec"]
    pod = spec["template"]["spec"]
    vols = {v["name"] for v in pod.get("volumes", [])}
    for c in pod["containers"]:
        for vm in c.get("volumeMounts", []):
            if vm["name"] not in vols:
                probs.append("container %s mounts volume %s, which the pod does not declare"
                             % (c["name"], vm["name"]))
        res = c.get("resources", {})
        if res.get("requests") != res.get("limits"):
            probs.append("container %s: requests differ from limits (the doc promises Guaranteed QoS)"
                         % c["name"])
        if (c.get("securityContext") or {}).get("privileged"):
            probs.append("container %s is privileged (backend self needs no privilege)" % c["name"])
        script = " ".join(c.get("command", []) + c.get("args", []))
        if "leakgate run" in script:
            m = re.search(r"--shard [^/]*/(\d+)", script)
            if not m or int(m.group(1)) != spec.get("completions"):
                probs.append("container %s: --shard .../N does not match completions %s"
                             % (c["name"], spec.get("completions")))
            if "container.backend=self" not in script:
                probs.append("container %s: leakgate does not use backend self" % c["name"])
    if spec.get("completionMode") == "Indexed" and "completions" not in spec:
        probs.append("an Indexed Job needs completions")
    return probs


def self_test(job, schema):
    def mut(f):
        j = copy.deepcopy(job)
        f(j)
        return j
    pod = lambda j: j["spec"]["template"]["spec"]
    cont = lambda j: pod(j)["containers"][0]
    cases = [
        ("a misspelt field", mut(lambda j: j["spec"].__setitem__("backofLimit", 0)),
         "Additional properties are not allowed"),
        ("restartPolicy Always", mut(lambda j: pod(j).__setitem__("restartPolicy", "Always")),
         "is not one of"),
        ("a bad quantity", mut(lambda j: cont(j)["resources"]["limits"].__setitem__("memory", "1280MB")),
         "is not valid under any of the given schemas"),
        ("an upper-case container name", mut(lambda j: cont(j).__setitem__("name", "Leakgate")),
         "does not match"),
        ("a mount of no volume", mut(lambda j: cont(j)["volumeMounts"][0].__setitem__("name", "other")),
         "does not declare"),
        ("requests below limits", mut(lambda j: cont(j)["resources"]["requests"].__setitem__("memory", "1Gi")),
         "requests differ from limits"),
        ("shards not completions", mut(lambda j: j["spec"].__setitem__("completions", 3)),
         "does not match completions"),
        ("a privileged pod", mut(lambda j: cont(j)["securityContext"].__setitem__("privileged", True)),
         "is privileged"),
    ]
    bad = []
    for what, j, want in cases:
        got = problems(j, schema)
        if not any(want in p for p in got):
            bad.append("self-test: %s was not refused with '%s' (got %s)" % (what, want, got))
    return bad


def main(argv):
    src = argv[1]
    with open(os.path.join(src, "docs/scaling.md")) as f:
        text = f.read()
    with open(os.path.join(src, "tests/data/k8s/job.schema.json")) as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schema)
    found = jobs(text)
    if not found:
        print("docs/scaling.md: no ```yaml block with kind: Job")
        return 1
    bad = []
    for i, j in enumerate(found):
        bad += ["docs/scaling.md Job %d: %s" % (i + 1, p) for p in problems(j, schema)]
    if "--self-test" in argv:
        bad += self_test(found[0], schema)
    for b in bad:
        print(b)
    if not bad:
        print("k8s manifest: %d Job(s) valid against %d schema definitions" %
              (len(found), len(schema["$defs"])))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
