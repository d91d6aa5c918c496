#!/usr/bin/env bash
# test_cli_decide.sh — `spinescore decide` end to end: exit codes, stdin, text output, --out.
set -u
bin=${SPS_BIN:?}; src=${SPS_SOURCE_DIR:?}
fail=0; pass=0
check() { # name expected_rc actual_rc
  if [ "$2" = "$3" ]; then pass=$((pass+1)); else echo "FAIL: $1: exit $3, expected $2"; fail=$((fail+1)); fi
}
contains() { # name haystack needle
  case "$2" in *"$3"*) pass=$((pass+1));; *) echo "FAIL: $1: output lacks '$3'"; fail=$((fail+1));; esac
}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
ex="$src/sample-data/cases/lytic-t12-renal.case.json"

out=$("$bin" decide "$ex"); check "example case" 0 $?
contains "example total" "$out" '"total":	14'
out=$("$bin" decide --format text "$ex"); check "text" 0 $?
contains "text total" "$out" "TOTAL 14 -> unstable"
out=$("$bin" decide - < "$ex"); check "stdin" 0 $?
"$bin" decide --out "$tmp/d.json" "$ex"; check "--out" 0 $?
[ -s "$tmp/d.json" ] && pass=$((pass+1)) || { echo "FAIL: --out wrote nothing"; fail=$((fail+1)); }
[ -z "$(ls "$tmp" | grep -v '^d.json$')" ] && pass=$((pass+1)) || { echo "FAIL: temp files left"; fail=$((fail+1)); }

echo '{"lesions":[{"level":"T13","sins":{"pain":2}}]}' > "$tmp/bad.json"
err=$("$bin" decide "$tmp/bad.json" 2>&1 >/dev/null); check "invalid input" 3 $?
contains "invalid names file" "$err" "bad.json"
out=$("$bin" decide "$tmp/bad.json" 2>/dev/null)
contains "invalid names level field" "$out" '"field":	"lesions[0].level"'
contains "invalid names pain field" "$out" '"field":	"lesions[0].sins.pain"'

printf '{"lesions": [\n  {"level": "T12",, }]}\n' > "$tmp/broken.json"
err=$("$bin" decide "$tmp/broken.json" 2>&1); check "malformed json" 3 $?
contains "line:col" "$err" "broken.json:2:20"
"$bin" decide "$tmp/nope.json" 2>/dev/null; check "missing file" 4 $?
"$bin" decide --bogus "$ex" 2>/dev/null; check "unknown option" 2 $?
"$bin" frobnicate 2>/dev/null; check "unknown verb" 2 $?
"$bin" decide --help >/dev/null; check "help" 0 $?
mkdir "$tmp/models"; printf '{"model": "noms", "version": "x",\n "rows": [}\n' > "$tmp/models/noms.json"
err=$("$bin" decide --models "$tmp/models" "$ex" 2>&1); check "malformed model" 5 $?
contains "model line:col" "$err" "noms.json:2:11"
"$bin" decide --out /nonexistent-dir/d.json "$ex" 2>/dev/null; check "unwritable --out" 4 $?
out=$("$bin" decide --wording igrt "$ex"); check "igrt wording" 0 $?
contains "igrt label" "$out" "IGRT"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
