#!/usr/bin/env bash
# demo.sh — the README's main job: install, build, and run spinescore on the bundled sample data.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${SPS_BUILD_DIR:-$here/build}
"$here/tools/setup.sh" "$build"
bin="$build/src/cli/spinescore"
out=${SPS_DEMO_OUT:-$here/demo-output}
mkdir -p "$out"
case_file="$here/sample-data/cases/lytic-t12-renal.case.json"
echo
echo "== spinescore decide $(basename "$case_file") =="
"$bin" decide --format text "$case_file"
"$bin" decide --out "$out/decision.json" "$case_file"
"$bin" decide --format text --out "$out/decision.txt" "$case_file"
echo
echo "Decision written to: $out/decision.json (JSON) and $out/decision.txt (text)"
