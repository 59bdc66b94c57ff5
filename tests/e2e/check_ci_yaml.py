#!/usr/bin/env python3
"""tests/e2e/check_ci_yaml.py - static checks of leakgate's CI files with a
real YAML parser (PyYAML, Debian's python3-yaml).

usage: check_ci_yaml.py SOURCE_DIR

ci/github/action.yml (composite action):
  - every `inputs.X` used is declared, every declared input is used;
  - every output maps to `steps.ID.outputs.KEY` of a step with that id, and
    the step (or the script it runs from ci/github/) writes KEY;
  - run steps have a shell; scripts they run exist and are executable;
  - no `${{` in descriptions (GitHub would try to evaluate it).
ci/github/workflows/*.yml (examples):
  - they parse, jobs have runs-on and steps, `needs` name real jobs;
  - every `with:` key given to the leakgate action is one of its inputs,
    and every `steps.ID.outputs.KEY` read from a leakgate step is an output.
ci/gitlab/leakgate.yml:
  - every script/before_script entry is a string (a stray ": " makes YAML a
    map, which GitLab rejects);
  - the job keeps artifacts (when: always) and has artifacts:reports:junit;
  - every $LEAKGATE_* variable used is declared, every declared one used.
Prints one line per problem; exit 1 when there is any.
"""
import os
import re
import stat
import sys

import yaml

problems = []


def problem(where, msg):
    problems.append("%s: %s" % (where, msg))


def load(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    return text, yaml.safe_load(text)


def check_action(src):
    where = "ci/github/action.yml"
    path = os.path.join(src, where)
    text, doc = load(path)
    inputs = doc.get("inputs") or {}
    outputs = doc.get("outputs") or {}
    runs = doc.get("runs") or {}
    if runs.get("using") != "composite":
        problem(where, "runs.using is not composite")
    steps = runs.get("steps") or []
    used = set(re.findall(r"\binputs\.([A-Za-z0-9_-]+)", text))
    for name in sorted(used - set(inputs)):
        problem(where, "inputs.%s is used but not declared" % name)
    for name in sorted(set(inputs) - used):
        problem(where, "input %s is declared but never used" % name)
    for name, spec in inputs.items():
        if "description" not in (spec or {}):
            problem(where, "input %s has no description" % name)
        if "${{" in str((spec or {}).get("description", "")):
            problem(where, "input %s: ${{ in a description" % name)
    by_id = {}
    for i, st in enumerate(steps):
        if "id" in st:
            by_id[st["id"]] = st
        if "run" in st and "shell" not in st:
            problem(where, "step %d (%s) has run but no shell" % (i, st.get("name")))
        if "run" not in st and "uses" not in st:
            problem(where, "step %d does neither run nor uses" % i)
        for script in re.findall(r"\$GITHUB_ACTION_PATH/([A-Za-z0-9_./-]+)",
                                 str(st.get("run", ""))):
            sp = os.path.normpath(os.path.join(src, "ci/github", script))
            if not os.path.isfile(sp):
                problem(where, "step %d runs %s, which does not exist" % (i, script))
            elif not os.stat(sp).st_mode & stat.S_IXUSR and not script.endswith(".py"):
                problem(where, "step %d runs %s, which is not executable" % (i, script))
    # steps.X.outputs.Y anywhere must name a step id
    for sid, key in re.findall(r"steps\.([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_-]+)", text):
        if sid not in by_id:
            problem(where, "steps.%s.outputs.%s: no step has id %s" % (sid, key, sid))
    for name, spec in outputs.items():
        m = re.fullmatch(r"\$\{\{\s*steps\.([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_-]+)\s*\}\}",
                         str((spec or {}).get("value", "")).strip())
        if not m:
            problem(where, "output %s does not map to a step output" % name)
            continue
        sid, key = m.groups()
        st = by_id.get(sid)
        if st is None:
            continue  # reported above
        body = str(st.get("run", ""))
        for script in re.findall(r"\$GITHUB_ACTION_PATH/([A-Za-z0-9_./-]+)", body):
            sp = os.path.normpath(os.path.join(src, "ci/github", script))
            if os.path.isfile(sp):
                with open(sp, encoding="utf-8") as f:
                    body += f.read()
        if not re.search(r"(^|[\"' ])%s=" % re.escape(key), body, re.M):
            problem(where, "output %s: step %s never writes %s=" % (name, sid, key))
    return set(inputs), set(outputs)


def leakgate_action(uses):
    return isinstance(uses, str) and re.search(r"(^\./|/)?(tools/leakgate/)?ci/github(@|$)", uses)


def check_workflows(src, inputs, outputs):
    wdir = os.path.join(src, "ci/github/workflows")
    files = sorted(f for f in os.listdir(wdir) if f.endswith((".yml", ".yaml")))
    if len(files) < 3:
        problem("ci/github/workflows", "expected pull-request, main and matrix examples")
    for f in files:
        where = "ci/github/workflows/" + f
        text, doc = load(os.path.join(wdir, f))
        # PyYAML (YAML 1.1) reads the key `on` as True.
        if "on" not in doc and True not in doc:
            problem(where, "no `on:` trigger")
        jobs = doc.get("jobs") or {}
        if not jobs:
            problem(where, "no jobs")
        for jname, job in jobs.items():
            if "runs-on" not in job:
                problem(where, "job %s has no runs-on" % jname)
            needs = job.get("needs", [])
            for n in [needs] if isinstance(needs, str) else needs:
                if n not in jobs:
                    problem(where, "job %s needs unknown job %s" % (jname, n))
            lg_ids = set()
            for i, st in enumerate(job.get("steps") or []):
                if not leakgate_action(st.get("uses")):
                    continue
                if "id" in st:
                    lg_ids.add(st["id"])
                for key in (st.get("with") or {}):
                    if key not in inputs:
                        problem(where, "job %s step %d: with.%s is not an input of the action"
                                % (jname, i, key))
            jtext = yaml.safe_dump(job)
            for sid, key in re.findall(r"steps\.([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_-]+)", jtext):
                if sid in lg_ids and key not in outputs:
                    problem(where, "job %s reads steps.%s.outputs.%s: not an output of the action"
                            % (jname, sid, key))
        if "ci/github" not in text:
            problem(where, "does not use the leakgate action")


def check_gitlab(src):
    where = "ci/gitlab/leakgate.yml"
    text, doc = load(os.path.join(src, where))
    if ".leakgate" not in doc:
        problem(where, "no .leakgate job template")
        return
    declared = set()
    for jname, job in doc.items():
        if not isinstance(job, dict):
            continue
        declared |= {k for k in (job.get("variables") or {}) if k.startswith("LEAKGATE_")}
        for part in ("before_script", "script", "after_script"):
            for i, line in enumerate(job.get(part) or []):
                if not isinstance(line, str):
                    problem(where, "%s.%s[%d] is not a string (a stray ': '?): %r"
                            % (jname, part, i, line))
        arts = job.get("artifacts")
        if jname.startswith(".leakgate"):
            if not arts:
                problem(where, "%s keeps no artifacts" % jname)
            else:
                if arts.get("when") != "always":
                    problem(where, "%s: artifacts are not kept when the job fails" % jname)
                junit = (arts.get("reports") or {}).get("junit")
                if not junit:
                    problem(where, "%s has no artifacts:reports:junit" % jname)
    used = set(re.findall(r"\$\{?(LEAKGATE_[A-Z_]+)", text))
    for v in sorted(used - declared):
        problem(where, "$%s is used but not declared in variables" % v)
    for v in sorted(declared - used):
        problem(where, "variable %s is declared but never used" % v)


def main(argv):
    if len(argv) != 2:
        sys.stderr.write(__doc__)
        return 2
    src = argv[1]
    inputs, outputs = check_action(src)
    check_workflows(src, inputs, outputs)
    check_gitlab(src)
    for p in problems:
        print(p)
    if problems:
        return 1
    print("ci yaml: ok (%d inputs, %d outputs)" % (len(inputs), len(outputs)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
