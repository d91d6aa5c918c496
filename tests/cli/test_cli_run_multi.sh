#!/usr/bin/env bash
# test_cli_run_multi.sh — one `spinescore run` over a study with two series of one patient: the
# staging CT (tests/cli/multi/ct-t11.spec.json) and the axial T2 MR of sample mr-t2-escc2-t11
# (same phantom seed, so the same PatientID), one annotation file per series.
#   1. bone lesion, collapse, alignment and posterolateral are measured on the CT, ESCC on the MR
#      (models/measurement.json series_choice); SINS total and category, ESCC grade and NOMS
#      decision equal the phantoms' truth (CT expected tokens, MR Bilsky grade) with the clinical
#      file, and equal a run of the MR alone with the CT values entered by hand (the sample's
#      clinical file);
#   2. the report names both series and what each gave; the order of --annotations changes nothing;
#   3. every finding is drawn on the series it was measured on and its Secondary Capture is filed
#      in that series' study; the SR is in the CT's study and its points reference CT images only;
#   4. refusals: series of two patients (exit 3), two files for one series (2), --series with
#      several files (2); nothing is written.
set -u
bin=${SPS_BIN:?}; phantom=${SPS_PHANTOM:?}; src=${SPS_SOURCE_DIR:?}
fail=0; pass=0
check() { if [ "$2" = "$3" ]; then pass=$((pass+1)); else echo "FAIL: $1: exit $3, expected $2"; fail=$((fail+1)); fi; }
ok() { if [ "$2" = 0 ]; then pass=$((pass+1)); else echo "FAIL: $1"; fail=$((fail+1)); fi; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

"$phantom" "$src/tests/cli/multi/ct-t11.spec.json" --out "$tmp/ct" >/dev/null 2>&1; check "phantom CT" 0 $?
"$phantom" "$src/sample-data/mr-t2-escc2-t11/spec.json" --out "$tmp/mr" >/dev/null 2>&1; check "phantom MR" 0 $?
mkdir -p "$tmp/study"; cp -r "$tmp/ct/dicom" "$tmp/study/ct"; cp -r "$tmp/mr/dicom" "$tmp/study/mr"
python3 "$src/tools/make-annotations.py" "$tmp/ct/truth.json" --out "$tmp/ct.ann.json"; check "CT annotations" 0 $?
mr_ann="$src/sample-data/mr-t2-escc2-t11/annotations.json"
clin="$src/tests/cli/multi/clinical.case.json"

# 1-2. the two-series run, both orders, and the MR alone with the CT values entered
"$bin" run "$tmp/study" --annotations "$mr_ann" --annotations "$tmp/ct.ann.json" --clinical "$clin" \
    --out "$tmp/out" > "$tmp/out.log" 2>&1; check "run CT + MR" 0 $?
"$bin" run "$tmp/study" --annotations "$tmp/ct.ann.json" --annotations "$mr_ann" --clinical "$clin" \
    --out "$tmp/out2" > /dev/null 2>&1; check "run CT + MR, other order" 0 $?
"$bin" run "$tmp/mr/dicom" --annotations "$mr_ann" --clinical "$src/sample-data/mr-t2-escc2-t11/clinical.case.json" \
    --out "$tmp/mr-only" > /dev/null 2>&1; check "run MR alone" 0 $?
python3 - "$src" "$tmp" <<'EOF'
import json, sys
src, tmp = sys.argv[1:]
load = lambda p: json.load(open(p))
ct, mr, r = load(tmp + "/ct/truth.json"), load(tmp + "/mr/truth.json"), load(tmp + "/out/report.json")
clin = load(src + "/tests/cli/multi/clinical.case.json")
sins = load(src + "/models/sins.json")
bad = []
def eq(what, got, want):
    if got != want:
        bad.append("%s: got %r, expected %r" % (what, got, want))
exp = dict(ct["expected"]["sins"])
exp["pain"] = clin["lesions"][0]["sins"]["pain"]["value"]
pts = {"location": {o["token"]: o["points"] for o in sins["location"]["classes"]}}
for comp, spec in sins["components"].items():
    pts[comp] = {o["token"]: o["points"] for o in spec["options"]}
total = sum(pts[k][v] for k, v in exp.items())
cat = next(x["token"] for x in sins["categories"] if x["min"] <= total <= x["max"])
L = r["lesions"][0]
S = L["summary"]
eq("level", L["level"], "T11")
eq("sins total", S.get("sins_total"), total)
eq("sins category", S.get("sins_category"), cat)
eq("escc grade (MR truth)", S.get("escc_grade"), mr["expected"]["bilsky"])
ctuid, mruid = ct["series"]["series_instance_uid"], mr["series"]["series_instance_uid"]
for comp in ("bone_lesion", "collapse", "alignment", "posterolateral"):
    c = L["components"][comp]
    eq(comp + " final", c["final"]["value"], exp[comp])
    eq(comp + " status", c["status"], "measured")
    eq(comp + " measured on", c["measured"]["evidence"].get("series_uid"), ctuid)
eq("escc measured on", L["components"]["escc"]["measured"]["evidence"].get("series_uid"), mruid)
eq("escc status", L["components"]["escc"]["status"], "semi_automatic")
ser = {s["series_uid"]: s for s in r["inputs"]["series"]}
eq("series listed", sorted(ser), sorted([ctuid, mruid]))
eq("CT role", ser.get(ctuid, {}).get("role"), "measurements: bone_lesion, collapse, alignment, posterolateral")
eq("MR role", ser.get(mruid, {}).get("role"), "measurements: escc")
eq("primary study (CT)", r["inputs"]["study_uid"], ct["series"]["study_instance_uid"])
m = load(tmp + "/out/measurements.json")
eq("series_choice", {x["component"]: x["series"]["modality"] for x in m["series_choice"]},
   {"bone_lesion": "CT", "collapse": "CT", "alignment": "CT", "posterolateral": "CT", "escc": "MR"})
eq("per_series documents", len(m["per_series"]), 2)
# the same decision as the MR alone with the CT values entered by hand
o = load(tmp + "/mr-only/report.json")["lesions"][0]["summary"]
for k in ("sins_total", "sins_category", "escc_grade", "noms_row", "noms_decision"):
    eq("same as MR + entered CT values: " + k, S.get(k), o.get(k))
# the order of the annotation files changes nothing but the creation time
a, b = load(tmp + "/out/report.json"), load(tmp + "/out2/report.json")
for x in (a, b):
    x.pop("created", None)
    x["inputs"].pop("annotations_file", None)
eq("order of --annotations", a == b, True)
for x in bad:
    print("FAIL:", x)
sys.exit(1 if bad else 0)
EOF
ok "two-series report against truth" $?

# 3. snapshots, Secondary Captures and SR on the right series and study
if [ -d "$tmp/out/snapshots" ] && command -v dcmdump >/dev/null; then
  ct_study=$(python3 -c "import json; print(json.load(open('$tmp/ct/truth.json'))['series']['study_instance_uid'])")
  mr_study=$(python3 -c "import json; print(json.load(open('$tmp/mr/truth.json'))['series']['study_instance_uid'])")
  for f in T11-collapse T11-lesion T11-canal; do [ -s "$tmp/out/snapshots/$f.png" ]; ok "snapshot $f" $?; done
  if [ -d "$tmp/out/snapshots-sc" ]; then
    dcmdump +P StudyInstanceUID "$tmp/out/snapshots-sc/T11-canal.dcm" | grep -q "$mr_study"; ok "canal SC in the MR study" $?
    dcmdump +P StudyInstanceUID "$tmp/out/snapshots-sc/T11-collapse.dcm" | grep -q "$ct_study"; ok "collapse SC in the CT study" $?
    dcmdump +P StudyInstanceUID "$tmp/out/report-sr.dcm" | grep -q "$ct_study"; ok "SR in the CT study" $?
    # every image an SR point is selected from is a CT image of the run
    ct_sops=$(for f in "$tmp/ct/dicom"/*; do dcmdump +P SOPInstanceUID "$f" | sed 's/.*\[\(.*\)\].*/\1/'; done | sort)
    sr_sops=$(dcmdump +P ReferencedSOPInstanceUID "$tmp/out/report-sr.dcm" | sed 's/.*\[\(.*\)\].*/\1/' | sort -u)
    [ -n "$sr_sops" ] && [ -z "$(comm -13 <(echo "$ct_sops") <(echo "$sr_sops"))" ]; ok "SR references CT images only" $?
    if command -v dciodvfy >/dev/null; then
      for f in "$tmp/out/report-sr.dcm" "$tmp/out"/snapshots-sc/*.dcm; do
        errs=$(dciodvfy "$f" 2>&1 | grep -c '^Error'); [ "$errs" = 0 ]; ok "dciodvfy ${f##*/}" $?
      done
    fi
  fi
fi

# 4. refusals, nothing written
cp -r "$tmp/study" "$tmp/other"
dcmodify -nb -m "(0010,0020)=SOMEONE-ELSE" "$tmp/other/mr"/* >/dev/null 2>&1; check "dcmodify" 0 $?
"$bin" run "$tmp/other" --annotations "$mr_ann" --annotations "$tmp/ct.ann.json" --clinical "$clin" \
    --out "$tmp/refused1" > "$tmp/r1.log" 2>&1; check "two patients refused" 3 $?
grep -q "different patients" "$tmp/r1.log"; ok "two patients: named" $?
"$bin" run "$tmp/study" --annotations "$mr_ann" --annotations "$mr_ann" --clinical "$clin" \
    --out "$tmp/refused2" > "$tmp/r2.log" 2>&1; check "one series twice refused" 2 $?
"$bin" run "$tmp/study" --series 1 --annotations "$mr_ann" --annotations "$tmp/ct.ann.json" --clinical "$clin" \
    --out "$tmp/refused3" > /dev/null 2>&1; check "--series with two files refused" 2 $?
for d in refused1 refused2 refused3; do [ ! -e "$tmp/$d" ]; ok "$d: nothing written" $?; done
[ -z "$(ls -A "$tmp" | grep partial)" ]; ok "no staging folder left" $?

echo "test_cli_run_multi: $pass passed, $fail failed"
[ "$fail" = 0 ]
