#!/usr/bin/env bash
# test_cli_dicom.sh — `spinescore scan` and `spinescore info` end to end: output, JSON, exit codes.
# Needs SPS_BIN; uses the shared corpus (exit 77 = skipped when absent).
set -u
BIN=${SPS_BIN:?SPS_BIN not set}
SRC=${SPS_SOURCE_DIR:?SPS_SOURCE_DIR not set}
CORPUS=${SPS_CORPUS_DIR:-}
[ -n "$CORPUS" ] || CORPUS=$SRC/../shared/dicom-corpus
[ -d "$CORPUS" ] || { echo "corpus absent: skipped"; exit 77; }
fails=0
check() { # check DESCRIPTION EXPECTED_RC CMD...
  local what=$1 want=$2; shift 2
  "$@" > /tmp/sps-cli-out.$$ 2> /tmp/sps-cli-err.$$
  local rc=$?
  if [ "$rc" != "$want" ]; then echo "FAIL: $what: exit $rc, expected $want"; cat /tmp/sps-cli-err.$$; fails=$((fails + 1)); fi
}
grep_out() { # grep_out DESCRIPTION PATTERN (in the last stdout+stderr)
  if ! grep -q -- "$2" /tmp/sps-cli-out.$$ /tmp/sps-cli-err.$$; then echo "FAIL: $1: no '$2'"; fails=$((fails + 1)); fi
}
LS=$CORPUS/fo-dicom/lspine-mr-ge-ax-t2fse
UID0=1.2.840.113619.2.25.4.2420019.1350725419.584

check "scan lspine" 0 "$BIN" scan "$LS"
grep_out "scan text" "part 4/4: orientation"
check "scan --json" 0 "$BIN" scan --json "$LS"
n=$(python3 -c "import json,sys; d=json.load(open('/tmp/sps-cli-out.$$')); print(sum(len(st['series']) for p in d['patients'] for st in p['studies']))")
[ "$n" = 4 ] || { echo "FAIL: scan --json lists $n series, expected 4"; fails=$((fails + 1)); }
check "info without --series on a split series" 2 "$BIN" info "$LS"
grep_out "info lists the keys" "$UID0#1"
check "info one part" 0 "$BIN" info "$LS" --series "$UID0#1" --json
python3 - /tmp/sps-cli-out.$$ <<'PY' || fails=$((fails + 1))
import json, sys
d = json.load(open(sys.argv[1]))
assert d["dims"] == [256, 256, 3], d["dims"]
assert abs(d["spacing_mm"][2] - 7.0) < 0.01, d["spacing_mm"]
assert d["units"] == "raw" and d["modality"] == "MR"
PY
check "info bare UID of a split series" 3 "$BIN" info "$LS" --series "$UID0"
grep_out "ambiguous UID named" "series holds 4 volumes"
check "gantry tilt refused" 3 "$BIN" info "$CORPUS/dicom2nifti/failing/gantrytilting/001"
grep_out "tilt angle" "14.00 deg"
check "CT in HU" 0 "$BIN" info "$CORPUS/dcm_qa_ct/philips-ct-head-phantom-S2010"
grep_out "HU" "modality  CT (HU)"
check "unreadable file: partial" 1 "$BIN" scan "$CORPUS/pydicom/MR_truncated.dcm"
grep_out "reason" "premature end of stream"
check "unsupported (colour)" 6 "$BIN" info "$CORPUS/pydicom/SC_rgb_rle.dcm" --min-slices 1
check "missing path" 4 "$BIN" scan /nonexistent/spinescore
check "unknown option" 2 "$BIN" scan --bogus "$LS"
rm -f /tmp/sps-cli-out.$$ /tmp/sps-cli-err.$$
[ "$fails" = 0 ] && echo "all CLI checks passed"
exit $((fails > 0))
