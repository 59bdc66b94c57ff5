#!/usr/bin/env python3
"""Validate JSON documents against a JSON Schema (draft 2020-12).

usage: validate_json_schema.py SCHEMA DOC...
Prints one line per violation (file: path: message) and exits 1 if any
document is invalid, 2 if the validator itself is missing (python3-jsonschema,
installed by ci/install-deps.sh).
"""
import json
import sys

try:
    import jsonschema
except ImportError:
    print("python3-jsonschema is not installed (run ci/install-deps.sh)",
          file=sys.stderr)
    sys.exit(2)


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8") as f:
        schema = json.load(f)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    validator = cls(schema)
    bad = 0
    for path in argv[2:]:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
        errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
        for e in errors:
            loc = "/".join(str(p) for p in e.path) or "(root)"
            print(f"{path}: {loc}: {e.message}")
        bad += bool(errors)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
