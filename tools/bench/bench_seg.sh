#!/usr/bin/env bash
# bench_seg.sh — semi-automatic CT paths (issue 5): body + lesion on a 512x512x300 CT phantom,
# with peers in the same run. Usage: tools/bench/bench_seg.sh [BUILD_DIR] [RUNS]
set -euo pipefail
BUILD=${1:-build}
RUNS=${2:-5}
cmake --build "$BUILD" --target sps-bench-seg -j2 > /dev/null
echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/Mem:/{print $2}') GiB RAM, $(uname -r)"
echo "load average before the run: $(cut -d' ' -f1-3 /proc/loadavg)"
"$BUILD/tools/bench/sps-bench-seg" "$RUNS" "${TMPDIR:-/tmp}"
echo "load average after the run: $(cut -d' ' -f1-3 /proc/loadavg)"
