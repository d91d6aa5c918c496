#!/usr/bin/env bash
# check_dciodvfy.sh — dciodvfy (dicom3tools) reports no errors on generated CT/MR slices.
command -v dciodvfy >/dev/null 2>&1 || { echo "SKIP: dciodvfy not installed"; exit 77; }
. "$(dirname "$0")/common.sh"
status=0
for c in $CASES; do
    files=("$WORK/$c"/dicom/*.dcm)
    n=${#files[@]}
    for f in "${files[0]}" "${files[$((n / 2))]}" "${files[$((n - 1))]}"; do
        out=$(dciodvfy "$f" 2>&1)
        if echo "$out" | grep -q '^Error'; then
            echo "FAIL: $c/$(basename "$f"):"
            echo "$out" | grep '^Error'
            status=1
        fi
        warnings=$(echo "$out" | grep -c '^Warning')
        echo "$c/$(basename "$f"): $(echo "$out" | head -1), $warnings warning(s)"
    done
done
exit $status
