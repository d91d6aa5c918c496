#!/usr/bin/env bash
# bench_load.sh — loading benchmark (issue 3): a synthetic 300-slice 512x512 CT series loaded by
# spinescore, converted by dcm2niix, and read with `cat` (the page-cache floor), in one run.
#   tools/bench/bench_load.sh [SPINESCORE_BIN] [RUNS] [--codecs]
# Prints the median wall time of RUNS runs per tool (files in page cache: one warm-up read).
# --codecs also encodes the series as JPEG-LS lossless (dcmcjpls) and RLE (dcmcrle) and times
# sps_dicom_load on 1 and 2 threads for each (about a minute of encoding first).
set -euo pipefail
BIN=${1:-build/src/cli/spinescore}
RUNS=${2:-7}
CODECS=${3:-}
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=$(mktemp -d /tmp/sps-bench-XXXXXX)
trap 'rm -rf "$WORK"' EXIT
SERIES=$WORK/ct
/usr/bin/python3 "$HERE/gen_ct_series.py" "$SERIES" --slices 300 --size 512
cat "$SERIES"/* > /dev/null   # warm the page cache

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
wall() { local t0 t1; t0=$(date +%s.%N); "$@" > /dev/null 2>&1; t1=$(date +%s.%N); echo "$t1 - $t0" | bc -l; }

echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/Mem:/{print $2}') GiB RAM, $(uname -r)"
echo "load average before the run: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "series: 300 x 512x512 CT, explicit VR LE, $(du -sm "$SERIES" | cut -f1) MB"
bench() { # bench LABEL CMD...: median wall time of RUNS runs
  local label=$1; shift
  local m; m=$(for r in $(seq "$RUNS"); do rm -rf "$WORK/nii"; mkdir -p "$WORK/nii"; wall "$@"; done | median)
  printf '%-40s %.3f s\n' "$label" "$m"
}
bench "cat (page-cache floor)" sh -c "cat $SERIES/* > /dev/null"
bench "dcm2niix (Debian)" dcm2niix -o "$WORK/nii" "$SERIES"
for t in 1 2; do
  bench "spinescore info, $t thread(s)" "$BIN" info "$SERIES" --threads "$t"
  m=$(for r in $(seq "$RUNS"); do "$BIN" info "$SERIES" --threads "$t" --timing 2>&1 >/dev/null | sed -n 's/.*load \([0-9.]*\) s.*/\1/p'; done | median)
  printf '%-40s %.3f s\n' "  of which sps_dicom_load ($t thread(s))" "$m"
done
rss=$(/usr/bin/time -f '%M' "$BIN" info "$SERIES" 2>&1 >/dev/null | tail -1)
echo "peak RSS of spinescore info: $rss KB (volume alone: $((300*512*512*4/1024)) KB)"
if [ "$CODECS" = "--codecs" ]; then
  for c in jls rle; do
    mkdir -p "$WORK/$c"
    for f in "$SERIES"/*; do
      if [ $c = jls ]; then dcmcjpls "$f" "$WORK/$c/$(basename "$f")"; else dcmcrle "$f" "$WORK/$c/$(basename "$f")"; fi
    done
    cat "$WORK/$c"/* > /dev/null
    # 1- and 2-thread runs alternate so that drift of this shared VM hits both alike; the speed-up
    # is the median of the per-pair ratios.
    : > "$WORK/pairs"
    for r in $(seq "$RUNS"); do
      one=$("$BIN" info "$WORK/$c" --threads 1 --timing 2>&1 >/dev/null | sed -n 's/.*load \([0-9.]*\) s.*/\1/p')
      two=$("$BIN" info "$WORK/$c" --threads 2 --timing 2>&1 >/dev/null | sed -n 's/.*load \([0-9.]*\) s.*/\1/p')
      echo "$one $two" >> "$WORK/pairs"
    done
    printf '%-40s %.3f s\n' "sps_dicom_load, $c, 1 thread" "$(cut -d' ' -f1 "$WORK/pairs" | median)"
    printf '%-40s %.3f s\n' "sps_dicom_load, $c, 2 threads" "$(cut -d' ' -f2 "$WORK/pairs" | median)"
    printf '%-40s %.2fx (pairs: %s)\n' "  speed-up, median of pair ratios" \
      "$(awk '{print $1/$2}' "$WORK/pairs" | median)" "$(awk '{printf "%.2f ", $1/$2}' "$WORK/pairs")"
    bench "dcm2niix, $c" dcm2niix -o "$WORK/nii" "$WORK/$c"
  done
fi
echo "load average after the run: $(cut -d' ' -f1-3 /proc/loadavg)"
