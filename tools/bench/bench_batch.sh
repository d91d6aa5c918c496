#!/usr/bin/env bash
# bench_batch.sh — `spinescore batch` throughput (cases per hour) on the phantom set, with peers
# measured in the same run (issue 7).
# usage: tools/bench/bench_batch.sh [BUILD_DIR [COPIES [ROUNDS]]]
#   The three sample phantoms (sample-data/*/spec.json, generated outside the timing) each listed
#   COPIES times (default 4: 12 cases, distinct case_id) in one manifest. Each round (default 2)
#   times, interleaved, into fresh folders:
#     batch -j 1:      spinescore batch MANIFEST --out DIR -j 1
#     batch -j 2:      spinescore batch MANIFEST --out DIR -j 2
#     loop of run:     the equivalent shell loop, one `spinescore run ... --no-dicom` per case
#     parallel run -j2: GNU parallel -j 2 over the same `spinescore run` lines (when installed)
#   and prints the median cases per hour of each and batch's overhead against its peer. The
#   machine may be shared: the load average is printed with the result.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build}; copies=${2:-4}; rounds=${3:-2}
bin=$build/src/cli/spinescore; phantom=$build/tools/phantom/sps-phantom
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
S=$root/sample-data
cases="ct-lytic-t12-collapse ct-blastic-l2 mr-t2-escc2-t11"
for c in $cases; do "$phantom" "$S/$c/spec.json" --out "$tmp/data/$c" > /dev/null; done
echo "study,annotations,clinical,case_id" > "$tmp/manifest.csv"
: > "$tmp/runs.txt"
n=0
for k in $(seq "$copies"); do
  for c in $cases; do
    n=$((n + 1))
    echo "data/$c/dicom,$S/$c/annotations.json,$S/$c/clinical.case.json,$c-$k" >> "$tmp/manifest.csv"
    echo "$bin run $tmp/data/$c/dicom --annotations $S/$c/annotations.json --clinical $S/$c/clinical.case.json --out OUT/$c-$k --no-dicom" >> "$tmp/runs.txt"
  done
done
cat "$tmp"/data/*/dicom/* > /dev/null
"$bin" batch "$tmp/manifest.csv" --out "$tmp/warm" --only 1-3 > /dev/null 2>&1
have_par=0; parallel --version 2>/dev/null | grep -q "GNU parallel" && have_par=1
now() { date +%s.%N; }
declare -a t1 t2 tl tp
for r in $(seq "$rounds"); do
  a=$(now); "$bin" batch "$tmp/manifest.csv" --out "$tmp/b1-$r" -j 1 > /dev/null 2>&1; b=$(now)
  "$bin" batch "$tmp/manifest.csv" --out "$tmp/b2-$r" -j 2 > /dev/null 2>&1; c=$(now)
  sed "s#OUT/#$tmp/loop-$r/#" "$tmp/runs.txt" > "$tmp/loop.sh"
  bash -c 'while read -r line; do $line > /dev/null 2>&1 || true; done < '"$tmp/loop.sh"; d=$(now)
  t1+=("$(echo "$b - $a" | bc)"); t2+=("$(echo "$c - $b" | bc)"); tl+=("$(echo "$d - $c" | bc)")
  if [ "$have_par" = 1 ]; then
    sed "s#OUT/#$tmp/par-$r/#" "$tmp/runs.txt" > "$tmp/par.txt"
    e=$(now); parallel -j 2 < "$tmp/par.txt" > /dev/null 2>&1 || true; f=$(now)
    tp+=("$(echo "$f - $e" | bc)")
  fi
  for d in "$tmp/b1-$r" "$tmp/b2-$r"; do
    ok=$(grep -c ',ok,' "$d/summary.csv" || true)
    [ "$ok" = "$n" ] || { echo "bench_batch: $d: $ok of $n cases ok" >&2; exit 1; }
  done
done
median() { printf '%s\n' "$@" | sort -n | awk '{v[NR]=$1} END {print (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2)}'; }
m1=$(median "${t1[@]}"); m2=$(median "${t2[@]}"); ml=$(median "${tl[@]}")
echo "cases: $n ($copies x 3 sample phantoms), rounds: $rounds (interleaved), $(nproc) cores, load average at the end: $(cut -d' ' -f1-3 /proc/loadavg), $(date -u '+%Y-%m-%d %H:%M UTC')"
row() { printf '  %-32s %8.1f s  %8.0f cases/h\n' "$1" "$2" "$(echo "$n * 3600 / $2" | bc -l)"; }
row "batch -j 1" "$m1"
row "batch -j 2" "$m2"
row "shell loop of run (peer)" "$ml"
if [ "$have_par" = 1 ]; then mp=$(median "${tp[@]}"); row "parallel -j 2 over run (peer)" "$mp"; fi
printf '  %-32s %8.2fx\n' "batch -j 1 / shell loop" "$(echo "$m1 / $ml" | bc -l)"
printf '  %-32s %8.2fx\n' "speed-up -j 2 over -j 1" "$(echo "$m1 / $m2" | bc -l)"
[ "$have_par" = 1 ] && printf '  %-32s %8.2fx\n' "batch -j 2 / parallel -j 2" "$(echo "$m2 / $mp" | bc -l)"
exit 0
