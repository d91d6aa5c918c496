#!/usr/bin/env bash
# make-sample-data.sh — generate every sample-data/<case>/spec.json into OUT/<case>/{dicom/,truth.json}.
# usage: tools/make-sample-data.sh [BUILD_DIR [OUT_DIR]]
#   BUILD_DIR  CMake build folder holding tools/phantom/sps-phantom (default: build)
#   OUT_DIR    where the cases go (default: BUILD_DIR/sample-data; the same place as the
#              CMake target `sample-data`). Existing case folders are replaced.
# Output is deterministic: the same spec and seed give byte-identical files.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
out=${2:-$build/sample-data}
bin=$build/tools/phantom/sps-phantom
if [ ! -x "$bin" ]; then
    echo "make-sample-data: $bin not found; build it first: cmake --build $build --target sps-phantom" >&2
    exit 1
fi
for spec in "$root"/sample-data/*/spec.json; do
    case_name=$(basename "$(dirname "$spec")")
    rm -rf "${out:?}/$case_name"
    "$bin" "$spec" --out "$out/$case_name"
done
echo "make-sample-data: cases are in $out"
