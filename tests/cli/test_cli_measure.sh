#!/usr/bin/env bash
# test_cli_measure.sh — `spinescore measure` end to end on the sample phantoms:
#   generate the three sample phantoms, check that the committed example annotations are the ones
#   tools/make-annotations.py makes from their truth, run `measure` with them, feed the result and
#   the example clinical file to `decide --measurements`, and assert the SINS total and category,
#   the ESCC grade and the NOMS decision against truth.json (expected SINS tokens and Bilsky grade)
#   plus the clinical file (pain, histology, stability, ...), scored independently from models/.
#   Then the refusals: points outside the volume, unknown levels, incomplete six-point sets,
#   pixel references to images that do not exist, several series, mask regions, and
#   merge conflicts, each with its exit code (docs/exit-codes.md) and the item named.
set -u
bin=${SPS_BIN:?}; phantom=${SPS_PHANTOM:?}; src=${SPS_SOURCE_DIR:?}
fail=0; pass=0
check() { # name expected_rc actual_rc
  if [ "$2" = "$3" ]; then pass=$((pass+1)); else echo "FAIL: $1: exit $3, expected $2"; fail=$((fail+1)); fi
}
contains() { # name haystack needle
  case "$2" in *"$3"*) pass=$((pass+1));; *) echo "FAIL: $1: output lacks '$3': $2" | head -c 600; echo; fail=$((fail+1));; esac
}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

cases="ct-lytic-t12-collapse ct-blastic-l2 mr-t2-escc2-t11"
for c in $cases; do
  "$phantom" "$src/sample-data/$c/spec.json" --out "$tmp/$c" >/dev/null 2>&1; check "phantom $c" 0 $?
done

# 1. committed example annotations are in sync with the phantoms' truth
"$src/tools/make-sample-annotations.sh" "$tmp" "$tmp/ann" >/dev/null; check "make-sample-annotations" 0 $?
for f in ct-lytic-t12-collapse/annotations.json ct-lytic-t12-collapse/annotations.mrk.json \
         ct-blastic-l2/annotations.json mr-t2-escc2-t11/annotations.json \
         ct-lytic-t12-collapse/seeds.json ct-blastic-l2/seeds.json mr-t2-escc2-t11/seeds.json; do
  if cmp -s "$tmp/ann/$f" "$src/sample-data/$f"; then pass=$((pass+1)); else
    echo "FAIL: sample-data/$f differs from tools/make-annotations.py output (run tools/make-sample-annotations.sh)"; fail=$((fail+1)); fi
done

# 2. measure -> decide --measurements, checked against truth + clinical inputs
for c in $cases; do
  "$bin" measure "$tmp/$c/dicom" --annotations "$src/sample-data/$c/annotations.json" --out "$tmp/$c.m.json"
  check "measure $c" 0 $?
  "$bin" decide --measurements "$tmp/$c.m.json" "$src/sample-data/$c/clinical.case.json" > "$tmp/$c.d.json"
  check "decide $c" 0 $?
  python3 - "$src" "$tmp/$c/truth.json" "$src/sample-data/$c/clinical.case.json" "$tmp/$c.m.json" "$tmp/$c.d.json" <<'EOF'
import json, sys
src, truth, clinical, meas, dec = sys.argv[1:]
load = lambda p: json.load(open(p))
t, c, m, d = load(truth), load(clinical), load(meas), load(dec)
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
row = next(r for r in models["noms"]["rows"] if r["n"] == n and r["o"] == o and r["m"] == mm
           and (r["myelopathy"] is None or r["myelopathy"] == p["myelopathy"]) and (r["s"] is None or r["s"] == s))
L = d["lesions"][0]
bad = []
def eq(what, got, want):
    if got != want:
        bad.append("%s: decision %r, truth/clinical %r" % (what, got, want))
eq("sins total", L["sins"].get("total"), total)
eq("sins category", L["sins"].get("category"), cat)
eq("escc grade", L["escc"].get("grade"), grade)
eq("noms decision", L["noms"].get("decision"), row["decision"])
eq("noms row", L["noms"].get("row"), row["row"])
for comp in ("bone_lesion", "collapse", "alignment", "posterolateral"):
    eq("sins " + comp, L["sins"]["components"][comp]["value"], exp["sins"][comp])
# the measured components are marked as measured, with evidence
for comp, v in m["lesion"]["sins"].items():
    eq(comp + " source", L["sins"]["components"][comp]["source"], "measured")
print("%s: SINS %d (%s), ESCC %s, NOMS row %d %s" % (focus, total, cat, grade, row["row"], row["decision"]))
for b in bad:
    print("FAIL: " + b)
sys.exit(1 if bad else 0)
EOF
  check "decision vs truth $c" 0 $?
done

# pixel references and the Slicer file give the same tokens as the LPS file
c=ct-lytic-t12-collapse
python3 "$src/tools/make-annotations.py" "$tmp/$c/truth.json" --pixel --out "$tmp/px.json"
"$bin" measure "$tmp/$c/dicom" --annotations "$tmp/px.json" --out "$tmp/px.m.json"; check "measure pixel refs" 0 $?
"$bin" measure "$tmp/$c/dicom" --annotations "$src/sample-data/$c/annotations.mrk.json" --out "$tmp/mrk.m.json"; check "measure slicer" 0 $?
python3 - "$tmp/$c.m.json" "$tmp/px.m.json" "$tmp/mrk.m.json" <<'EOF'
import json, sys
a, b, s = (json.load(open(p)) for p in sys.argv[1:])
tok = lambda m: {k: v["value"] for k, v in m["lesion"]["sins"].items()}
ok = tok(a) == tok(b) and all(tok(a)[k] == v for k, v in tok(s).items()) and set(tok(s)) == {"collapse", "alignment", "posterolateral"}
ok = ok and abs(a["measurements"]["collapse"]["collapse_pct"] - s["measurements"]["collapse"]["collapse_pct"]) < 1e-9
print("lps", tok(a), "pixel", tok(b), "slicer", tok(s))
sys.exit(0 if ok else 1)
EOF
check "pixel/slicer tokens equal" 0 $?

# pixel references by SOPInstanceUID, and on a copy whose InstanceNumbers run backwards (the slice
# comes from ImagePositionPatient, never from InstanceNumber order): same numbers as by instance
if command -v dcmodify >/dev/null && command -v dcmdump >/dev/null; then
  cp -r "$tmp/$c/dicom" "$tmp/rev"
  n=$(ls "$tmp/rev"/*.dcm | wc -l)
  for f in "$tmp/rev"/IM*.dcm; do
    k=$(basename "$f" .dcm); k=$((10#${k#IM}))
    dcmodify -nb -m "(0020,0013)=$((n + 1 - k))" "$f" >/dev/null 2>&1
  done
  python3 - "$tmp/px.json" "$tmp/rev" "$n" "$tmp/sop.json" "$tmp/revpx.json" <<'EOF2'
import json, subprocess, sys
src, rev, n, sop_out, rev_out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
d = json.load(open(src))
sop = json.loads(json.dumps(d)); back = json.loads(json.dumps(d))
for a, b in zip(sop["points"], back["points"]):
    if "pixel" in a:
        inst = a["pixel"]["instance"]
        out = subprocess.run(["dcmdump", "+P", "0008,0018", "%s/IM%04d.dcm" % (rev, inst)], stdout=subprocess.PIPE, universal_newlines=True).stdout
        uid = out.split("[", 1)[1].split("]", 1)[0]
        del a["pixel"]["instance"]
        a["pixel"]["sop_instance_uid"] = uid
        b["pixel"]["instance"] = n + 1 - inst
json.dump(sop, open(sop_out, "w")); json.dump(back, open(rev_out, "w"))
EOF2
  "$bin" measure "$tmp/rev" --annotations "$tmp/sop.json" --out "$tmp/sop.m.json"; check "measure by SOPInstanceUID" 0 $?
  "$bin" measure "$tmp/rev" --annotations "$tmp/revpx.json" --out "$tmp/revpx.m.json"; check "measure reversed InstanceNumbers" 0 $?
  python3 - "$tmp/px.m.json" "$tmp/sop.m.json" "$tmp/revpx.m.json" <<'EOF2'
import json, sys
ms = [json.load(open(p)) for p in sys.argv[1:]]
c = [m["measurements"]["collapse"] for m in ms]
ok = all(abs(x[k] - c[0][k]) < 1e-9 for x in c for k in ("ha_mm", "hm_mm", "hp_mm", "collapse_pct"))
print("pixel by instance / SOP UID / reversed InstanceNumber:", [x["collapse_pct"] for x in c])
sys.exit(0 if ok else 1)
EOF2
  check "SOP UID and reversed InstanceNumber give the same numbers" 0 $?
else
  echo "note: dcmodify/dcmdump not found, SOPInstanceUID and reversed-order checks skipped"
fi

# 3. refusals
ann="$src/sample-data/$c/annotations.json"
edit() { # python expression on doc d -> file
  python3 -c "import json,sys; d=json.load(open('$ann')); $1; json.dump(d, open('$2','w'))"
}
edit "d['points'][0]['lps']=[0,0,500]" "$tmp/out.json"
err=$("$bin" measure "$tmp/$c/dicom" --annotations "$tmp/out.json" 2>&1 >/dev/null); check "point outside" 3 $?
contains "outside names item" "$err" "points[0]"
contains "outside says outside" "$err" "outside the loaded series"
edit "d['points'][0]['level']='T13'" "$tmp/t13.json"
err=$("$bin" measure "$tmp/$c/dicom" --annotations "$tmp/t13.json" 2>&1 >/dev/null); check "level T13" 3 $?
contains "T13 named" "$err" "points[0]"
edit "d['points']=[p for p in d['points'] if not (p['level']=='T12' and p['role']=='sup_mid')]" "$tmp/five.json"
err=$("$bin" measure "$tmp/$c/dicom" --annotations "$tmp/five.json" 2>&1 >/dev/null); check "five points" 3 $?
contains "five named" "$err" "5 of the six morphometry points of T12"
edit "d['points'][0]={'level':'T11','role':'sup_ant','pixel':{'instance':999,'column':60,'row':50}}" "$tmp/inst.json"
err=$("$bin" measure "$tmp/$c/dicom" --annotations "$tmp/inst.json" 2>&1 >/dev/null); check "instance 999" 3 $?
contains "instance named" "$err" "InstanceNumber 999"
contains "instance item" "$err" "points[0]"
edit "d['points'][0]={'level':'T11','role':'sup_ant','pixel':{'instance':3,'column':500,'row':50}}" "$tmp/col.json"
err=$("$bin" measure "$tmp/$c/dicom" --annotations "$tmp/col.json" 2>&1 >/dev/null); check "column 500" 3 $?
contains "column named" "$err" "column 500.0"
edit "d['regions'][0]={'level':'T12','role':'lesion','mask':'lesion.nii'}" "$tmp/mask.json"
err=$("$bin" measure "$tmp/$c/dicom" --annotations "$tmp/mask.json" 2>&1 >/dev/null); check "mask region" 6 $?
contains "mask named" "$err" "regions[0]"
edit "d['regions'][1]['sphere']['radius_mm']=1.0" "$tmp/smallref.json"
err=$("$bin" measure "$tmp/$c/dicom" --annotations "$tmp/smallref.json" 2>&1 >/dev/null); check "small reference" 3 $?
contains "small reference named" "$err" "reference ROI of T12"
# --auto and its refusals: tests/cli/test_cli_auto.sh
# several series: the candidates are listed, exit 2; --series picks one; a wrong one is not found
mkdir -p "$tmp/study"; cp -r "$tmp/ct-lytic-t12-collapse/dicom" "$tmp/study/a"; cp -r "$tmp/ct-blastic-l2/dicom" "$tmp/study/b"
edit "d.pop('series_uid')" "$tmp/nouid.json"
err=$("$bin" measure "$tmp/study" --annotations "$tmp/nouid.json" 2>&1 >/dev/null); check "two series" 2 $?
contains "candidates listed" "$err" "--series 2."
uid=$(python3 -c "import json; print(json.load(open('$tmp/$c/truth.json'))['series']['series_instance_uid'])")
"$bin" measure "$tmp/study" --annotations "$tmp/nouid.json" --series "$uid" >/dev/null; check "--series picks" 0 $?
"$bin" measure "$tmp/study" --annotations "$ann" >/dev/null; check "series_uid of the annotations picks" 0 $?
"$bin" measure "$tmp/study" --annotations "$tmp/nouid.json" --series 1.2.3 2>/dev/null; check "unknown series" 4 $?
"$bin" measure "$tmp/study" 2>/dev/null; check "no annotations" 2 $?
err=$("$bin" measure "$tmp/$c/dicom" --annotations "$ann" --level L4 2>&1 >/dev/null); check "level without annotations" 3 $?
contains "level named" "$err" "L4 has no annotations (annotated levels: T11, T12, L1)"
err=$("$bin" measure "$tmp/$c/dicom" --annotations "$ann" --level L6 2>&1 >/dev/null); check "level L6" 3 $?
contains "L6 named" "$err" "L6"
"$bin" measure --bogus 2>/dev/null; check "bad option" 2 $?
"$bin" measure "$tmp/nowhere" --annotations "$ann" 2>/dev/null; check "missing folder" 4 $?
# merge conflicts: a case value that disagrees with the measurement is refused, an override wins
python3 -c "
import json; d=json.load(open('$src/sample-data/$c/clinical.case.json'))
d['lesions'][0]['sins']['collapse']='lt50'; json.dump(d, open('$tmp/conflict.json','w'))
d['lesions'][0]['sins']['collapse']={'value':'lt50','source':'overridden','reason':'reader: endplate fracture line ends mid-body'}
json.dump(d, open('$tmp/override.json','w'))"
out=$("$bin" decide --measurements "$tmp/$c.m.json" "$tmp/conflict.json" 2>/dev/null); check "merge conflict" 3 $?
contains "conflict named" "$out" '"field":	"lesions[0].sins.collapse"'
contains "conflict not scored" "$out" '"status":	"invalid"'
out=$("$bin" decide --measurements "$tmp/$c.m.json" "$tmp/override.json"); check "override" 0 $?
contains "override keeps measured value" "$out" '"measured_value":	"gt50"'
err=$("$bin" decide --measurements "$tmp/$c.d.json" "$src/sample-data/$c/clinical.case.json" 2>&1 >/dev/null); check "not a measurements file" 3 $?
contains "not measurements named" "$err" "$c.d.json: measurements"

echo "test_cli_measure: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
