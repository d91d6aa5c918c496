# common.sh — shared by the phantom check scripts: generate every sample case into a temp dir.
# Needs SPS_PHANTOM (the sps-phantom binary) and SPS_SOURCE_DIR. Sets WORK and CASES.
set -u
: "${SPS_PHANTOM:?SPS_PHANTOM must point at sps-phantom}"
: "${SPS_SOURCE_DIR:?SPS_SOURCE_DIR must point at the source tree}"
WORK=$(mktemp -d /tmp/sps-phantom-check-XXXXXX)
trap 'rm -rf "$WORK"' EXIT
CASES=""
for spec in "$SPS_SOURCE_DIR"/sample-data/*/spec.json; do
    name=$(basename "$(dirname "$spec")")
    "$SPS_PHANTOM" "$spec" --out "$WORK/$name" >/dev/null || { echo "FAIL: sps-phantom $spec"; exit 1; }
    CASES="$CASES $name"
done
[ -n "$CASES" ] || { echo "FAIL: no sample-data/*/spec.json"; exit 1; }
