#!/usr/bin/env bash
# test_valgrind_run.sh — `spinescore run` end to end under valgrind memcheck on two sample cases
# (the RLE axial T2 MR with its canal outlines, and the CT with collapse and the lytic lesion):
# no invalid read/write, no use of uninitialised values, no definitely or indirectly lost block
# (--errors-for-leak-kinds=definite,indirect; "still reachable" blocks of the system libraries'
# one-time initialisation are not errors). Skipped (77) without valgrind.
set -u
bin=${SPS_BIN:?}; phantom=${SPS_PHANTOM:?}; src=${SPS_SOURCE_DIR:?}
command -v valgrind >/dev/null || { echo "valgrind not installed: skipped"; exit 77; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail=0
for c in mr-t2-escc2-t11 ct-lytic-t12-collapse; do
  "$phantom" "$src/sample-data/$c/spec.json" --out "$tmp/$c" >/dev/null 2>&1 || { echo "FAIL: phantom $c"; exit 1; }
  valgrind --tool=memcheck --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \
      --show-leak-kinds=definite,indirect --track-origins=yes --log-file="$tmp/$c.vg" \
      "$bin" run "$tmp/$c/dicom" --annotations "$src/sample-data/$c/annotations.json" \
      --clinical "$src/sample-data/$c/clinical.case.json" --out "$tmp/out-$c" > "$tmp/$c.log" 2>&1
  rc=$?
  if [ "$rc" != 0 ]; then
    echo "FAIL: $c: exit $rc under valgrind"; grep -E "ERROR SUMMARY|definitely|indirectly|Invalid|uninitialised" "$tmp/$c.vg" | head -20
    tail -5 "$tmp/$c.log"; fail=1
  else
    [ -s "$tmp/out-$c/report.json" ] || { echo "FAIL: $c: no report"; fail=1; }
    echo "$c: $(grep 'ERROR SUMMARY' "$tmp/$c.vg" | sed 's/==[0-9]*== //')"
    grep -E "definitely lost|indirectly lost" "$tmp/$c.vg" | sed 's/==[0-9]*== /  /'
  fi
done
exit $fail
