#!/usr/bin/env python3
"""make_case_schema.py — writes docs/schemas/case.schema.json from models/*.json.

The case schema enumerates the tokens of the decision tables and the patient ranges of
models/inputs.json, so it is generated from them rather than kept by hand:

    python3 tests/schemas/make_case_schema.py            # rewrite docs/schemas/case.schema.json
    python3 tests/schemas/make_case_schema.py --check    # exit 1 if the file is out of date

tests/schemas/validate_examples.py runs the --check comparison, so a model change that adds or
renames a token fails the test until the schema is regenerated (and docs/formats.md reviewed).
"""
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
OUT = os.path.join(ROOT, "docs", "schemas", "case.schema.json")

SOURCES = ["measured", "semi_automatic", "entered", "overridden"]  # src/core/input.c


def load(name, models_dir):
    with open(os.path.join(models_dir, name + ".json"), encoding="utf-8") as f:
        return json.load(f)


def tokens(options):
    return [o["token"] for o in options]


def ci(ch):
    """Case-insensitive character class for a letter (JSON Schema regexes have no flags)."""
    return "[%s%s]" % (ch.upper(), ch.lower()) if ch.isalpha() else re.escape(ch)


def level_pattern(sins):
    # sps_level__normalise(): optional surrounding blanks, letters (any case), at most one space or
    # '-' between the letters and the number ("T-12", "t 12"); then models/sins.json level_aliases
    # apply. "T1-2" or "T 1 2" are refused, never read as T12.
    alts = []
    for lab in sorted(set(sins["location"]["levels"]) | set(sins["location"].get("level_aliases", {})),
                      key=lambda s: (-len(s), s)):
        m = re.match(r"^([A-Za-z]+)([0-9]*)$", lab)
        letters, digits = m.group(1), m.group(2)
        alts.append("".join(ci(c) for c in letters) + (r"[ -]?" + digits if digits else ""))
    return r"^\s*(?:" + "|".join(alts) + r")\s*$"


def input_of(bare, description):
    """An input: bare value, null (= missing) or a wrapper whose value is bare or null."""
    return {
        "description": description,
        "anyOf": [
            bare,
            {"type": "null", "description": "same as absent: the input is missing"},
            {
                "allOf": [
                    {"$ref": "#/$defs/wrapper"},
                    {"properties": {"value": {"anyOf": [bare, {"type": "null"}]}}},
                ]
            },
        ],
    }


def number_spec(spec):
    s = {"type": "integer" if spec["type"] == "int" else "number", "minimum": spec["min"], "maximum": spec["max"]}
    step = spec.get("step", 1)
    if spec["type"] == "int" and step > 1:
        s["multipleOf"] = step
    return s


def unit(spec):
    return " (%s)" % spec["unit"] if "unit" in spec else ""


def build(models_dir):
    sins = load("sins", models_dir)
    escc = load("escc", models_dir)
    noms = load("noms", models_dir)
    hist = load("histology", models_dir)
    inputs = load("inputs", models_dir)["fields"]
    surv = {n: load(n, models_dir) for n in ["tokuhashi_revised", "tomita", "bauer_modified", "nesms", "katagiri_new"]}

    patient = {}

    def num(name, ref):
        spec = inputs[name]
        d = "%s%s; %s to %s%s. %s" % (spec["label"], unit(spec), spec["min"], spec["max"],
                                      ", multiple of %s" % spec["step"] if spec.get("step", 1) > 1 else "", ref)
        if "note" in spec:
            d += " " + spec["note"]
        patient[name] = input_of(number_spec(spec), d)
        alt = spec.get("alternative")
        if alt:
            a = {"type": "number", "minimum": alt["min"], "maximum": alt["max"]}
            patient[alt["field"]] = input_of(a, "%s in %s, %s to %s; used only when %s is absent, multiplied by %s. %s"
                                             % (spec["label"], alt["unit"], alt["min"], alt["max"], name, alt["factor"], ref))

    def choice(name, toks, d):
        patient[name] = input_of({"type": "string", "enum": toks}, d)

    def boolean(name, d):
        patient[name] = input_of({"type": "boolean"}, d)

    choice("histology", list(hist["histologies"]),
           "Primary histology token of models/histology.json (clinical-reference.md 8.1). Drives O of NOMS and, "
           "unless entered explicitly, tokuhashi_primary, tomita_growth, katagiri_primary and the two Bauer primary "
           "items; use \"other\" and enter those classes when the histology is not listed.")
    choice("radiosensitivity", noms["radiosensitivity_tokens"],
           "Clinician's radiosensitivity class for O of NOMS; wins over the histology table "
           "(clinical-reference.md 6.2, 8.1). \"intermediate\" has no NOMS row (6.3).")
    boolean("myelopathy", "Myelopathy (N of NOMS); required only for low-grade ESCC (clinical-reference.md 6.2).")
    boolean("functional_radiculopathy", "Functional radiculopathy; shown as context only, the NOMS table has no column for it (clinical-reference.md 6.3).")
    boolean("tolerates_surgery", "Able to tolerate surgery (S of NOMS); needed only for rows 7-10 (clinical-reference.md 6.2).")
    num("expected_survival_months", "Clinician's estimate; surgery threshold and technique tier (clinical-reference.md 8.5).")

    refs = {"tokuhashi_revised": "7.1", "tomita": "7.2", "bauer_modified": "7.3", "nesms": "7.4", "katagiri_new": "7.5"}
    for sname, m in surv.items():
        sec = "clinical-reference.md %s (%s)" % (refs[sname], sname)
        for it in m["items"]:
            name = it.get("input")
            if it["type"] == "worst_of":
                for t in it["tests"]:
                    if t["input"] not in patient:
                        num(t["input"], "Laboratory value, %s item %s." % (sec, it["id"]))
                continue
            if not name or name in patient:
                continue
            if it["type"] in ("int_bands", "number_threshold"):
                num(name, "%s item %s." % (sec, it["id"]))
            elif it["type"] == "choice":
                extra = ""
                if "from_histology" in it:
                    extra = " Derived from patient.histology via models/histology.json %s when absent; an entry here wins." % it["from_histology"]
                elif "derive" in it:
                    extra = " Derived from extraspinal_bone_metastases + vertebral_body_metastases when absent; an entry here wins."
                choice(name, tokens(it["options"]), "%s: %s item %s.%s" % (it.get("label", name), sec, it["id"], extra))
            elif it["type"] == "bool":
                extra = " Derived when absent (%s); an entry here wins." % it["derive"] if "derive" in it else ""
                boolean(name, "%s: %s item %s.%s" % (it.get("label", name), sec, it["id"], extra))
    num("days_surgery_to_rt", "Radiotherapy timing after surgery (clinical-reference.md 8.4).")
    num("hours_embolisation_to_surgery", "Read only for a hypervascular histology (clinical-reference.md 8.2).")
    for name in inputs:  # every field specification must be reachable
        assert name in patient, name

    comps = {}
    for name in sins["component_order"]:
        if name == "location":
            opts = sins["location"]["classes"]
            d = ("Optional. Location comes from the lesion's level; an entry here must agree with it or it is "
                 "refused (clinical-reference.md 1.2).")
        else:
            opts = sins["components"][name]["options"]
            d = "%s (clinical-reference.md 1.1%s)." % (sins["components"][name]["label"],
                                                        "; clinical input only, 1.4" if name == "pain" else "")
        bare = {"anyOf": [{"type": "string", "enum": tokens(opts)},
                          {"type": "integer", "enum": sorted({o["points"] for o in opts})}]}
        comps[name] = input_of(bare, d + " A token or its points: " +
                               ", ".join("%s = %d" % (o["token"], o["points"]) for o in opts) + ".")

    grade_tokens = tokens(escc["grades"])
    bare1 = escc.get("bare_grade_1", {}).get("accepted")
    escc_bare = {"anyOf": [{"type": "string", "enum": grade_tokens + (["1"] if bare1 else [])},
                           {"type": "integer", "enum": [0, 1, 2, 3] if bare1 else [0, 2, 3]}]}

    level = {"type": "string", "pattern": level_pattern(sins),
             "description": "Standard vertebral level: C0 (occiput), C1-C7, T1-T12, L1-L5, S1-S5; case, spaces and "
                            "hyphens are ignored (\"t 12\" = \"T12\"). T13, L6, C8 ... are refused (clinical-reference.md 1.2)."}

    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://spinescore.invalid/schemas/case.schema.json",
        "title": "spinescore case file (format spinescore-case, version 1)",
        "description": ("GENERATED by tests/schemas/make_case_schema.py from models/*.json; do not edit by hand. "
                        "See docs/formats.md. The schema is stricter than the program: unknown members are refused "
                        "here, while spinescore ignores them (with a warning at top level and in lesions, silently "
                        "elsewhere). Cross-field rules (sins.location must agree with level; a reason for "
                        "overridden values) are checked by spinescore; only the second is expressible here."),
        "type": "object",
        "properties": {
            "format": {"const": "spinescore-case", "description": "Optional; if present it must be \"spinescore-case\"."},
            "version": {"const": 1, "description": "Case format version; currently not checked by spinescore."},
            "case_id": {"type": "string", "description": "Copied to the decision's case_id (a non-string is dropped)."},
            "notes": {"type": "string", "description": "Free text, ignored by the scores."},
            "options": {"type": "object", "description": "Reserved; currently ignored."},
            "patient": {
                "type": "object",
                "description": "Patient-level inputs. Every member is optional: a missing input makes the scores "
                               "that need it not_computable, never 0.",
                "properties": patient,
                "additionalProperties": False,
            },
            "lesions": {
                "type": "array",
                "minItems": 1,
                "description": "One entry per lesion; omit the member (not an empty array) to compute patient-level scores only.",
                "items": {"$ref": "#/$defs/lesion"},
            },
        },
        "additionalProperties": False,
        "$defs": {
            "source": {"enum": SOURCES,
                       "description": "Provenance of a value; \"entered\" when a value is given bare."},
            "wrapper": {
                "type": "object",
                "description": "A value with provenance. Members other than these are ignored and not copied to the decision.",
                "properties": {
                    "value": {"description": "The value itself (same rules as the bare form); absent or null = missing."},
                    "source": {"$ref": "#/$defs/source"},
                    "evidence": {"type": "object", "description": "Measurements behind the value; copied to the decision unchanged."},
                    "reason": {"type": "string", "description": "Why the value was overridden; required (non-empty) when source is overridden."},
                    "measured_value": {"description": "The value a measurement proposed (copied unchanged)."},
                    "original_value": {"description": "The value before an override (copied unchanged)."},
                    "note": {"type": "string", "description": "Free-text note (copied unchanged)."},
                },
                "if": {"properties": {"source": {"const": "overridden"}}, "required": ["source"]},
                "then": {"required": ["reason"], "properties": {"reason": {"minLength": 1}}},
            },
            "level": level,
            "lesion": {
                "type": "object",
                "properties": {
                    "level": input_of(level, "Level of the lesion (SINS location, clinical-reference.md 1.2)."),
                    "levels": {"type": "array", "minItems": 1, "items": level,
                               "description": "Several levels of one lesion; used only when level is absent. Each is "
                                              "scored and the highest location is kept (project convention, 1.2)."},
                    "label": {"type": "string", "description": "Free label, copied to the decision."},
                    "notes": {"type": "string", "description": "Free text, ignored."},
                    "evidence": {"type": "object", "description": "Free lesion-level evidence, ignored by the scores."},
                    "sins": {"type": "object", "properties": comps, "additionalProperties": False,
                             "description": "SINS components (clinical-reference.md 1.1)."},
                    "escc": input_of(escc_bare, "Bilsky ESCC grade (clinical-reference.md 2): \"0\", \"1a\", \"1b\", \"1c\", "
                                                "\"2\", \"3\"; 0, 2 and 3 may be numbers; a bare 1 / \"1\" is accepted as "
                                                "low grade with a warning."),
                    "stability": input_of({"type": "string", "enum": ["stable", "unstable"]},
                                          "Clinician's mechanical stability (M of NOMS); always wins over SINS "
                                          "(clinical-reference.md 6.2). Needed when SINS is 7-12."),
                },
                "additionalProperties": False,
            },
        },
    }
    return schema


def main():
    models_dir = os.path.join(ROOT, "models")
    text = json.dumps(build(models_dir), indent=2, ensure_ascii=False) + "\n"
    if "--check" in sys.argv[1:]:
        try:
            with open(OUT, encoding="utf-8") as f:
                old = f.read()
        except OSError:
            old = None
        if old != text:
            print("docs/schemas/case.schema.json is out of date with models/: run python3 tests/schemas/make_case_schema.py")
            return 1
        return 0
    with open(OUT, "w", encoding="utf-8") as f:
        f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
