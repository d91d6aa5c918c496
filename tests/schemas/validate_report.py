#!/usr/bin/env python3
"""validate_report.py — checks docs/schemas/report.schema.json against report.json files the program
writes: `test_report --dump DIR` writes one per scenario of tests/test_report.c (override, conflict,
no clinical file, several lesions, identifiers on request). Each must validate against
report.schema.json, its "decision" against decision.schema.json, and a de-identified report must
not contain the patient's name, ID or birth date anywhere.

Environment: SPS_REPORT_DUMPER (the test_report binary), SPS_SOURCE_DIR.
Exit 0 = passed, 1 = failed, 77 = skipped (python3 jsonschema not installed).
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
DUMPER = os.environ["SPS_REPORT_DUMPER"]


def validator(name):
    with open(os.path.join(SRC, "docs", "schemas", name), encoding="utf-8") as f:
        schema = json.load(f)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def main():
    rv, dv = validator("report.schema.json"), validator("decision.schema.json")
    failed = 0
    with tempfile.TemporaryDirectory() as d:
        subprocess.run([DUMPER, "--dump", d], check=True)
        files = sorted(glob.glob(os.path.join(d, "*.report.json")))
        if len(files) < 5:
            print("FAIL: expected 5 reports, got %d" % len(files))
            return 1
        for path in files:
            with open(path, encoding="utf-8") as f:
                text = f.read()
            rep = json.loads(text)
            for what, v, inst in (("report", rv, rep), ("decision", dv, rep["decision"])):
                errs = sorted(v.iter_errors(inst), key=lambda e: list(e.absolute_path))
                for e in errs[:5]:
                    failed += 1
                    print("FAIL: %s %s: %s: %s" % (os.path.basename(path), what,
                                                  "/".join(str(p) for p in e.absolute_path), e.message[:200]))
            if rep["de_identified"]:
                for ident in ("DOE^JANE", "MRN-4711", "19500101"):
                    if ident in text:
                        failed += 1
                        print("FAIL: %s is de-identified but contains %s" % (os.path.basename(path), ident))
            elif rep.get("patient", {}).get("id") != "MRN-4711":
                failed += 1
                print("FAIL: %s asked for identifiers but has no patient.id" % os.path.basename(path))
        print("%d reports checked, %d problems" % (len(files), failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
