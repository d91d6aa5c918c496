#!/usr/bin/env bash
# make-sample-annotations.sh — (re)write sample-data/<case>/annotations.json from the truth of the
# generated sample phantoms, so the committed example annotations stay in sync with the specs.
# usage: tools/make-sample-annotations.sh [SAMPLES_DIR [OUT_ROOT]]
#   SAMPLES_DIR  generated cases (default: build/sample-data, from tools/make-sample-data.sh)
#   OUT_ROOT     where <case>/annotations.json go (default: the sample-data/ folder of the source tree)
# tests/cli/test_cli_measure.sh regenerates them into a temporary folder and fails if the
# committed files differ.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
samples=${1:-$root/build/sample-data}
out=${2:-$root/sample-data}
for spec in "$root"/sample-data/*/spec.json; do
    c=$(basename "$(dirname "$spec")")
    if [ ! -f "$samples/$c/truth.json" ]; then
        echo "make-sample-annotations: $samples/$c/truth.json missing; run tools/make-sample-data.sh first" >&2
        exit 1
    fi
    mkdir -p "$out/$c"
    python3 "$root/tools/make-annotations.py" "$samples/$c/truth.json" --out "$out/$c/annotations.json"
    if [ "$c" = ct-lytic-t12-collapse ]; then
        # the same points as a 3D Slicer markups file (no spheres or reader facts: Slicer has none)
        python3 "$root/tools/make-annotations.py" "$samples/$c/truth.json" --slicer --out "$out/$c/annotations.mrk.json"
    fi
    # seeds for the semi-automatic paths (spinescore measure --auto)
    python3 "$root/tools/make-annotations.py" "$samples/$c/truth.json" --seeds --out "$out/$c/seeds.json"
done
echo "make-sample-annotations: wrote $out/*/annotations.json"
