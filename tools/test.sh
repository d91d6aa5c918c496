#!/usr/bin/env bash
# test.sh — the README's test command: install, build (warnings are errors), run the whole ctest suite.
# SPS_CMAKE_ARGS adds CMake options (e.g. -DSPS_BUILD_IMAGING=OFF for the core alone).
# SPS_SANITIZE=1 builds and tests with AddressSanitizer + UndefinedBehaviorSanitizer instead.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
if [ "${SPS_SANITIZE:-0}" = "1" ]; then
  build=${SPS_BUILD_DIR:-$here/build-asan}
  "$here/tools/setup.sh" "$build" -DSPS_WERROR=ON -DSPS_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug ${SPS_CMAKE_ARGS:-}
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
else
  build=${SPS_BUILD_DIR:-$here/build}
  "$here/tools/setup.sh" "$build" -DSPS_WERROR=ON ${SPS_CMAKE_ARGS:-}
fi
ctest --test-dir "$build" --output-on-failure -j"$(nproc)"
