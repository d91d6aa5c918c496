#!/usr/bin/env bash
# demo.sh — the README's main job: install, build, generate the sample studies (synthetic phantoms
# with known truth) and run `spinescore run` on each: report.json, report.txt, PNG snapshots, a DICOM
# SR and Secondary Captures per case. Prints the report of the main case (lytic T12 with collapse)
# and where every case's report and snapshots are.
#   SPS_BUILD_DIR  build folder (default: build)     SPS_DEMO_OUT  output folder (default: demo-output)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${SPS_BUILD_DIR:-$here/build}
"$here/tools/setup.sh" "$build"
bin="$build/src/cli/spinescore"
out=${SPS_DEMO_OUT:-$here/demo-output}
mkdir -p "$out"

# The sample studies: DICOM series written by the phantom generator (deterministic, seconds).
cmake --build "$build" --target sample-data >/dev/null
data="$build/sample-data"

main=ct-lytic-t12-collapse
rm -f "$out/cases.csv.new"
for c in ct-lytic-t12-collapse ct-blastic-l2 mr-t2-escc2-t11; do
  echo
  echo "== spinescore run $c =="
  "$bin" run "$data/$c/dicom" \
      --annotations "$here/sample-data/$c/annotations.json" \
      --clinical "$here/sample-data/$c/clinical.case.json" \
      --out "$out/$c" --csv "$out/cases.csv.new"
done
mv "$out/cases.csv.new" "$out/cases.csv"

echo
echo "== $out/$main/report.txt =="
cat "$out/$main/report.txt"
echo
echo "Reports:   $out/<case>/report.json and report.txt (cases: ct-lytic-t12-collapse, ct-blastic-l2, mr-t2-escc2-t11)"
echo "Snapshots: $out/<case>/snapshots/*.png, e.g. $(ls "$out/$main"/snapshots/*.png 2>/dev/null | head -1)"
echo "DICOM:     $out/<case>/report-sr.dcm and snapshots-sc/*.dcm (same study as the sample series)"
echo "CSV:       $out/cases.csv (one de-identified row per case)"
