#!/usr/bin/env bash
# test_cli_batch.sh — `spinescore batch` end to end on the sample phantoms:
#   1. a manifest of 6 cases (relative, absolute and quoted paths with a comma, two readers of one
#      study, Slicer markups): the 4 good cases are "ok" and their summary rows equal the phantom
#      truth (measured SINS tokens, Bilsky grade, collapse %) and their report.json; a missing study
#      folder and an invalid clinical file are "failed" with an error naming the manifest line /
#      the file, every score cell empty; the batch exits 1 and never stops at them.
#   2. resume: the same batch started again in another folder, killed with SIGKILL as soon as the
#      first case folder appears (its running case dies with it: no case completes afterwards),
#      rerun: the complete cases are skipped, the failed ones retried, and the whole folder
#      (cases/, work/ logs, summary.csv) equals the uninterrupted batch byte for byte, with no
#      normalisation (report.json's `created` comes from the batch's SOURCE_DATE_EPOCH, kept in
#      DIR/work/source-date-epoch). A fixed input turns a failed case into ok on the next rerun.
#      A case whose run process is killed (a crash) is failed with its signal, the batch goes on,
#      a rerun retries it; --timeout kills and records a case.
#   3. de-identification: phantoms with distinctive PatientName, PatientID, BirthDate,
#      AccessionNumber, InstitutionName and referring / performing / reading physician names, in
#      a study folder named after the "patient": no output byte (every file, file name and link,
#      PNG tEXt/zTXt/iTXt decompressed) holds any of them, nor the input paths; the snapshots of
#      two phantoms differing only in those identifiers have identical pixels (nothing burned in).
#      With --include-identifiers the name, ID (and, with DICOM outputs, birth date, accession and
#      referring physician) are found, so the scan can fail; the folder refuses the other setting.
#   4. manifest errors: unknown column, a bad case_id, duplicate cases, unclosed quote: exit 3,
#      the line named, nothing run.
set -u
bin=${SPS_BIN:?}; phantom=${SPS_PHANTOM:?}; src=${SPS_SOURCE_DIR:?}
fail=0; pass=0
check() { if [ "$2" = "$3" ]; then pass=$((pass+1)); else echo "FAIL: $1: exit $3, expected $2"; fail=$((fail+1)); fi; }
ok() { if [ "$2" = 0 ]; then pass=$((pass+1)); else echo "FAIL: $1"; fail=$((fail+1)); fi; }
contains() { case "$2" in *"$3"*) pass=$((pass+1));; *) echo "FAIL: $1: lacks '$3': $(printf '%s' "$2" | head -c 600)"; fail=$((fail+1));; esac; }
tmp=$(mktemp -d); bgpid=
cleanup() { [ -n "$bgpid" ] && kill -9 "$bgpid" 2>/dev/null; [ -n "${SPS_KEEP_TMP:-}" ] && echo "kept $tmp" || rm -rf "$tmp"; }
trap cleanup EXIT
unset SOURCE_DATE_EPOCH

mkdir -p "$tmp/data" "$tmp/m"
for c in ct-lytic-t12-collapse ct-blastic-l2 mr-t2-escc2-t11; do
  "$phantom" "$src/sample-data/$c/spec.json" --out "$tmp/data/$c" >/dev/null 2>&1; check "phantom $c" 0 $?
done
S=$src/sample-data
cp "$S/mr-t2-escc2-t11/clinical.case.json" "$tmp/m/mr clinical, v2.json"
printf '{"format": "spinescore-case", "version": 1, oops\n' > "$tmp/m/broken.case.json"
cat > "$tmp/m/manifest.csv" <<EOF
study,annotations,clinical,reader,case_id
../data/ct-lytic-t12-collapse/dicom,$S/ct-lytic-t12-collapse/annotations.json,$S/ct-lytic-t12-collapse/clinical.case.json,R1,
../data/ct-blastic-l2/dicom/,$S/ct-blastic-l2/annotations.json,$S/ct-blastic-l2/clinical.case.json,R1,blastic-01
$tmp/data/mr-t2-escc2-t11/dicom,$S/mr-t2-escc2-t11/annotations.json,"mr clinical, v2.json",R1,
../data/ct-lytic-t12-collapse/dicom,$S/ct-lytic-t12-collapse/annotations.mrk.json,$S/ct-lytic-t12-collapse/clinical.case.json,R2,

../data/no-such-study/dicom,$S/ct-blastic-l2/annotations.json,$S/ct-blastic-l2/clinical.case.json,R1,broken-study
../data/ct-blastic-l2/dicom,$S/ct-blastic-l2/annotations.json,broken.case.json,R1,broken-clinical
EOF
seed_epoch() { mkdir -p "$1/work"; echo 1700000000 > "$1/work/source-date-epoch"; }

# ---- 1. uninterrupted batch -------------------------------------------------------------------
A=$tmp/A; seed_epoch "$A"
"$bin" batch "$tmp/m/manifest.csv" --out "$A" -j 2 > "$tmp/A.out" 2> "$tmp/A.err"
check "batch with two failing cases exits 1 (partial)" 1 $?
contains "log: one plain line per case (stderr not a terminal)" "$(cat "$tmp/A.err")" "[6/6] row"
contains "prints the summary path" "$(cat "$tmp/A.out")" "summary:   $A/summary.csv"
n=$(ls -d "$A"/cases/*/ | wc -l); [ "$n" = 4 ]; ok "four case folders ($n)" $?
python3 - "$A" "$tmp/data" <<'EOF'
import csv, json, sys
A, data = sys.argv[1:]
rows = list(csv.DictReader(open(A + "/summary.csv", newline="")))
bad = []
def eq(what, got, want):
    if got != want:
        bad.append("%s: got %r, want %r" % (what, got, want))
eq("rows in manifest order (keys, readers)", [(r["case_key"][:1] if not r["case_key"].startswith(("blastic", "broken")) else r["case_key"], r["reader"]) for r in rows],
   [("s", "R1"), ("blastic-01", "R1"), ("s", "R1"), ("s", "R2"), ("broken-study", "R1"), ("broken-clinical", "R1")])
eq("two readers of one study share the derived case key", rows[0]["case_key"], rows[3]["case_key"])
eq("derived keys differ between studies", rows[0]["case_key"] != rows[2]["case_key"], True)
cases = {0: "ct-lytic-t12-collapse", 1: "ct-blastic-l2", 2: "mr-t2-escc2-t11"}
for i, c in cases.items():
    r = rows[i]
    t = json.load(open("%s/%s/truth.json" % (data, c)))["expected"]
    folder = "%s__%s" % (r["case_key"], r["reader"])
    rep = json.load(open("%s/cases/%s/report.json" % (A, folder)))
    eq(c + " status", (r["status"], r["error"]), ("ok", ""))
    eq(c + " level", r["level"], t["level"])
    for comp in ("bone_lesion", "alignment", "collapse", "posterolateral"):
        if r[comp + "_source"] == "measured":
            eq("%s %s (measured) = truth" % (c, comp), r[comp], t["sins"][comp])
    measured = [k for k in ("bone_lesion", "alignment", "collapse", "posterolateral") if r[k + "_source"] == "measured"]
    if len(measured) < (2 if c.startswith("mr") else 4):
        bad.append("%s: only %s measured" % (c, measured))
    eq(c + " escc = truth bilsky", r["escc_grade"], t["bilsky"])
    pts = sum(int(r[k + "_points"]) for k in ("location", "pain", "bone_lesion", "alignment", "collapse", "posterolateral"))
    eq(c + " sins_total = sum of points", int(r["sins_total"]), pts)
    S = rep["lesions"][0]["summary"]
    eq(c + " sins_total = report.json", int(r["sins_total"]), S["sins_total"])
    eq(c + " category = report.json", r["sins_category"], S["sins_category"])
    eq(c + " noms = report.json", r["noms_decision"], S.get("noms_decision", ""))
    surv = rep["decision"]["survival"]["tomita"]
    eq(c + " tomita = report.json", r["tomita_total"], str(surv["total"]) if surv["status"] == "ok" else "")
    eq(c + " de-identified report", rep["de_identified"], True)
    eq(c + " inputs named by link, not path", (rep["inputs"]["annotations_file"].split(".")[0], "/" in rep["inputs"]["clinical_file"]), ("annotations", False))
    eq(c + " created from the batch epoch", rep.get("created"), "2023-11-14T22:13:20Z")
# reader R2 placed Slicer markups without lesion region or canal outlines: the bone lesion and ESCC
# are not computable, so SINS total, category, ESCC and NOMS are empty cells (never 0)
r2 = rows[3]
eq("R2 (Slicer markups) status", r2["status"], "ok")
eq("R2 measured tokens = truth", [r2[k] for k in ("alignment", "collapse", "posterolateral")],
   [json.load(open(data + "/ct-lytic-t12-collapse/truth.json"))["expected"]["sins"][k] for k in ("alignment", "collapse", "posterolateral")])
eq("R2 not computable: empty cells", [r2[k] for k in ("bone_lesion", "bone_lesion_points", "sins_total", "sins_category", "escc_grade", "escc_source", "noms_decision")], [""] * 7)
eq("R2 bone lesion source", r2["bone_lesion_source"], "missing")
eq("R2 same collapse % as R1 (same points)", r2["m_collapse_percent"], rows[0]["m_collapse_percent"])
lyt = rows[0]
eq("lytic collapse % (truth 60 % anterior)", abs(float(lyt["m_collapse_percent"]) - 60) < 3, True)
eq("blastic collapse is measured as 0 %, not empty", rows[1]["m_collapse_percent"], "0")
eq("MR has no bone lesion measurement: empty cell", rows[2]["m_lesion_mean_hu"], "")
eq("MR sac area measured", float(rows[2]["m_sac_area_mm2"] or 0) > 0, True)
eq("mr clinical file with a comma in its quoted name was used", json.load(open("%s/cases/%s__R1/report.json" % (A, rows[2]["case_key"])))["inputs"]["clinical_file"], "mr clinical, v2.json")
bs, bc = rows[4], rows[5]
eq("missing study: failed", bs["status"], "failed")
if "line 7" not in bs["error"] or "study" not in bs["error"]:
    bad.append("missing study error does not name the manifest line and column: %r" % bs["error"])
eq("invalid clinical: failed", bc["status"], "failed")
if "broken.case.json" not in bc["error"] or "run exit 3" not in bc["error"]:
    bad.append("invalid clinical error does not name the file and the exit code: %r" % bc["error"])
score_cols = [k for k in rows[0] if k not in ("case_key", "reader", "status", "error")]
for r in (bs, bc):
    eq(r["case_key"] + ": every score cell empty", [k for k in score_cols if r[k]], [])
for line in bad:
    print("FAIL:", line)
sys.exit(1 if bad else 0)
EOF
ok "summary: truth, report.json, failed rows" $?

# ---- 2. killed midway, resumed: equal to the uninterrupted batch ------------------------------
B=$tmp/B; seed_epoch "$B"
"$bin" batch "$tmp/m/manifest.csv" --out "$B" -j 1 > /dev/null 2> "$tmp/B1.err" &
bgpid=$!
for i in $(seq 1 600); do
  ls "$B"/cases/*/report.json >/dev/null 2>&1 && break
  sleep 0.05
done
kill -9 "$bgpid"; wait "$bgpid" 2>/dev/null; bgpid=
done1=$(ls "$B"/cases/*/report.json 2>/dev/null | wc -l)
sleep 2
done2=$(ls "$B"/cases/*/report.json 2>/dev/null | wc -l)
[ "$done1" -ge 1 ] && [ "$done1" -lt 4 ]; ok "killed midway ($done1 of 4 cases complete)" $?
[ "$done1" = "$done2" ]; ok "the running case died with the batch (no case completed after the kill: $done1 -> $done2)" $?
"$bin" batch "$tmp/m/manifest.csv" --out "$B" -j 2 > /dev/null 2> "$tmp/B2.err"
check "resumed batch exits 1 (the two failing cases)" 1 $?
contains "resume skips complete cases" "$(cat "$tmp/B2.err")" "already complete"
contains "resume retries the failed case" "$(cat "$tmp/B2.err")" "broken-clinical__R1: failed"
ls -A "$B/cases" | grep -q partial; [ $? != 0 ]; ok "no staging folder left in cases/" $?
d=$(diff -r --no-dereference "$A" "$B" 2>&1); ok "killed+resumed batch folder equals the uninterrupted one byte for byte${d:+: $(printf '%s' "$d" | head -c 800)}" $([ -z "$d" ]; echo $?)
cmp -s "$A/summary.csv" "$B/summary.csv"; ok "summary.csv identical" $?
# a case that crashes (its run process killed from outside, as a segfault would) is recorded with
# its signal, the batch goes on, and a rerun retries it: then equal to the uninterrupted batch
if command -v pgrep >/dev/null; then
  K=$tmp/K; seed_epoch "$K"
  "$bin" batch "$tmp/m/manifest.csv" --out "$K" -j 1 >/dev/null 2>&1 &
  bgpid=$!; kid=
  for i in $(seq 1 2000); do kid=$(pgrep -P "$bgpid" | head -1); [ -n "$kid" ] && break; sleep 0.01; done
  [ -n "$kid" ] && kill -9 "$kid"
  wait "$bgpid"; check "batch goes on after a crashed case: exit 1" 1 $?; bgpid=
  st=$(python3 -c "import csv; print([(r['status'], 'killed by signal 9' in r['error']) for r in csv.DictReader(open('$K/summary.csv'))])")
  [ "$st" = "[('failed', True), ('ok', False), ('ok', False), ('ok', False), ('failed', False), ('failed', False)]" ]
  ok "crashed case failed with its signal, the others as before ($st)" $?
  "$bin" batch "$tmp/m/manifest.csv" --out "$K" >/dev/null 2>&1
  cmp -s "$A/summary.csv" "$K/summary.csv"; ok "rerun retries the crashed case: summary equals the uninterrupted batch" $?
fi
# --timeout: a case running longer is killed and recorded (the first row takes about a second)
"$bin" batch "$tmp/m/manifest.csv" --out "$tmp/T" --only 1 --timeout 0.05 >/dev/null 2>&1; check "--timeout: exit 1" 1 $?
"$bin" batch "$tmp/m/manifest.csv" --out "$tmp/T" --summary-only >/dev/null 2>&1
grep -q ',failed,run timed out after 1 s and was killed' "$tmp/T/summary.csv"; ok "timed-out case recorded as failed" $?
# a rerun of a complete batch changes nothing (every good case skipped)
"$bin" batch "$tmp/m/manifest.csv" --out "$B" > /dev/null 2> "$tmp/B3.err"
n=$(grep -c ": already complete$" "$tmp/B3.err"); [ "$n" = 4 ]; ok "rerun: 4 cases already complete ($n)" $?
# a failed case is retried on rerun: fix its clinical file
cp "$S/ct-blastic-l2/clinical.case.json" "$tmp/m/broken.case.json"
"$bin" batch "$tmp/m/manifest.csv" --out "$B" > /dev/null 2> "$tmp/B4.err"
check "rerun after the fix: still 1 (the missing study)" 1 $?
st=$(python3 -c "import csv,sys; print([r['status'] for r in csv.DictReader(open('$B/summary.csv'))])")
[ "$st" = "['ok', 'ok', 'ok', 'ok', 'failed', 'ok']" ]; ok "the fixed case is ok now ($st)" $?

# ---- 3. de-identification ---------------------------------------------------------------------
mkspec() { # out-spec name-tag
  python3 - "$S/ct-blastic-l2/spec.json" "$1" "$2" <<'EOF'
import json, sys
spec, out, tag = sys.argv[1:]
s = json.load(open(spec))
s["identifiers"] = {"patient_name": "Qzx%sfamily^Wvj%sgiven" % (tag, tag), "patient_id": "PIDqz%s" % tag,
                    "patient_birth_date": "1923040%s" % tag, "accession_number": "ACCqz%s" % tag,
                    "institution_name": "Kqz%s Institute" % tag, "referring_physician": "Refqz%s^Doc" % tag,
                    "performing_physician": "Perfqz%s^Doc" % tag, "reading_physician": "Readqz%s^Doc" % tag}
json.dump(s, open(out, "w"))
EOF
}
mkdir -p "$tmp/id"
for k in 1 2; do
  mkspec "$tmp/id/spec$k.json" $k
  "$phantom" "$tmp/id/spec$k.json" --out "$tmp/data/Qzx${k}family_Wvj${k}given_export" >/dev/null 2>&1; check "phantom with identifiers $k" 0 $?
  python3 - "$S/ct-blastic-l2/annotations.json" "$tmp/data/Qzx${k}family_Wvj${k}given_export/truth.json" "$tmp/id/ann$k.json" <<'EOF'
import json, sys
a, t, out = sys.argv[1:]
a = json.load(open(a)); a["series_uid"] = json.load(open(t))["series"]["series_instance_uid"]
json.dump(a, open(out, "w"))
EOF
done
command -v dcmdump >/dev/null && { dcmdump "$tmp/data/Qzx1family_Wvj1given_export/dicom/IM0001.dcm" | grep -q "Readqz1"; ok "phantom wrote the reading physician" $?; }
cat > "$tmp/id/manifest.csv" <<EOF
study,annotations,clinical,reader
../data/Qzx1family_Wvj1given_export/dicom,ann1.json,$S/ct-blastic-l2/clinical.case.json,R1
../data/Qzx2family_Wvj2given_export/dicom,ann2.json,$S/ct-blastic-l2/clinical.case.json,R1
EOF
scan() { # DIR tag... : prints every identifier found (file: needle)
  python3 - "$@" <<'EOF'
import os, re, sys, zlib
root, tags, extra = sys.argv[1], sys.argv[2].split(","), sys.argv[3:]
needles = list(extra)
for t in tags:
    needles += ["Qzx%sfamily" % t, "Wvj%sgiven" % t, "PIDqz%s" % t, "1923040%s" % t, "1923-04-0%s" % t,
                "ACCqz%s" % t, "Kqz%s Institute" % t, "Refqz%s" % t, "Perfqz%s" % t, "Readqz%s" % t]
def texts(path, data):
    yield data
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        i = 8
        while i + 8 <= len(data):
            n = int.from_bytes(data[i:i + 4], "big"); typ = data[i + 4:i + 8]; body = data[i + 8:i + 8 + n]
            if typ == b"zTXt":
                k = body.index(b"\0"); yield zlib.decompress(body[k + 2:])
            elif typ == b"iTXt":
                k = body.index(b"\0"); flag = body[k + 1]; rest = body[k + 3:]
                rest = rest.split(b"\0", 2)[2]
                yield zlib.decompress(rest) if flag else rest
            i += 12 + n
found = set()
nfiles = 0
for d, dirs, files in os.walk(root):
    for name in dirs + files:
        p = os.path.join(d, name)
        blobs = [p[len(root):].encode()]
        if os.path.islink(p):
            blobs.append(os.readlink(p).encode())
        elif os.path.isfile(p):
            nfiles += 1
            blobs += list(texts(p, open(p, "rb").read()))
        for b in blobs:
            low = b.lower()
            for nd in needles:
                if nd.lower().encode() in low:
                    found.add("%s: %s" % (p[len(root):], nd))
print("\n".join(sorted(found)))
print("scanned %d files" % nfiles, file=sys.stderr)
EOF
}
D=$tmp/D
"$bin" batch "$tmp/id/manifest.csv" --out "$D" -j 2 > /dev/null 2> "$tmp/D.err"
check "de-identified batch" 0 $?
hits=$(scan "$D" 1,2 "$tmp/data" "$tmp/id" 2>/dev/null)
[ -z "$hits" ]; ok "no identifier, no input path in any output byte of the de-identified batch${hits:+: $(echo "$hits" | head -5)}" $?
n=$(find "$D" -name '*.png' | wc -l); [ "$n" -ge 4 ]; ok "snapshots scanned ($n PNG)" $?
[ -z "$(find "$D" -name '*.dcm')" ]; ok "no DICOM outputs by default" $?
python3 - "$D" <<'EOF'
import csv, os, sys, zlib
D = sys.argv[1]
rows = list(csv.DictReader(open(D + "/summary.csv")))
def pixels(p):
    data = open(p, "rb").read(); i = 8; idat = b""
    while i + 8 <= len(data):
        n = int.from_bytes(data[i:i + 4], "big")
        if data[i + 4:i + 8] == b"IDAT":
            idat += data[i + 8:i + 8 + n]
        i += 12 + n
    return zlib.decompress(idat)
a, b = ["%s/cases/%s__R1/snapshots" % (D, r["case_key"]) for r in rows]
names = sorted(os.listdir(a))
bad = [n for n in names if pixels(os.path.join(a, n)) != pixels(os.path.join(b, n))]
if not names or sorted(os.listdir(b)) != names or bad:
    print("FAIL: snapshots of phantoms differing only in identifiers differ in pixels:", bad or names)
    sys.exit(1)
EOF
ok "identifiers change no snapshot pixel (nothing burned in)" $?
"$bin" batch "$tmp/id/manifest.csv" --out "$D" --include-identifiers > /dev/null 2>&1
check "a de-identified folder refuses --include-identifiers" 2 $?
I=$tmp/I
"$bin" batch "$tmp/id/manifest.csv" --out "$I" --include-identifiers > /dev/null 2> "$tmp/I.err"
check "batch --include-identifiers" 0 $?
hits=$(scan "$I" 1,2 2>/dev/null)
for nd in Qzx1family PIDqz1 Qzx2family PIDqz2; do contains "--include-identifiers: $nd found (the scan can fail)" "$hits" "$nd"; done
contains "--include-identifiers: identifiers in summary.csv" "$hits" "/summary.csv: PIDqz1"
if [ -n "$(find "$I" -name '*.dcm')" ]; then
  for nd in 19230401 ACCqz1 Refqz1; do contains "--include-identifiers: $nd in the DICOM outputs" "$hits" "$nd"; done
fi

# ---- 4. manifest errors: exit 3, line named, nothing run --------------------------------------
E=$tmp/E
bad_manifest() { # name expected-text manifest-text
  printf '%b' "$3" > "$tmp/m/bad.csv"
  out=$("$bin" batch "$tmp/m/bad.csv" --out "$E" 2>&1); check "$1: exit 3" 3 $?
  contains "$1: message" "$out" "$2"
  [ ! -e "$E" ]; ok "$1: nothing written" $?
}
bad_manifest "unknown column" "unknown column 'anotations'" 'study,anotations,clinical\na,b,c\n'
bad_manifest "bad case_id" "bad.csv:2: case_id '../x'" 'study,annotations,clinical,case_id\na,b,c,../x\n'
bad_manifest "duplicate case" "lines 2 and 3 are the same case" 'study,annotations,clinical\na,b,c\n./a/,b2,c2\n'
bad_manifest "unclosed quote" "line 2: a quoted cell is not closed" 'study,annotations,clinical\n"a,b,c\n'
bad_manifest "missing required cell" "bad.csv:3: study, clinical and annotations or seeds are required" 'study,annotations,clinical\na,b,c\nx,,y\n'
"$bin" batch "$tmp/m/manifest.csv" > /dev/null 2>&1; check "usage: --out missing" 2 $?
"$bin" batch "$tmp/m/manifest.csv" --out "$E" --only 9 > /dev/null 2>&1; check "usage: --only beyond the manifest" 2 $?

echo "test_cli_batch: $pass passed, $fail failed"
[ "$fail" = 0 ]
