#!/usr/bin/env bash
# test_cli_run.sh — `spinescore run` end to end on the sample phantoms:
#   1. every sample case: SINS total and category, ESCC grade and NOMS row/decision in report.json
#      equal the phantom truth (truth.json expected tokens and Bilsky grade) plus the clinical file
#      (pain, histology, stability, ...), scored independently from models/ in this script; the
#      image-derived components are marked measured; every output is present; report.json (and
#      its decision) validate against docs/schemas when python3-jsonschema is installed;
#      snapshots / SR / Secondary Captures are required when the build has them (SPS_RUN_RENDER,
#      SPS_RUN_DICOM_WRITE set by tests/cli.cmake from the modules in the build).
#   2. the output folder: a second run replaces DIR as a whole (a stray file disappears, no staging
#      folder is left); a non-run folder is refused and left untouched; --skip-existing.
#   3. refusals with their exit code (docs/exit-codes.md) and nothing half-written: a missing
#      clinical file (4), an annotation naming a level that does not exist (3), a malformed clinical
#      file (3), several series without --series (2), usage (2) (--auto: test_cli_auto.sh);
#      a failing run into an existing DIR leaves the earlier output intact.
#   4. overrides and conflicts: an override with a reason wins and the report keeps the measured
#      value; a contradiction without override is refused (exit 3) and named, the report written.
#   5. research CSV: header once, one row per case, de-identified unless asked.
set -u
bin=${SPS_BIN:?}; phantom=${SPS_PHANTOM:?}; src=${SPS_SOURCE_DIR:?}
fail=0; pass=0
check() { # name expected_rc actual_rc
  if [ "$2" = "$3" ]; then pass=$((pass+1)); else echo "FAIL: $1: exit $3, expected $2"; fail=$((fail+1)); fi
}
ok() { # name condition-exit-status
  if [ "$2" = 0 ]; then pass=$((pass+1)); else echo "FAIL: $1"; fail=$((fail+1)); fi
}
contains() { # name haystack needle
  case "$2" in *"$3"*) pass=$((pass+1));; *) echo "FAIL: $1: output lacks '$3': $2" | head -c 800; echo; fail=$((fail+1));; esac
}
no_partial() { # name parent-folder: no staging folder left behind
  if ls -A "$2" 2>/dev/null | grep -q '\.partial-'; then echo "FAIL: $1: staging folder left in $2"; fail=$((fail+1)); else pass=$((pass+1)); fi
}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

cases="ct-lytic-t12-collapse ct-blastic-l2 mr-t2-escc2-t11"
for c in $cases; do
  "$phantom" "$src/sample-data/$c/spec.json" --out "$tmp/$c" >/dev/null 2>&1; check "phantom $c" 0 $?
done

run_case() { # case out [extra args...]
  local c=$1 out=$2; shift 2
  "$bin" run "$tmp/$c/dicom" --annotations "$src/sample-data/$c/annotations.json" \
      --clinical "$src/sample-data/$c/clinical.case.json" --out "$out" "$@"
}

# 1. every sample case against truth
for c in $cases; do
  out="$tmp/out/$c"
  study=$(python3 -c "import json; print(json.load(open('$tmp/$c/truth.json'))['series']['study_instance_uid'])")
  run_case "$c" "$out" > "$tmp/$c.stdout" 2> "$tmp/$c.stderr"; check "run $c" 0 $?
  for f in report.json report.txt measurements.json case.json; do
    [ -s "$out/$f" ]; ok "$c: $f written" $?
  done
  contains "$c: prints where the report is" "$(cat "$tmp/$c.stdout")" "report:    $out/report.json"
  contains "$c: prints where the snapshots are" "$(cat "$tmp/$c.stdout")" "snapshots:"
  if [ "${SPS_RUN_RENDER:-0}" = 1 ]; then
    n=$(ls "$out/snapshots"/*.png 2>/dev/null | wc -l); [ "$n" -ge 2 ]; ok "$c: snapshots written ($n)" $?
    contains "$c: snapshot folder printed" "$(cat "$tmp/$c.stdout")" "$out/snapshots/"
    python3 "$src/tests/cli/check_run_snapshots.py" "$out" "$tmp/$c/truth.json" "$src/sample-data/$c/annotations.json"
    check "$c: one snapshot per finding; decode, tEXt, numbers match the report, overlays drawn at the truth positions" 0 $?
  fi
  if [ "${SPS_RUN_DICOM_WRITE:-0}" = 1 ]; then
    [ -s "$out/report-sr.dcm" ]; ok "$c: report-sr.dcm written" $?
    contains "$c: DICOM outputs printed" "$(cat "$tmp/$c.stdout")" "$out/report-sr.dcm"
    if command -v dsrdump >/dev/null; then
      sr=$(dsrdump "$out/report-sr.dcm" 2>&1)
      want=$(python3 -c "import json; s=json.load(open('$out/report.json'))['lesions'][0]['summary']; print('%s|%s|%s' % (s['sins_total'], s['escc_grade'], s['noms_row']))")
      contains "$c: SR SINS total" "$sr" "\"SINS total score\")=\"${want%%|*}\""
      g=${want#*|}; contains "$c: SR Bilsky grade" "$sr" "(ESCC-${g%%|*},99SPS"
      contains "$c: SR NOMS row" "$sr" "(NOMS-ROW-${want##*|},99SPS"
      contains "$c: SR in the source study" "$(dcmdump +P StudyInstanceUID "$out/report-sr.dcm")" "$study"
    fi
    if command -v dciodvfy >/dev/null; then
      for f in "$out/report-sr.dcm" "$out"/snapshots-sc/*.dcm; do
        [ -e "$f" ] || continue
        errs=$(dciodvfy "$f" 2>&1 | grep -c '^Error'); [ "$errs" = 0 ]; ok "$c: dciodvfy no errors in ${f##*/}" $?
      done
    fi
    if [ "${SPS_RUN_RENDER:-0}" = 1 ]; then
      np=$(ls "$out/snapshots"/*.png 2>/dev/null | wc -l); ns=$(ls "$out/snapshots-sc"/*.dcm 2>/dev/null | wc -l)
      [ "$np" = "$ns" ]; ok "$c: one Secondary Capture per snapshot ($ns of $np)" $?
      if command -v dcmdump >/dev/null; then
        for f in "$out"/snapshots-sc/*.dcm; do
          d=$(dcmdump +P StudyInstanceUID +P Rows +P Columns "$f" 2>&1)
          contains "$c: ${f##*/} in the source study" "$d" "$study"
        done
      fi
    fi
  fi
  python3 - "$src" "$tmp/$c/truth.json" "$src/sample-data/$c/clinical.case.json" "$out/report.json" <<'EOF'
import json, sys
src, truth, clinical, report = sys.argv[1:]
load = lambda p: json.load(open(p))
t, c, r = load(truth), load(clinical), load(report)
models = {n: load("%s/models/%s.json" % (src, n)) for n in ("sins", "escc", "noms", "histology")}
val = lambda v: v.get("value") if isinstance(v, dict) else v
exp = t["expected"]
focus = exp["level"]
cl = next(l for l in c["lesions"] if l["level"] == focus)
tokens = dict(exp["sins"])
tokens["pain"] = val(cl["sins"]["pain"])
sins = models["sins"]
pts = {"location": {o["token"]: o["points"] for o in sins["location"]["classes"]}}
for comp, spec in sins["components"].items():
    pts[comp] = {o["token"]: o["points"] for o in spec["options"]}
total = sum(pts[k][v] for k, v in tokens.items())
cat = next(x["token"] for x in sins["categories"] if x["min"] <= total <= x["max"])
grade = exp["bilsky"]
ranks = {g["token"]: g["rank"] for g in models["escc"]["grades"]}
n = "high" if ranks[grade] >= ranks[str(models["escc"]["high_grade_from"])] else "low"
p = c["patient"]
o = models["histology"]["histologies"][p["histology"]]["radiosensitivity"]
stab = val(cl.get("stability"))
mf = models["noms"]["mechanical_from_sins"]
mm = stab or ("stable" if total <= mf["stable_max"] else "unstable" if total >= mf["unstable_min"] else None)
s = "able" if p.get("tolerates_surgery") else "unable"
row = next(x for x in models["noms"]["rows"] if x["n"] == n and x["o"] == o and x["m"] == mm
           and (x["myelopathy"] is None or x["myelopathy"] == p["myelopathy"]) and (x["s"] is None or x["s"] == s))
bad = []
def eq(what, got, want):
    if got != want:
        bad.append("%s: report %r, truth/clinical %r" % (what, got, want))
eq("format", r.get("format"), "spinescore-report")
eq("status", r.get("status"), "ok")
eq("de-identified by default", r.get("de_identified"), True)
if "PHANTOM^SPINE" in open(report).read() or t["series"]["patient_id"] in open(report).read():
    bad.append("patient name or ID in a de-identified report")
eq("series used", [x["series_uid"] for x in r["inputs"]["series"]], [t["series"]["series_instance_uid"]])
eq("study", r["inputs"]["study_uid"], t["series"]["study_instance_uid"])
L = next(l for l in r["lesions"] if l["level"] == focus)
S = L["summary"]
eq("sins total", S.get("sins_total"), total)
eq("sins category", S.get("sins_category"), cat)
eq("escc grade", S.get("escc_grade"), grade)
eq("noms row", S.get("noms_row"), row["row"])
eq("noms decision", S.get("noms_decision"), row["decision"])
D = next(l for l in r["decision"]["lesions"] if l["level"] == focus)
eq("decision sins total", D["sins"].get("total"), total)
eq("decision noms decision", D["noms"].get("decision"), row["decision"])
for comp in ("bone_lesion", "collapse", "alignment", "posterolateral"):
    row_c = L["components"][comp]
    eq("final " + comp, row_c["final"]["value"], exp["sins"][comp])
    if row_c.get("measured"):
        eq(comp + " status", row_c["status"], "measured")
        eq(comp + " measured value", row_c["measured"]["value"], exp["sins"][comp])
# the components measured on the image are the ones `measure` lists (CT: all four; MR: no bone class)
meas = load(report.replace("report.json", "measurements.json"))
for comp in meas["lesion"]["sins"]:
    eq(comp + " source", L["components"][comp]["status"], "measured")
eq("escc source", L["components"]["escc"]["status"], "semi_automatic" if "escc" in meas["lesion"] else val(cl.get("escc")) and "entered")
print("%s: SINS %d (%s), ESCC %s, NOMS row %d %s" % (focus, total, cat, grade, row["row"], row["decision"]))
for b in bad:
    print("FAIL: " + b)
sys.exit(1 if bad else 0)
EOF
  check "report vs truth $c" 0 $?
  # the audit case.json is exactly what was scored: deciding it again gives the report's decision
  "$bin" decide "$out/case.json" > "$tmp/$c.redecide.json"; check "$c: decide case.json" 0 $?
  python3 -c "
import json, sys
a = json.load(open('$tmp/$c.redecide.json')); b = json.load(open('$out/report.json'))['decision']
a.pop('case_origin', None); b.pop('case_origin', None)
sys.exit(0 if a == b else 1)"; check "$c: case.json re-decided equals the report's decision" 0 $?
  # report.txt shows the numbers and the decision a person reads
  txt=$(cat "$out/report.txt")
  contains "$c: report.txt has the SINS total" "$txt" "TOTAL"
  contains "$c: report.txt has NOMS" "$txt" "NOMS"
done
contains "T12 report.txt shows the collapse numbers" "$(cat "$tmp/out/ct-lytic-t12-collapse/report.txt")" "collapse 60.0 %"
# the MR case: the bone-lesion class needs CT, so it is entered by the clinical file or named as not measured
contains "MR: bone lesion not measured and why" "$(cat "$tmp/out/mr-t2-escc2-t11/report.json")" "needs CT"

# report.json against the schemas
python3 - "$src" "$tmp/out" <<'EOF'
import glob, json, os, sys
try:
    import jsonschema
except ImportError:
    print("note: python3-jsonschema not installed; schema check skipped"); sys.exit(0)
src, out = sys.argv[1:]
def validator(name):
    schema = json.load(open(os.path.join(src, "docs", "schemas", name)))
    cls = jsonschema.validators.validator_for(schema); cls.check_schema(schema); return cls(schema)
rv, dv = validator("report.schema.json"), validator("decision.schema.json")
bad = 0
files = sorted(glob.glob(os.path.join(out, "*", "report.json")))
for p in files:
    r = json.load(open(p))
    for what, v, inst in (("report", rv, r), ("decision", dv, r["decision"])):
        for e in list(v.iter_errors(inst))[:5]:
            bad += 1; print("FAIL: %s %s: %s: %s" % (p, what, "/".join(map(str, e.absolute_path)), e.message[:200]))
print("schema: %d reports checked" % len(files))
sys.exit(1 if bad or len(files) != 3 else 0)
EOF
check "report.json validates against report.schema.json" 0 $?

# 2. the output folder
c=ct-lytic-t12-collapse; out="$tmp/out/$c"
touch "$out/stray-from-an-old-version.txt"
before=$(stat -c %i "$out")
run_case "$c" "$out" >/dev/null 2>&1; check "second run into the same DIR" 0 $?
[ ! -e "$out/stray-from-an-old-version.txt" ]; ok "second run replaces DIR as a whole" $?
[ -s "$out/report.json" ]; ok "second run: report.json present" $?
[ "$(stat -c %i "$out")" != "$before" ]; ok "second run: DIR is a new folder (moved into place)" $?
no_partial "second run" "$tmp/out"
mkdir -p "$tmp/notrun"; echo keep > "$tmp/notrun/thesis.tex"
err=$(run_case "$c" "$tmp/notrun" 2>&1 >/dev/null); check "non-run folder refused" 4 $?
contains "non-run folder: says why" "$err" "not the output of an earlier run"
[ "$(cat "$tmp/notrun/thesis.tex")" = keep ] && [ ! -e "$tmp/notrun/report.json" ]; ok "non-run folder untouched" $?
no_partial "non-run folder" "$tmp"
mkdir -p "$tmp/empty"
run_case "$c" "$tmp/empty" >/dev/null 2>&1; check "empty existing DIR" 0 $?
[ -s "$tmp/empty/report.json" ]; ok "empty existing DIR filled" $?
run_case "$c" "$tmp/deep/a/b" >/dev/null 2>&1; check "parents created" 0 $?
m1=$(stat -c %Y.%i "$out/report.json")
msg=$(run_case "$c" "$out" --skip-existing 2>&1); check "--skip-existing" 0 $?
contains "--skip-existing says skipped" "$msg" "skipped"
[ "$(stat -c %Y.%i "$out/report.json")" = "$m1" ]; ok "--skip-existing leaves the case alone" $?
(cd "$tmp/out" && "$bin" run "$tmp/$c/dicom" --annotations "$src/sample-data/$c/annotations.json" \
   --clinical "$src/sample-data/$c/clinical.case.json" --out rel >/dev/null 2>&1); check "relative DIR" 0 $?
[ -s "$tmp/out/rel/report.json" ]; ok "relative DIR written" $?
no_partial "relative DIR" "$tmp/out"

# 3. refusals: exit code, message, nothing half-written, an earlier output intact
ann="$src/sample-data/$c/annotations.json"; clin="$src/sample-data/$c/clinical.case.json"
sum_before=$(cat "$out"/report.json | md5sum)
err=$("$bin" run "$tmp/$c/dicom" --annotations "$ann" --clinical "$tmp/none.json" --out "$tmp/bad1" 2>&1 >/dev/null)
check "missing clinical file" 4 $?
contains "missing clinical named" "$err" "none.json"
[ ! -e "$tmp/bad1" ]; ok "missing clinical: no DIR" $?
python3 -c "import json; d=json.load(open('$ann')); d['points'][0]['level']='T13'; json.dump(d, open('$tmp/t13.json','w'))"
err=$("$bin" run "$tmp/$c/dicom" --annotations "$tmp/t13.json" --clinical "$clin" --out "$tmp/bad2" 2>&1 >/dev/null)
check "annotation naming a missing level" 3 $?
contains "missing level: item named" "$err" "points[0]"
[ ! -e "$tmp/bad2" ]; ok "missing level: no DIR" $?
"$bin" run "$tmp/$c/dicom" --annotations "$tmp/t13.json" --clinical "$clin" --out "$out" >/dev/null 2>&1
check "failing run into an existing DIR" 3 $?
[ "$(cat "$out"/report.json | md5sum)" = "$sum_before" ]; ok "failing run leaves the earlier output intact" $?
printf '{"format": "spinescore-case", "version": 1,\n  "patient": {,}\n' > "$tmp/broken.json"
err=$("$bin" run "$tmp/$c/dicom" --annotations "$ann" --clinical "$tmp/broken.json" --out "$tmp/bad3" 2>&1 >/dev/null)
check "malformed clinical file" 3 $?
contains "malformed clinical: line named" "$err" "broken.json:2:"
[ ! -e "$tmp/bad3" ]; ok "malformed clinical: no DIR" $?
"$bin" run "$tmp/nowhere" --annotations "$ann" --clinical "$clin" --out "$tmp/bad4" 2>/dev/null; check "missing study" 4 $?
[ ! -e "$tmp/bad4" ]; ok "missing study: no DIR" $?
mkdir -p "$tmp/study"; cp -r "$tmp/ct-lytic-t12-collapse/dicom" "$tmp/study/a"; cp -r "$tmp/ct-blastic-l2/dicom" "$tmp/study/b"
python3 -c "import json; d=json.load(open('$ann')); d.pop('series_uid'); json.dump(d, open('$tmp/nouid.json','w'))"
err=$("$bin" run "$tmp/study" --annotations "$tmp/nouid.json" --clinical "$clin" --out "$tmp/bad5" 2>&1 >/dev/null)
check "two series, no --series" 2 $?
contains "candidates listed" "$err" "--series"
[ ! -e "$tmp/bad5" ]; ok "two series: no DIR" $?
uid=$(python3 -c "import json; print(json.load(open('$tmp/$c/truth.json'))['series']['series_instance_uid'])")
"$bin" run "$tmp/study" --annotations "$tmp/nouid.json" --clinical "$clin" --out "$tmp/picked" --series "$uid" >/dev/null 2>&1
check "--series picks" 0 $?
"$bin" run "$tmp/study" --annotations "$ann" --clinical "$clin" --out "$tmp/picked2" >/dev/null 2>&1
check "the annotations' series_uid picks" 0 $?
cmp -s <(python3 -c "import json; print(json.load(open('$tmp/picked/report.json'))['lesions'][0]['summary'])") \
       <(python3 -c "import json; print(json.load(open('$out/report.json'))['lesions'][0]['summary'])"); ok "picked series gives the same summary" $?
# --auto (semi-automatic paths): tests/cli/test_cli_auto.sh
"$bin" run "$tmp/$c/dicom" --annotations "$ann" --out "$tmp/bad7" 2>/dev/null; check "no --clinical" 2 $?
"$bin" run "$tmp/$c/dicom" --annotations "$ann" --clinical "$clin" 2>/dev/null; check "no --out" 2 $?
"$bin" run --bogus 2>/dev/null; check "bad option" 2 $?
"$bin" run "$tmp/$c/dicom" --annotations "$ann" --clinical "$clin" --out "$tmp/x" --out "$tmp/y" 2>/dev/null; check "--out twice" 2 $?
[ ! -e "$tmp/bad7" ] && [ ! -e "$tmp/x" ] && [ ! -e "$tmp/y" ]; ok "usage errors write nothing" $?
no_partial "refusals" "$tmp"

# 4. overrides and conflicts (the surgeon's path)
python3 -c "
import json; d=json.load(open('$clin'))
d['lesions'][0]['sins']['collapse']='lt50'; json.dump(d, open('$tmp/conflict.json','w'))
d['lesions'][0]['sins']['collapse']={'value':'lt50','source':'overridden','reason':'reader: endplate fracture line ends mid-body'}
json.dump(d, open('$tmp/override.json','w'))"
"$bin" run "$tmp/$c/dicom" --annotations "$ann" --clinical "$tmp/conflict.json" --out "$tmp/conflict" >/dev/null 2>"$tmp/conflict.err"
check "conflict without override" 3 $?
[ -s "$tmp/conflict/report.json" ]; ok "conflict: report written to show the refusal" $?
python3 - "$tmp/conflict/report.json" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
notes = [n for n in r["merge_notes"] if n["kind"] == "conflict"]
ok = r["status"] == "invalid" and notes and notes[0]["field"].endswith("sins.collapse") and notes[0]["measured_value"] == "gt50"
ok = ok and r["lesions"][0]["summary"].get("sins_total") is None
sys.exit(0 if ok else 1)
EOF
check "conflict: named, not scored" 0 $?
"$bin" run "$tmp/$c/dicom" --annotations "$ann" --clinical "$tmp/override.json" --out "$tmp/override" >/dev/null
check "override with a reason" 0 $?
python3 - "$tmp/override/report.json" "$out/report.json" <<'EOF'
import json, sys
r, base = (json.load(open(p)) for p in sys.argv[1:])
c = r["lesions"][0]["components"]["collapse"]
ok = c["status"] == "overridden" and c["measured"]["value"] == "gt50" and c["final"]["value"] == "lt50"
ok = ok and c["final"].get("reason", "").startswith("reader:")
# SINS collapse gt50 = 3 points, lt50 = 2 points: the total drops by one
ok = ok and r["lesions"][0]["summary"]["sins_total"] == base["lesions"][0]["summary"]["sins_total"] - 1
print("override: collapse measured %s -> final %s, SINS %d -> %d" % (c["measured"]["value"], c["final"]["value"],
      base["lesions"][0]["summary"]["sins_total"], r["lesions"][0]["summary"]["sins_total"]))
sys.exit(0 if ok else 1)
EOF
check "override: measured and final both shown, total follows" 0 $?
contains "override in report.txt" "$(cat "$tmp/override/report.txt")" "endplate fracture line ends mid-body"

# 5. research CSV over several cases, resumable, de-identified unless asked
for c2 in $cases; do run_case "$c2" "$tmp/batch/$c2" --csv "$tmp/batch/rows.csv" --skip-existing >/dev/null 2>&1; check "batch $c2" 0 $?; done
for c2 in $cases; do run_case "$c2" "$tmp/batch/$c2" --csv "$tmp/batch/rows.csv" --skip-existing >/dev/null 2>&1; check "batch resume $c2" 0 $?; done
python3 - "$tmp/batch/rows.csv" <<'EOF'
import csv, sys
rows = list(csv.reader(open(sys.argv[1])))
hdr, body = rows[0], rows[1:]
ok = hdr[0] == "case_id" and "patient_name" not in hdr and len(body) == 3
ok = ok and sorted(r[hdr.index("level")] for r in body) == ["L2", "T11", "T12"]
ok = ok and "PHANTOM^SPINE" not in open(sys.argv[1]).read()
print("csv: %d rows, %d columns" % (len(body), len(hdr)))
sys.exit(0 if ok else 1)
EOF
check "batch CSV: header once, one row per case, resumed cases not repeated, de-identified" 0 $?
run_case ct-blastic-l2 "$tmp/ident" --include-identifiers --csv "$tmp/ident.csv" >/dev/null 2>&1; check "--include-identifiers" 0 $?
contains "identifiers in report.json on request" "$(cat "$tmp/ident/report.json")" "PHANTOM^SPINE"
contains "identifiers in CSV on request" "$(head -1 "$tmp/ident.csv")" "patient_name"
run_case ct-blastic-l2 "$tmp/ident2" --csv "$tmp/ident.csv" >/dev/null 2>&1; check "CSV with other columns refused" 3 $?
run_case ct-blastic-l2 "$tmp/nodicom" --no-dicom > "$tmp/nodicom.out" 2>&1; check "--no-dicom" 0 $?
[ ! -e "$tmp/nodicom/report-sr.dcm" ] && [ ! -e "$tmp/nodicom/snapshots-sc" ]; ok "--no-dicom: no DICOM objects" $?
! grep -rq "PHANTOM^SPINE" "$tmp/nodicom"; ok "--no-dicom: no patient name anywhere in DIR" $?
[ -s "$tmp/ident2/report.json" ]; ok "refused CSV row: the case itself is written" $?

echo "test_cli_run: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
