#!/usr/bin/env bash
# Builds everything (through scripts/setup.sh, which installs what is missing) and runs every
# test suite: the C tests (ctest). Exits non-zero on any failure.
#   scripts/test.sh             Release build in build/
#   TRM_BUILD_DIR=build-asan TRM_CMAKE_ARGS="-DTRM_SANITIZE=ON" scripts/test.sh   (sanitizers)
set -euo pipefail
cd "$(dirname "$0")/.."

build=${TRM_BUILD_DIR:-build}
jobs=$(nproc 2>/dev/null || echo 2)
scripts/setup.sh --no-build
# shellcheck disable=SC2086
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=${TRM_BUILD_TYPE:-Release} ${TRM_CMAKE_ARGS:-} >/dev/null
cmake --build "$build" -j"$jobs"

echo "== C tests (ctest, $build)"
ctest --test-dir "$build" --output-on-failure -j"$jobs"
echo "== all tests passed"
