#!/usr/bin/env python3
"""validate_annotations.py — checks docs/schemas/{annotations,seeds}.schema.json against real files.

* both schemas are valid JSON Schema (draft 2020-12);
* the example annotations of sample-data/*/ (annotations.json, annotations.mrk.json: spinescore
  and 3D Slicer forms) and tests/schemas/examples/valid/*.annotations.json validate;
* tests/schemas/examples/invalid/*.annotations.json and *.mrk.json are refused by the schema
  (each holds several independent mistakes; every one must be reported);
* sample-data/*/seeds.json validate against seeds.schema.json.
The parser (src/measure/annotations.c) checks more than a schema can (duplicates, incomplete
six-point sets, planarity, points outside the series): tests/cli/test_cli_measure.sh covers that.
Exit 0 = all passed, 1 = a check failed, 77 = skipped (python3 jsonschema not installed).
"""
import glob
import json
import os
import sys

try:
    import jsonschema
except ImportError:
    print("SKIP: python3 module 'jsonschema' not installed (Debian: python3-jsonschema)")
    sys.exit(77)

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.environ.get("SPS_SOURCE_DIR") or os.path.normpath(os.path.join(HERE, "..", ".."))
failed = passed = 0


def ok(cond, what):
    global failed, passed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL: " + what)


def validator(name):
    with open(os.path.join(SRC, "docs", "schemas", name)) as f:
        schema = json.load(f)
    cls = jsonschema.validators.validator_for(schema)
    try:
        cls.check_schema(schema)
        ok(True, name)
    except jsonschema.exceptions.SchemaError as e:
        ok(False, "%s is not a valid JSON Schema: %s" % (name, e.message))
    return cls(schema)


ann = validator("annotations.schema.json")
seeds = validator("seeds.schema.json")
good = sorted(glob.glob(os.path.join(SRC, "sample-data", "*", "annotations*.json")) +
              glob.glob(os.path.join(SRC, "tests", "schemas", "examples", "valid", "*.annotations.json")))
ok(len(good) >= 5, "expected the sample and example annotation files, found %d" % len(good))
for path in good:
    with open(path) as f:
        doc = json.load(f)
    errs = list(ann.iter_errors(doc))
    ok(not errs, "%s: %s" % (os.path.relpath(path, SRC), "; ".join(e.message[:160] for e in errs[:3])))
bad = sorted(glob.glob(os.path.join(SRC, "tests", "schemas", "examples", "invalid", "*.annotations.json")) +
             glob.glob(os.path.join(SRC, "tests", "schemas", "examples", "invalid", "*.mrk.json")))
ok(len(bad) >= 2, "expected invalid annotation examples")
for path in bad:
    with open(path) as f:
        doc = json.load(f)
    ok(not ann.is_valid(doc), "%s is accepted by the schema" % os.path.relpath(path, SRC))
    # every item of the file carries its own mistake: each must fail on its own
    if doc.get("format") == "spinescore-annotations":
        for key in ("points", "regions"):
            for i, item in enumerate(doc.get(key, [])):
                one = {"format": doc["format"], key: [item]}
                ok(not ann.is_valid(one), "%s: %s[%d] alone is accepted" % (os.path.relpath(path, SRC), key, i))
    else:
        for i, mk in enumerate(doc["markups"]):
            ok(not ann.is_valid({"markups": [mk]}), "%s: markups[%d] alone is accepted" % (os.path.relpath(path, SRC), i))
for path in sorted(glob.glob(os.path.join(SRC, "sample-data", "*", "seeds.json"))):
    with open(path) as f:
        doc = json.load(f)
    errs = list(seeds.iter_errors(doc))
    ok(not errs, "%s: %s" % (os.path.relpath(path, SRC), "; ".join(e.message[:160] for e in errs[:3])))
print("validate_annotations: %d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
