#!/usr/bin/env bash
# test_cli_batch_parallel.sh — the GNU parallel path of docs/scale-out.md: every manifest row as
# its own `spinescore batch --only ROW` process under `parallel -j 2`, then `--summary-only`; the
# summary and every case folder equal those of `spinescore batch -j 2` on the same manifest (both
# with SOURCE_DATE_EPOCH from the environment). Also a Slurm-array-like loop over
# SLURM_ARRAY_TASK_ID-style row numbers (sequential) gives the same summary; --summary-only on a
# half-run folder. Skipped (77) when GNU parallel is not installed (tools/setup.sh installs it).
set -u
bin=${SPS_BIN:?}; phantom=${SPS_PHANTOM:?}; src=${SPS_SOURCE_DIR:?}
if ! parallel --version 2>/dev/null | grep -q "GNU parallel"; then
  echo "GNU parallel not installed: skipped"; exit 77
fi
fail=0; pass=0
check() { if [ "$2" = "$3" ]; then pass=$((pass+1)); else echo "FAIL: $1: exit $3, expected $2"; fail=$((fail+1)); fi; }
ok() { if [ "$2" = 0 ]; then pass=$((pass+1)); else echo "FAIL: $1"; fail=$((fail+1)); fi; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
export SOURCE_DATE_EPOCH=1700000000

S=$src/sample-data
for c in ct-lytic-t12-collapse ct-blastic-l2 mr-t2-escc2-t11; do
  "$phantom" "$S/$c/spec.json" --out "$tmp/data/$c" >/dev/null 2>&1; check "phantom $c" 0 $?
done
cat > "$tmp/manifest.csv" <<EOF
study,annotations,clinical,reader
data/ct-lytic-t12-collapse/dicom,$S/ct-lytic-t12-collapse/annotations.json,$S/ct-lytic-t12-collapse/clinical.case.json,R1
data/ct-blastic-l2/dicom,$S/ct-blastic-l2/annotations.json,$S/ct-blastic-l2/clinical.case.json,R1
data/mr-t2-escc2-t11/dicom,$S/mr-t2-escc2-t11/annotations.json,$S/mr-t2-escc2-t11/clinical.case.json,R1
data/missing/dicom,$S/mr-t2-escc2-t11/annotations.json,$S/mr-t2-escc2-t11/clinical.case.json,R1
EOF
n=$(($(grep -c . "$tmp/manifest.csv") - 1))

"$bin" batch "$tmp/manifest.csv" --out "$tmp/J" -j 2 >/dev/null 2>&1; check "batch -j 2" 1 $?

# docs/scale-out.md, GNU parallel on one host
parallel -j 2 "$bin" batch "$tmp/manifest.csv" --out "$tmp/P" --only {} ::: $(seq 1 "$n") >/dev/null 2>&1
check "parallel: one row per process; exit 1 from the failing row" 1 $?
[ ! -e "$tmp/P/summary.csv" ]; ok "--only leaves summary.csv to the final step" $?
"$bin" batch "$tmp/manifest.csv" --out "$tmp/P" --summary-only >/dev/null 2>&1
check "--summary-only: 1 (a case failed)" 1 $?
cmp -s "$tmp/J/summary.csv" "$tmp/P/summary.csv"; ok "summary under GNU parallel equals batch -j 2" $?
d=$(diff -r --no-dereference "$tmp/J/cases" "$tmp/P/cases" 2>&1); [ -z "$d" ]; ok "case folders equal${d:+: $(echo "$d" | head -3)}" $?
rows=$(($(wc -l < "$tmp/P/summary.csv") - 1)); [ "$rows" = 4 ]; ok "4 summary rows ($rows)" $?

# docs/scale-out.md, Slurm array tasks (run one after the other here)
for SLURM_ARRAY_TASK_ID in $(seq 1 "$n"); do
  "$bin" batch "$tmp/manifest.csv" --out "$tmp/S" --only "$SLURM_ARRAY_TASK_ID" >/dev/null 2>&1
done
"$bin" batch "$tmp/manifest.csv" --out "$tmp/S" --summary-only >/dev/null 2>&1
cmp -s "$tmp/J/summary.csv" "$tmp/S/summary.csv"; ok "summary of array tasks equals batch -j 2" $?

# --summary-only on a half-run folder: exit 1, only the finished rows
"$bin" batch "$tmp/manifest.csv" --out "$tmp/H" --only 2 >/dev/null 2>&1; check "--only 2" 0 $?
"$bin" batch "$tmp/manifest.csv" --out "$tmp/H" --summary-only >/dev/null 2>"$tmp/H.err"; check "--summary-only with cases not run" 1 $?
rows=$(($(wc -l < "$tmp/H/summary.csv") - 1)); [ "$rows" = 1 ]; ok "half-run summary has the finished row only ($rows)" $?
grep -q "2 not run\|3 not run" "$tmp/H.err"; ok "--summary-only says how many are not run" $?

echo "test_cli_batch_parallel: $pass passed, $fail failed"
[ "$fail" = 0 ]
