#!/usr/bin/env bash
# test_cli_agree.sh — `spinescore agree A.csv B.csv` end to end: the Bland & Altman 1986 PEFR data
# (tests/agree/bland_altman_1986_lancet_pefr.csv) as two readers' m_* column, table / --json /
# --csv outputs, exclusions, "not computable" (never nan), and the exit codes.
set -u
bin=${SPS_BIN:?}; src=${SPS_SOURCE_DIR:?}
fail=0; pass=0
check() { if [ "$2" = "$3" ]; then pass=$((pass+1)); else echo "FAIL: $1: exit $3, expected $2"; fail=$((fail+1)); fi; }
contains() { case "$2" in *"$3"*) pass=$((pass+1));; *) echo "FAIL: $1: output lacks '$3'"; fail=$((fail+1));; esac; }
lacks() { case "$2" in *"$3"*) echo "FAIL: $1: output has '$3'"; fail=$((fail+1));; *) pass=$((pass+1));; esac; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

# Two summaries built from the PEFR table: reader A = Wright, reader B = mini Wright; every case
# also has sins_total/escc_grade; pain_points is 3 for everyone in both files (kappa undefined).
hdr='case_key,reader,level,status,error,pain,pain_points,pain_source,sins_total,escc_grade,m_pefr_l_min'
{ echo "$hdr"; grep -v '^#' "$src/tests/agree/bland_altman_1986_lancet_pefr.csv" | tail -n +2 |
  awk -F, '{g=($1%3==0)?"1b":"2"; printf "case%02d,A,T%d,ok,,mechanical,3,entered,%d,%s,%s\n",$1,($1%12)+1,10+($1%5),g,$2}'; } > "$tmp/a.csv"
{ echo "$hdr"; grep -v '^#' "$src/tests/agree/bland_altman_1986_lancet_pefr.csv" | tail -n +2 |
  awk -F, '{g=($1%4==0)?"1c":"2"; printf "case%02d,B,T%d,ok,,mechanical,3,entered,%d,%s,%s\n",$1,($1%12)+1,10+($1%4),g,$3}'; } > "$tmp/b.csv"

out=$("$bin" agree "$tmp/a.csv" "$tmp/b.csv"); check "table" 0 $?
contains "rows" "$out" "matched by (case_key, level) 17"
contains "column" "$out" "m_pefr_l_min (continuous)"
contains "bias (Bland & Altman 1986: -2.1)" "$out" "Bland-Altman bias (A - B)      -2.1176"
contains "SD (Bland & Altman 1986: 38.8)" "$out" "SD of differences              38.7651"
contains "lower limit" "$out" "lower limit of agreement       -78.0959"
contains "upper limit" "$out" "upper limit of agreement       73.8606"
contains "kappa undefined" "$out" "not computable: chance agreement is 1"
contains "escc categories" "$out" "escc_grade (ordinal, 6 categories)"
contains "icc named" "$out" "ICC(A,1) absolute agreement"
lacks "no nan" "$out" "nan"
lacks "no source column" "$out" "pain_source"

js=$("$bin" agree --json "$tmp/a.csv" "$tmp/b.csv"); check "json" 0 $?
printf '%s' "$js" | python3 -c '
import json,sys
d=json.load(sys.stdin)
c={x["column"]:x for x in d["columns"]}
m=c["m_pefr_l_min"]["continuous"]
assert abs(m["bias"]["value"]+2.1176470588)<1e-6, m["bias"]
assert abs(m["sd_diff"]["value"]-38.7651298736)<1e-6
assert m["icc_a1"]["ci95"][0] < m["icc_a1"]["value"] < m["icc_a1"]["ci95"][1]
k=c["pain_points"]["categorical"]["kappa"]
assert k["value"] is None and "chance agreement" in k["not_computable"], k
assert c["pain_points"]["categorical"]["observed_agreement"]==1
assert d["rows"]["matched"]==17
' && pass=$((pass+1)) || { echo "FAIL: json content"; fail=$((fail+1)); }

"$bin" agree --csv "$tmp/out.csv" "$tmp/a.csv" "$tmp/b.csv" >/dev/null; check "csv" 0 $?
python3 - "$tmp/out.csv" <<'PY' && pass=$((pass+1)) || { echo "FAIL: csv content"; fail=$((fail+1)); }
import csv,sys
rows=list(csv.DictReader(open(sys.argv[1])))
r={(x["column"],x["statistic"]):x for x in rows}
assert abs(float(r[("m_pefr_l_min","bias")]["value"])+2.1176470588)<1e-6
k=r[("pain_points","kappa")]
assert k["value"]=="" and k["note"].startswith("not computable"), k
assert all(x["value"].lower() not in ("nan","inf","-nan") for x in rows)
PY
[ -z "$(ls "$tmp" | grep -v -e '^a.csv$' -e '^b.csv$' -e '^out.csv$')" ] && pass=$((pass+1)) || { echo "FAIL: temp files left"; fail=$((fail+1)); }

# exclusions: a failed case in B, a case in A only, an empty cell
sed -e 's/^case03,B,T4,ok,,/case03,B,T4,failed,"no series",/' -e '/^case05,/d' -e 's/^\(case07,.*\),[0-9]*$/\1,/' "$tmp/b.csv" > "$tmp/b2.csv"
out=$("$bin" agree "$tmp/a.csv" "$tmp/b2.csv"); check "exclusions" 0 $?
contains "pefr excluded" "$out" "n used 14; excluded: 1 row(s) in one file only, 1 status not ok, 1 empty cell"

# errors
printf 'case_key,level,status,escc_grade\nc1,T12,ok,4\n' > "$tmp/bad.csv"
printf 'case_key,level,status,escc_grade\nc1,T12,ok,2\n' > "$tmp/good.csv"
err=$("$bin" agree "$tmp/bad.csv" "$tmp/good.csv" 2>&1 >/dev/null); check "off-scale token" 3 $?
contains "names file:line" "$err" "bad.csv:2"
contains "names column" "$err" "escc_grade"
"$bin" agree "$tmp/nope.csv" "$tmp/good.csv" 2>/dev/null; check "missing file" 4 $?
"$bin" agree "$tmp/good.csv" 2>/dev/null; check "one file" 2 $?
"$bin" agree --bogus "$tmp/good.csv" "$tmp/good.csv" 2>/dev/null; check "bad option" 2 $?
"$bin" agree --csv "$tmp/nodir/x.csv" "$tmp/good.csv" "$tmp/good.csv" >/dev/null 2>&1; check "csv unwritable" 4 $?
"$bin" agree --help >/dev/null; check "help" 0 $?

echo "test_cli_agree: $pass passed, $fail failed"
[ "$fail" = 0 ]
