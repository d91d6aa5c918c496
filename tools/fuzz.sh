#!/usr/bin/env bash
# tools/fuzz.sh — build the libFuzzer targets with clang (SPS_FUZZ=ON, ASan+UBSan) and run them.
#
#   tools/fuzz.sh [SECONDS] [TARGET ...]     default: 600 s each, every target
#
# Targets: dicom annotations slicer case models (tests/fuzz/fuzz_<target>.c).
# Environment: BUILD_DIR (default build-fuzz), PARALLEL (targets at once, default 2),
#              SPS_CORPUS_DIR (shared DICOM corpus for the dicom seeds; default ../shared/dicom-corpus).
# Each target runs under `nice -n 19` with -rss_limit_mb=2048, -timeout=60 and a per-target
# -max_len for SECONDS of wall clock; libFuzzer stops at a finding, so it is restarted on the
# grown corpus for the time left. The
# working corpus is kept in BUILD_DIR/fuzz/corpus/<target> (seeded from tests/fuzz/seeds/<target>.txt
# and tests/fuzz/regress/<target>/, grown across runs), crash inputs go to
# BUILD_DIR/fuzz/artifacts/<target>/, the log to BUILD_DIR/fuzz/<target>.log; a summary line per
# target (execs, exec/s, corpus, cov, ft) is printed at the end. A crash input, once fixed, belongs
# in tests/fuzz/regress/<target>/ (ctest test_fuzz_<target> replays it in every build).
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
secs=${1:-600}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(dicom annotations slicer case models)
build=${BUILD_DIR:-$src/build-fuzz}
parallel=${PARALLEL:-2}
corpus_root=${SPS_CORPUS_DIR:-$src/../shared/dicom-corpus}

max_len() {
    case $1 in
    dicom) echo 65536 ;;
    annotations | slicer) echo 32768 ;;
    models) echo 16384 ;;
    case) echo 8192 ;;
    *) echo 4096 ;;
    esac
}

if [ ! -f "$build/CMakeCache.txt" ]; then
    CC=${CC:-clang} CXX=${CXX:-clang++} cmake -S "$src" -B "$build" -DSPS_FUZZ=ON -DSPS_WERROR=ON \
        -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
nice -n 19 cmake --build "$build" -j2 --target fuzz-targets >/dev/null

out=$build/fuzz
for t in "${targets[@]}"; do
    mkdir -p "$out/corpus/$t" "$out/artifacts/$t"
    # seed the working corpus (copies live in the build tree only, never in the repository)
    while IFS= read -r line; do
        case $line in
        '' | '#'*) continue ;;
        corpus:*) p=$corpus_root/${line#corpus:} ;;
        src:*) p=$src/${line#src:} ;;
        *) p=$line ;;
        esac
        if [ -d "$p" ]; then
            cp -n "$p"/* "$out/corpus/$t/" 2>/dev/null || true
        elif [ -f "$p" ]; then
            cp -n "$p" "$out/corpus/$t/$(echo "${line#*:}" | tr '/' '_')"
        fi
    done <"$src/tests/fuzz/seeds/$t.txt"
    find "$src/tests/fuzz/regress/$t" -type f ! -name '.*' -exec cp -n {} "$out/corpus/$t/" \;
done

run_one() {
    t=$1
    dict=()
    case $t in dicom) ;; *) dict=(-dict="$src/tests/fuzz/json.dict") ;; esac
    echo "$(date -u +%FT%TZ) start $t (${secs} s)"
    : >"$out/$t.log"
    t0=$(date +%s)
    runs=0
    # libFuzzer stops at the first finding (saved under artifacts/): start it again on the grown
    # corpus for the time left, at most 25 times.
    while [ $((t0 + secs - $(date +%s))) -gt 5 ] && [ $runs -lt 25 ]; do
        left=$((t0 + secs - $(date +%s)))
        LSAN_OPTIONS=suppressions=$src/tests/fuzz/lsan.supp SPS_SOURCE_DIR=$src nice -n 19 "$build/tests/fuzz_$t" "$out/corpus/$t" "${dict[@]}" \
            -max_total_time="$left" -rss_limit_mb=2048 -max_len="$(max_len "$t")" -timeout=60 \
            -print_final_stats=1 -artifact_prefix="$out/artifacts/$t/" >>"$out/$t.log" 2>&1 || true
        runs=$((runs + 1))
    done
    echo "$(date -u +%FT%TZ) end   $t ($runs libFuzzer run(s), $(($(date +%s) - t0)) s)"
}
export -f run_one max_len
export src build out secs
printf '%s\n' "${targets[@]}" | xargs -P "$parallel" -I{} bash -c 'run_one {}'

echo
printf '%-12s %8s %12s %8s %8s %12s %s\n' target seconds execs exec/s corpus cov/ft artifacts
for t in "${targets[@]}"; do
    log=$out/$t.log
    execs=$(awk '/^stat::number_of_executed_units:/ {n += $2} END {print n + 0}' "$log")
    last=$(grep -E '^#[0-9]+.*cov: ' "$log" | tail -1)
    cov=$(echo "$last" | sed -n 's/.*cov: \([0-9]*\).*/\1/p')
    ft=$(echo "$last" | sed -n 's/.*ft: \([0-9]*\).*/\1/p')
    corp=$(find "$out/corpus/$t" -type f | wc -l)
    arts=$(find "$out/artifacts/$t" -type f | wc -l)
    printf '%-12s %8s %12s %8s %8s %12s %s\n' "$t" "$secs" "$execs" "$((execs / secs))" "$corp" \
        "${cov:-?}/${ft:-?}" "$arts"
done
