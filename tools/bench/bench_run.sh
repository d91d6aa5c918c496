#!/usr/bin/env bash
# bench_run.sh — the whole `spinescore run` on a 300-slice CT phantom against the load of the same
# series (`spinescore info --timing`), in the same run (issue 6: goal within 1.5x of the load time),
# with dcm2niix (when installed) as the peer tool reading the same series.
# usage: tools/bench/bench_run.sh [BUILD_DIR [RUNS]]
#   Generates (outside the timing) a 512x512x300 axial CT phantom of the lytic T12 sample case with
#   tools/phantom (sps-phantom), annotations at its truth positions (tools/make-annotations.py),
#   warms the page cache, then times RUNS interleaved repetitions of
#     info: spinescore info --timing DICOM             (process: scan + load + statistics; the
#           library's scan and load times as it prints them)
#     dcm2niix: dcm2niix -o TMP DICOM                   (peer: read + convert the same series)
#     run:  spinescore run DICOM --annotations ... --clinical ... --out OUT   (everything, incl.
#           snapshots, SR and Secondary Captures when the build has them)
#     run --no-dicom: the same without the DICOM objects
#   and prints the medians and the ratios. Scratch data goes to a mktemp folder (removed).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build}; runs=${2:-7}
bin=$build/src/cli/spinescore; phantom=$build/tools/phantom/sps-phantom
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
python3 - "$root/sample-data/ct-lytic-t12-collapse/spec.json" "$tmp/spec.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
s["name"] = "bench-ct-300"
a = s["acquisition"]
a.update({"matrix": [512, 512], "pixel_spacing_mm": [0.35, 0.35], "slices": 300, "slice_thickness_mm": 0.6,
          "supersample": 1})
json.dump(s, open(sys.argv[2], "w"), indent=1)
PY
t0=$(date +%s.%N)
"$phantom" "$tmp/spec.json" --out "$tmp/case" >/dev/null
python3 "$root/tools/make-annotations.py" "$tmp/case/truth.json" --out "$tmp/ann.json"
echo "phantom: $(ls "$tmp/case/dicom" | wc -l) files, $(du -sh "$tmp/case/dicom" | cut -f1), generated in $(echo "$(date +%s.%N) - $t0" | bc) s"
clin=$root/sample-data/ct-lytic-t12-collapse/clinical.case.json
cat "$tmp/case/dicom"/* > /dev/null
"$bin" info "$tmp/case/dicom" > /dev/null
"$bin" run "$tmp/case/dicom" --annotations "$tmp/ann.json" --clinical "$clin" --out "$tmp/out" > "$tmp/run.txt"
head -1 "$tmp/run.txt"
now() { date +%s.%N; }
declare -a ti tr tn ts tl td
have_d2n=0; command -v dcm2niix >/dev/null && have_d2n=1
for i in $(seq "$runs"); do
  a=$(now); "$bin" info --timing "$tmp/case/dicom" > /dev/null 2> "$tmp/timing.txt"; b=$(now)
  ts+=("$(sed -n 's/^timing: scan \([0-9.]*\) s, load \([0-9.]*\) s.*/\1/p' "$tmp/timing.txt")")
  tl+=("$(sed -n 's/^timing: scan \([0-9.]*\) s, load \([0-9.]*\) s.*/\2/p' "$tmp/timing.txt")")
  "$bin" run "$tmp/case/dicom" --annotations "$tmp/ann.json" --clinical "$clin" --out "$tmp/out" > /dev/null; c=$(now)
  "$bin" run "$tmp/case/dicom" --annotations "$tmp/ann.json" --clinical "$clin" --out "$tmp/out2" --no-dicom > /dev/null; d=$(now)
  ti+=("$(echo "$b - $a" | bc)"); tr+=("$(echo "$c - $b" | bc)"); tn+=("$(echo "$d - $c" | bc)")
  if [ "$have_d2n" = 1 ]; then
    rm -rf "$tmp/nii"; mkdir "$tmp/nii"
    e=$(now); dcm2niix -o "$tmp/nii" "$tmp/case/dicom" > /dev/null 2>&1; f=$(now)
    td+=("$(echo "$f - $e" | bc)")
  fi
done
median() { printf '%s\n' "$@" | sort -n | awk '{v[NR]=$1} END {print (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2)}'; }
mi=$(median "${ti[@]}"); mr=$(median "${tr[@]}"); mn=$(median "${tn[@]}")
ms=$(median "${ts[@]}"); ml=$(median "${tl[@]}")
echo "runs: $runs (interleaved), load average: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores, $(date -u '+%Y-%m-%d %H:%M UTC')"
printf '%-42s %8.3f s\n' "  info --timing: scan" "$ms"
printf '%-42s %8.3f s\n' "  info --timing: load (sps_dicom_load)" "$ml"
printf '%-42s %8.3f s\n' "spinescore info (scan + load + stats)" "$mi"
[ "$have_d2n" = 1 ] && printf '%-42s %8.3f s\n' "dcm2niix (peer, same series)" "$(median "${td[@]}")"
printf '%-42s %8.3f s  (%.2fx info)\n' "spinescore run (everything)" "$mr" "$(echo "$mr / $mi" | bc -l)"
printf '%-42s %8.3f s  (%.2fx info)\n' "spinescore run --no-dicom" "$mn" "$(echo "$mn / $mi" | bc -l)"
