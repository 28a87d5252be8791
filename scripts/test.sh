#!/usr/bin/env bash
# Builds everything (installing what is missing through scripts/setup.sh) and runs every test
# suite: the C tests (ctest), the WebAssembly module's tests (node --test tests/js/) and the
# page test in headless Chromium (node --test tests/browser/). Exits non-zero on any failure.
#   scripts/test.sh
#   TRM_ONLY_C=1 TRM_BUILD_DIR=build-asan TRM_CMAKE_ARGS="-DTRM_SANITIZE=ON" scripts/test.sh
#       (the C tests alone, here under the sanitizers, as .ci/run does)
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

if [ -z "${TRM_ONLY_C:-}" ]; then
  echo "== WebAssembly module (node --test tests/js/)"
  scripts/build_wasm.sh
  TRM_NATIVE_BIN="$build/bin" node --test tests/js/
  echo "== demo page in headless Chromium (node --test tests/browser/)"
  TRM_SOLVE="$build/bin/trm-solve" node --test tests/browser/
fi
echo "== all tests passed"
