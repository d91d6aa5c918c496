#!/usr/bin/env bash
# setup.sh — install the Debian 12 packages spinescore needs (idempotent) and build it.
# Usage: tools/setup.sh [BUILD_DIR] [extra cmake args...]   (default BUILD_DIR: build)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/build}; shift || true

packages=(
  build-essential cmake pkg-config git ca-certificates
  libcjson-dev libcmocka-dev
  libdcmtk-dev dcmtk libinsighttoolkit5-dev libgdcm-tools
  libpng-dev libcairo2-dev fonts-dejavu-core
  python3 python3-jsonschema python3-pydicom dicom3tools dcm2niix
  valgrind
  parallel  # GNU parallel: spinescore batch --only across cores and hosts (docs/scale-out.md)
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=""; [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo_cmd apt-get update -qq
  $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
cmake --build "$build" -j"$(nproc)"
