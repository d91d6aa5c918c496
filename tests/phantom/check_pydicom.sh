#!/usr/bin/env bash
# check_pydicom.sh — pydicom reads every generated series; headers and voxels agree with truth.json.
py=""
for cand in python3 /usr/bin/python3; do
    if command -v "$cand" >/dev/null 2>&1 && "$cand" -c "import pydicom" >/dev/null 2>&1; then
        py=$cand
        break
    fi
done
[ -n "$py" ] || { echo "SKIP: no python3 with pydicom"; exit 77; }
. "$(dirname "$0")/common.sh"
status=0
for c in $CASES; do
    "$py" "$(dirname "$0")/check_pydicom.py" "$WORK/$c" || status=1
done
exit $status
