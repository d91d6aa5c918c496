#!/usr/bin/env bash
# check_dcm2niix.sh — dcm2niix converts each generated series into one volume of the right size.
command -v dcm2niix >/dev/null 2>&1 || { echo "SKIP: dcm2niix not installed"; exit 77; }
command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 not installed"; exit 77; }
. "$(dirname "$0")/common.sh"
status=0
for c in $CASES; do
    truth="$WORK/$c/truth.json"
    dims=$(python3 -c "import json,sys; s=json.load(open(sys.argv[1]))['series']; print('%dx%dx%dx1' % (s['columns'], s['rows'], s['slices']))" "$truth")
    syntax=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['series']['transfer_syntax_uid'])" "$truth")
    mkdir -p "$WORK/nii-$c"
    out=$(dcm2niix -o "$WORK/nii-$c" -f vol "$WORK/$c/dicom" 2>&1)
    if echo "$out" | grep -q "Unsupported transfer syntax"; then
        echo "$c: dcm2niix was built without the codec for $syntax (not a phantom error)"
        continue
    fi
    if echo "$out" | grep -q "(${dims})"; then
        echo "$c: dcm2niix converted ${dims}"
    else
        echo "FAIL: $c: expected one volume ${dims}; dcm2niix said:"
        echo "$out"
        status=1
    fi
done
exit $status
