#!/usr/bin/env bash
# test_hostile.sh — hostile inputs (issue 7, "Reliability"): each must give a clear error (the
# file or field named, what was expected) with its documented exit code, never a crash (exit
# >= 128 or 70), and leave no partial output (no half-written file, no staging folder).
# docs/robustness.md §Hostile inputs records every case, its command, exit code and message.
#   absurd dimensions, Rows/Columns not matching the pixel data, 0-byte files, a DICOMDIR nested
#   100 000 levels deep and one referencing itself, symlink loops, a 100 MB and a 100 000-level
#   JSON, non-UTF-8 names, paths with spaces, a read-only output folder, a full disk.
# Needs: SPS_BIN (spinescore), SPS_PHANTOM (sps-phantom), SPS_SOURCE_DIR; dcmodify (dcmtk).
# The read-only and full-disk cases mount tmpfs in a private mount namespace (unshare -m as root,
# unshare -rm otherwise); without either they fall back to RLIMIT_FSIZE (ulimit -f) for the full
# disk and skip the read-only case; the script prints which ran.
set -u
bin=${SPS_BIN:?}; phantom=${SPS_PHANTOM:?}; src=${SPS_SOURCE_DIR:?}
gen="$src/tests/cli/hostile_gen.py"
command -v dcmodify >/dev/null || { echo "dcmodify (dcmtk) not installed: skipped"; exit 77; }
fail=0; pass=0
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
out="$tmp/stdout"; err="$tmp/stderr"

# expect NAME RC NEEDLE CMD...: exit code RC, stderr (or stdout) holds NEEDLE, no crash.
expect() {
  local name=$1 rc=$2 needle=$3; shift 3
  "$@" > "$out" 2> "$err"; local got=$?
  # SPS_HOSTILE_LOG=FILE: one line per case (name, exit code, first stderr line) for docs/robustness.md
  [ -n "${SPS_HOSTILE_LOG:-}" ] && printf '%s\t%s\t%s\n' "$name" "$got" "$(head -n 1 "$err" | sed "s|$tmp|TMP|g")" >> "$SPS_HOSTILE_LOG"
  if [ "$got" -ge 128 ] || [ "$got" = 70 ]; then
    echo "FAIL: $name: crashed or internal error (exit $got): $(head -c 300 "$err")"; fail=$((fail+1)); return
  fi
  if [ "$got" != "$rc" ]; then
    echo "FAIL: $name: exit $got, expected $rc: $(head -c 300 "$err")"; fail=$((fail+1)); return
  fi
  if [ -n "$needle" ] && ! grep -qaF -- "$needle" "$err" "$out"; then
    echo "FAIL: $name: message lacks '$needle': $(head -c 300 "$err")"; fail=$((fail+1)); return
  fi
  pass=$((pass+1))
}
ok() { if [ "$2" = 0 ]; then pass=$((pass+1)); else echo "FAIL: $1"; fail=$((fail+1)); fi; }
# nothing_left NAME DIR [ALLOWED...]: DIR holds only the ALLOWED names (no staging, no temp)
nothing_left() {
  local name=$1 dir=$2; shift 2
  local extra
  extra=$(ls -A "$dir" 2>/dev/null | grep -v -x -F "$(printf '%s\n' "$@" ZZZ-none)")
  if [ -n "$extra" ]; then echo "FAIL: $name: left in $dir: $extra"; fail=$((fail+1)); else pass=$((pass+1)); fi
}

c=ct-lytic-t12-collapse
"$phantom" "$src/sample-data/$c/spec.json" --out "$tmp/ct" >/dev/null 2>&1 || { echo "FAIL: phantom"; exit 1; }
series="$tmp/ct/dicom"; ann="$src/sample-data/$c/annotations.json"; clin="$src/sample-data/$c/clinical.case.json"
run_to() { "$bin" run "$1" --annotations "${3:-$ann}" --clinical "${4:-$clin}" --out "$2" --no-dicom; }

# 1. absurd dimensions: every file claims 65535 x 65535 (x 80 slices = 343 G voxels)
cp -r "$series" "$tmp/big"; dcmodify -nb -m "(0028,0010)=65535" -m "(0028,0011)=65535" "$tmp/big"/*.dcm >/dev/null 2>&1
expect "absurd dims: info" 3 "voxels exceed the limit" "$bin" info "$tmp/big"
mkdir "$tmp/o1"
expect "absurd dims: run" 3 "voxels exceed the limit" run_to "$tmp/big" "$tmp/o1/case"
nothing_left "absurd dims: run output" "$tmp/o1"
#    one file claiming 100000 frames of 65535 x 65535
mkdir "$tmp/frames"; cp "$series/IM0001.dcm" "$tmp/frames/a.dcm"
dcmodify -nb -m "(0028,0010)=65535" -m "(0028,0011)=65535" -i "(0028,0008)=100000" "$tmp/frames/a.dcm" >/dev/null 2>&1
expect "100000 frames: info" 6 "NumberOfFrames (0028,0008) = 100000" "$bin" info "$tmp/frames/a.dcm" --min-slices 1
# 2. Rows x Columns not matching the pixel data (every file says 1000 rows over 128-row pixels)
cp -r "$series" "$tmp/rows"; dcmodify -nb -m "(0028,0010)=1000" "$tmp/rows"/*.dcm >/dev/null 2>&1
expect "rows mismatch: info" 3 "expected 256000 (1 frame(s) of 128x1000 at 16 bits): truncated" "$bin" info "$tmp/rows"
mkdir "$tmp/o2"
expect "rows mismatch: run" 3 "" run_to "$tmp/rows" "$tmp/o2/case"
nothing_left "rows mismatch: run output" "$tmp/o2"
#    one file of the series: it is split off as a second volume, which is named
cp -r "$series" "$tmp/rows1"; dcmodify -nb -m "(0028,0010)=1000" "$tmp/rows1/IM0040.dcm" >/dev/null 2>&1
expect "one file's rows: info lists the parts" 2 "#2  CT axial 1 frame(s)" "$bin" info "$tmp/rows1"

# 3. 0-byte files
mkdir "$tmp/zero"; : > "$tmp/zero/IM0001.dcm"; : > "$tmp/empty.json"
expect "0-byte DICOM: info" 4 "no DICOM image series found (1 file(s): 0 DICOM, 1 not DICOM" "$bin" info "$tmp/zero/IM0001.dcm"
expect "0-byte DICOM: scan" 0 "1 non-DICOM" "$bin" scan "$tmp/zero"
cp -r "$series" "$tmp/zero2"; : > "$tmp/zero2/IM0099.dcm"
expect "0-byte file in a series: info" 0 "" "$bin" info "$tmp/zero2"
expect "0-byte case: decide" 3 "empty.json:1:1: malformed JSON" "$bin" decide "$tmp/empty.json"
expect "0-byte annotations: measure" 3 "empty.json:1:1: malformed JSON" "$bin" measure "$series" --annotations "$tmp/empty.json"
mkdir "$tmp/o3"
expect "0-byte clinical: run" 3 "empty.json:1:1: malformed JSON" run_to "$series" "$tmp/o3/case" "$ann" "$tmp/empty.json"
nothing_left "0-byte clinical: run output" "$tmp/o3"
expect "0-byte summary: agree" 3 "empty file" "$bin" agree "$tmp/empty.json" "$tmp/empty.json"

# 4. DICOMDIR: records nested 100 000 levels deep (DCMTK recursion), and records pointing at the
#    DICOMDIR itself and its folder
mkdir "$tmp/dd"; cp "$series"/IM000[1-5].dcm "$tmp/dd/"
python3 "$gen" deep_dicomdir "$tmp/dd/DICOMDIR" 100000 IM0001.dcm IM0002.dcm
expect "deep DICOMDIR: scan" 1 "sequences nested more than 128 levels deep" "$bin" scan "$tmp/dd/DICOMDIR"
expect "deep DICOMDIR: info" 4 "sequences nested more than 128 levels deep" "$bin" info "$tmp/dd/DICOMDIR"
expect "deep DICOMDIR in a folder: scan" 1 "DICOMDIR: sequences nested" "$bin" scan "$tmp/dd"
python3 "$gen" deep_dicomdir "$tmp/dd/DICOMDIR" 10 IM0001.dcm IM0002.dcm IM0003.dcm
expect "DICOMDIR nested 10 levels: read" 0 "3 file(s), 3 frame(s)" "$bin" scan "$tmp/dd/DICOMDIR"
mkdir "$tmp/self"; python3 "$gen" self_dicomdir "$tmp/self/DICOMDIR"
expect "self-referencing DICOMDIR: scan" 0 "4 DICOMDIR" timeout 60 "$bin" scan "$tmp/self/DICOMDIR"
#    the same nesting in a file among the files of a series
cp -r "$series" "$tmp/deepimg"; python3 "$gen" deep_dicomdir "$tmp/deepimg/IM0099.dcm" 100000
expect "deep nesting beside a series: scan" 1 "IM0099.dcm: sequences nested more than 128 levels deep" "$bin" scan "$tmp/deepimg"
expect "deep nesting beside a series: info" 0 "128 x 128 x 80" "$bin" info "$tmp/deepimg"

# 5. symlink loops in an export folder
mkdir -p "$tmp/loop/a/b"; cp "$series"/*.dcm "$tmp/loop/a/"
ln -s .. "$tmp/loop/a/b/up"; ln -s . "$tmp/loop/self"; ln -s "$tmp/loop" "$tmp/loop/a/b/root"
expect "symlink loops: scan" 0 "80 DICOM" timeout 60 "$bin" scan "$tmp/loop"
expect "symlink loops: info" 0 "128 x 128 x 80" timeout 60 "$bin" info "$tmp/loop"

# 6. huge and deeply nested JSON
python3 "$gen" huge_json "$tmp/huge.json" 100
python3 "$gen" nested_json "$tmp/nest.json" 100000
expect "100 MB annotations: measure" 3 "file is larger than the 67108864-byte limit" "$bin" measure "$series" --annotations "$tmp/huge.json"
expect "100 MB case: decide" 3 "file is larger than the 16777216-byte limit" "$bin" decide "$tmp/huge.json"
expect "100 MB case on stdin: decide" 3 "larger than the 16777216-byte limit" sh -c '"$0" decide - < "$1"' "$bin" "$tmp/huge.json"
expect "100000-level annotations: measure" 3 "nest.json:1:1001: malformed JSON" "$bin" measure "$series" --annotations "$tmp/nest.json"
expect "100000-level case: decide" 3 "nest.json:1:1001: malformed JSON" "$bin" decide "$tmp/nest.json"
mkdir "$tmp/o6"
expect "100000-level clinical: run" 3 "nest.json:1:1001: malformed JSON" run_to "$series" "$tmp/o6/case" "$ann" "$tmp/nest.json"
expect "100 MB annotations: run" 3 "larger than the 67108864-byte limit" run_to "$series" "$tmp/o6/case" "$tmp/huge.json"
nothing_left "huge/nested JSON: run output" "$tmp/o6"
mkdir "$tmp/models"; cp "$tmp/nest.json" "$tmp/models/sins.json"
expect "100000-level model: decide" 5 "sins.json" "$bin" decide --models "$tmp/models" "$src/sample-data/cases/lytic-t12-renal.case.json"

# 7. non-UTF-8 names (a folder and an output folder named \xff\xfe) and paths with spaces
nu=$(printf 'study-\377\376'); mkdir "$tmp/$nu"; cp "$series"/*.dcm "$tmp/$nu/"
expect "non-UTF-8 folder: scan --json" 0 "" "$bin" scan --json "$tmp/$nu"
python3 -c 'import json,sys; json.load(open(sys.argv[1], encoding="utf-8"))' "$out"; ok "non-UTF-8 folder: scan --json is valid UTF-8 JSON" $?
nuo=$(printf 'out-\376\377')
expect "non-UTF-8 study and output: run" 0 "report:" run_to "$tmp/$nu" "$tmp/$nuo/case"
for f in report.json measurements.json case.json; do
  python3 -c 'import json,sys; json.load(open(sys.argv[1], encoding="utf-8"))' "$tmp/$nuo/case/$f"; ok "non-UTF-8 run: $f is UTF-8 JSON" $?
done
mkdir -p "$tmp/with space/stu dy"; cp -r "$series" "$tmp/with space/stu dy/dicom"
cp "$ann" "$tmp/with space/ann otations.json"; cp "$clin" "$tmp/with space/clin ical.json"
expect "spaces: run" 0 "report:" run_to "$tmp/with space/stu dy/dicom" "$tmp/with space/out put/ca se" \
  "$tmp/with space/ann otations.json" "$tmp/with space/clin ical.json"
[ -s "$tmp/with space/out put/ca se/report.json" ]; ok "spaces: report.json written" $?
expect "spaces: info" 0 "128 x 128 x 80" "$bin" info "$tmp/with space/stu dy/dicom"

# 8. read-only output folder and a full disk: tmpfs mounts in a private mount namespace
ns=""
if [ "$(id -u)" = 0 ] && unshare -m true 2>/dev/null; then ns="unshare -m"
elif unshare -rm true 2>/dev/null; then ns="unshare -rm"; fi
mkdir -p "$tmp/ro" "$tmp/full"
cat > "$tmp/ns.sh" <<EOF
mount -t tmpfs -o size=64k,ro tmpfs "$tmp/ro" || exit 90
mount -t tmpfs -o size=256k tmpfs "$tmp/full" || exit 91
r() { "\$@" > "$tmp/ns.\$n.out" 2> "$tmp/ns.\$n.err"; echo \$? > "$tmp/ns.\$n.rc"; ls -A "$tmp/\$dir" > "$tmp/ns.\$n.ls"; n=\$((n+1)); }
n=0
dir=ro;   r "$bin" run "$series" --annotations "$ann" --clinical "$clin" --out "$tmp/ro/case" --no-dicom
dir=full; r "$bin" run "$series" --annotations "$ann" --clinical "$clin" --out "$tmp/full/case" --no-dicom
dir=full; r "$bin" run "$series" --annotations "$ann" --clinical "$clin" --out "$tmp/full/case"
dd if=/dev/zero of="$tmp/full/fill" bs=1k count=1024 2>/dev/null
dir=full; r "$bin" decide --out "$tmp/full/d.json" "$src/sample-data/cases/lytic-t12-renal.case.json"
dir=full; r "$bin" measure "$series" --annotations "$ann" --out "$tmp/full/m.json"
rm -f "$tmp/full/fill"; dd if=/dev/zero of="$tmp/full/fill" bs=1k count=200 2>/dev/null
dir=full; r "$bin" info "$series" --nifti "$tmp/full/v.nii"
dd if=/dev/zero of="$tmp/full/fill2" bs=1k count=100 2>/dev/null
printf 'case_key,level,status,m_x\nc1,T1,ok,1\nc2,T2,ok,2\n' > "$tmp/s.csv"
dir=full; r "$bin" agree --csv "$tmp/full/a.csv" "$tmp/s.csv" "$tmp/s.csv"
EOF
# results: index name rc needle [allowed leftovers...]
ns_check() {
  local i=$1 name=$2 rc=$3 needle=$4; shift 4
  local got; got=$(cat "$tmp/ns.$i.rc" 2>/dev/null || echo missing)
  [ -n "${SPS_HOSTILE_LOG:-}" ] && printf '%s\t%s\t%s\n' "$name" "$got" "$(grep -v NWAD "$tmp/ns.$i.err" | head -n 1 | sed "s|$tmp|TMP|g")" >> "$SPS_HOSTILE_LOG"
  if [ "$got" != "$rc" ]; then echo "FAIL: $name: exit $got, expected $rc: $(head -c 300 "$tmp/ns.$i.err" 2>/dev/null)"; fail=$((fail+1))
  elif ! grep -qaF -- "$needle" "$tmp/ns.$i.err"; then echo "FAIL: $name: message lacks '$needle': $(head -c 300 "$tmp/ns.$i.err")"; fail=$((fail+1))
  else pass=$((pass+1)); fi
  local extra; extra=$(grep -v -x -F "$(printf '%s\n' "$@" ZZZ-none)" "$tmp/ns.$i.ls" 2>/dev/null)
  if [ -n "$extra" ]; then echo "FAIL: $name: left behind: $extra"; fail=$((fail+1)); else pass=$((pass+1)); fi
}
if [ -n "$ns" ] && $ns sh "$tmp/ns.sh"; then
  echo "read-only folder and full disk: tmpfs in a mount namespace ($ns)"
  ns_check 0 "read-only output folder: run" 4 "Read-only file system"
  ns_check 1 "full disk: run --no-dicom" 4 "No space left on device"
  ns_check 2 "full disk: run with DICOM" 4 "No space left on device"
  ns_check 3 "full disk: decide --out" 4 "No space left on device" fill
  ns_check 4 "full disk: measure --out" 4 "No space left on device" fill
  ns_check 5 "full disk: info --nifti" 4 "v.nii" fill
  ns_check 6 "full disk: agree --csv" 4 "No space left on device" fill fill2
else
  echo "no mount namespace: full disk by RLIMIT_FSIZE (ulimit -f 64, SIGXFSZ ignored); read-only case skipped"
  mkdir "$tmp/lim"
  ( trap '' XFSZ; ulimit -f 64; run_to "$series" "$tmp/lim/case" ) > "$out" 2> "$err"; rc=$?
  [ "$rc" = 4 ]; ok "file size limit: run exits 4 (got $rc)" $?
  nothing_left "file size limit: run output" "$tmp/lim"
fi

echo "test_hostile: $pass passed, $fail failed"
[ "$fail" = 0 ]
