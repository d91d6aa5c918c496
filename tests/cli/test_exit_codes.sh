#!/usr/bin/env bash
# test_exit_codes.sh — docs/exit-codes.md lists every exit code defined in src/cli/cli.h, with its value.
set -u
src=${SPS_SOURCE_DIR:?}
pass=0; fail=0
while read -r name value; do
  if grep -q "| $value | \`$name\` |" "$src/docs/exit-codes.md"; then pass=$((pass+1))
  else echo "FAIL: docs/exit-codes.md lacks '| $value | \`$name\` |'"; fail=$((fail+1)); fi
done < <(grep -oE 'X\(SPS_EXIT_[A-Z]+, [0-9]+' "$src/src/cli/cli.h" | sed -E 's/X\((SPS_EXIT_[A-Z]+), ([0-9]+)/\1 \2/')
[ "$pass" -ge 8 ] || { echo "FAIL: found only $pass exit codes in cli.h"; fail=$((fail+1)); }
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
