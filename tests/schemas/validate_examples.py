#!/usr/bin/env python3
"""validate_examples.py — checks docs/schemas/{case,decision}.schema.json against real files.

* both schemas are valid JSON Schema (draft 2020-12), and case.schema.json is up to date with
  models/ (tests/schemas/make_case_schema.py --check);
* sample-data/cases/*.case.json and tests/schemas/examples/valid/*.case.json validate against
  case.schema.json; tests/schemas/examples/invalid/*.case.json are refused by it AND by spinescore;
* every "case" of tests/cases/core/*.json validates against case.schema.json, except the cases meant
  to be refused (expected "status" "invalid", or refused by spinescore); those are only reported
  when the schema would accept them (a refusal the schema cannot express, e.g. a location that
  disagrees with the level);
* the decision spinescore prints for every one of those cases validates against
  decision.schema.json.

Environment: SPS_BIN (the spinescore binary; without it the decision checks are skipped),
SPS_SOURCE_DIR (the source tree; default: two levels above this file).
Exit 0 = all passed, 1 = a check failed, 77 = skipped (python3 jsonschema not installed).
"""
import glob
import json
import os
import subprocess
import sys
import tempfile

try:
    import jsonschema
except ImportError:
    print("SKIP: python3 module 'jsonschema' not installed (Debian: python3-jsonschema)")
    sys.exit(77)

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.environ.get("SPS_SOURCE_DIR") or os.path.normpath(os.path.join(HERE, "..", ".."))
BIN = os.environ.get("SPS_BIN")

passed = 0
failed = 0
notes = 0


def ok(cond, what, detail=""):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL: %s%s" % (what, (": " + detail) if detail else ""))
    return cond


def rel(path):
    return os.path.relpath(path, SRC)


def errors_of(validator, instance, limit=5):
    errs = sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path))
    return ["%s: %s" % ("/".join(str(p) for p in e.absolute_path) or "(root)", e.message[:200]) for e in errs[:limit]]


def load_schema(name):
    path = os.path.join(SRC, "docs", "schemas", name)
    with open(path, encoding="utf-8") as f:
        schema = json.load(f)
    cls = jsonschema.validators.validator_for(schema)
    try:
        cls.check_schema(schema)
        ok(True, name)
    except jsonschema.exceptions.SchemaError as e:
        ok(False, "%s is not a valid JSON Schema" % name, e.message)
    return cls(schema)


def decide(case_text, label, wording=None):
    """Run spinescore decide on case text; returns (exit code, decision or None, stderr)."""
    with tempfile.NamedTemporaryFile("w", suffix=".case.json", delete=False, encoding="utf-8") as f:
        f.write(case_text)
        path = f.name
    try:
        cmd = [BIN, "decide"] + (["--wording", wording] if wording else []) + [path]
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    finally:
        os.unlink(path)
    out = p.stdout.decode("utf-8", "replace")
    try:
        return p.returncode, json.loads(out), p.stderr.decode("utf-8", "replace")
    except ValueError:
        return p.returncode, None, p.stderr.decode("utf-8", "replace")


def check_decision(dv, case_text, label, wording=None):
    """Decision of a case validates; returns its status or None."""
    if not BIN:
        return None
    rc, d, err = decide(case_text, label, wording)
    if not ok(rc in (0, 3) and d is not None, "%s: spinescore decide" % label, "exit %d %s" % (rc, err.strip()[:300])):
        return None
    e = errors_of(dv, d)
    ok(not e, "%s: decision against decision.schema.json" % label, "; ".join(e))
    return d.get("status")


def main():
    global notes
    cv = load_schema("case.schema.json")
    dv = load_schema("decision.schema.json")

    sys.path.insert(0, HERE)
    import make_case_schema
    generated = json.dumps(make_case_schema.build(os.path.join(SRC, "models")), indent=2, ensure_ascii=False) + "\n"
    with open(os.path.join(SRC, "docs", "schemas", "case.schema.json"), encoding="utf-8") as f:
        ok(f.read() == generated, "case.schema.json is up to date with models/",
           "run python3 tests/schemas/make_case_schema.py and review docs/formats.md")

    if not BIN:
        print("NOTE: SPS_BIN not set: decisions are not checked")

    # Example case files: samples and tests/schemas/examples/valid must validate; examples/invalid must not.
    files = sorted(glob.glob(os.path.join(SRC, "sample-data", "cases", "*.case.json")))
    valid = sorted(glob.glob(os.path.join(HERE, "examples", "valid", "*.case.json")))
    invalid = sorted(glob.glob(os.path.join(HERE, "examples", "invalid", "*.case.json")))
    ok(len(files) > 0, "sample-data/cases has case files")
    for path in files + valid + invalid:
        with open(path, encoding="utf-8") as f:
            text = f.read()
        case = json.loads(text)
        e = errors_of(cv, case)
        if path in invalid:
            ok(bool(e), "%s: case.schema.json refuses it" % rel(path))
        else:
            ok(not e, "%s: case against case.schema.json" % rel(path), "; ".join(e))
        st = check_decision(dv, text, rel(path))
        if st is not None and path in valid + invalid:
            want_invalid = path in invalid
            ok((st == "invalid") == want_invalid, "%s: spinescore status" % rel(path),
               "got %s, expected %s" % (st, "invalid" if want_invalid else "not invalid"))

    # Core test cases.
    for path in sorted(glob.glob(os.path.join(SRC, "tests", "cases", "core", "*.json"))):
        try:
            with open(path, encoding="utf-8") as f:
                doc = json.load(f)
        except ValueError as ex:
            ok(False, "%s: readable JSON" % rel(path), str(ex))
            continue
        for i, c in enumerate(doc.get("cases", [])):
            label = "%s case %d (%s)" % (rel(path), i, c.get("name", "unnamed"))
            case = c.get("case")
            if isinstance(case, dict) and isinstance(case.get("$include"), str):
                with open(os.path.join(SRC, case["$include"]), encoding="utf-8") as f:
                    text = f.read()
                case = json.loads(text)
            else:
                text = json.dumps(case)
            wording = c.get("wording") if isinstance(c.get("wording"), str) else None
            st = check_decision(dv, text, label, wording)
            expect = c.get("expect") if isinstance(c.get("expect"), dict) else {}
            e = errors_of(cv, case)
            if expect.get("status") == "invalid" or st == "invalid":
                if not e:  # informational: the program refuses what the schema cannot express
                    notes += 1
                    print("NOTE: %s: refused by spinescore but accepted by case.schema.json" % label)
                continue
            if c.get("schema_refuses") is True:
                # the program accepts it with a warning (e.g. an unknown member); the stricter schema must refuse it
                ok(bool(e), "%s: case.schema.json refuses it" % label, "accepted")
                continue
            ok(not e, "%s: case against case.schema.json" % label, "; ".join(e))

    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
