#!/usr/bin/env bash
# Installs what is missing on a Debian machine, then builds the native tools (build/) and the
# WebAssembly module (web/trm.wasm).
#   scripts/setup.sh            packages + both builds
#   scripts/setup.sh --no-build packages only
# Idempotent: what is already present is not touched; the builds are incremental.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

# Debian packages: compiler and build, cJSON for the native tools, Open MPI for data-parallel
# trm-train (mpirun; tests/test_train_mpi.c), clang + libFuzzer for the fuzz harnesses,
# Emscripten for the WebAssembly module, Chromium for the page test.
packages=(build-essential cmake libcjson-dev openmpi-bin libopenmpi-dev clang libclang-rt-14-dev emscripten chromium)
command -v node >/dev/null || packages+=(nodejs)
command -v npm >/dev/null || packages+=(npm)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
# npm: playwright-core drives Debian's Chromium in the page test (it never downloads a browser);
# esbuild bundles the library in the packaging test.
if [ ! -d node_modules/playwright-core ] || [ ! -d node_modules/esbuild ]; then
  echo "setup: npm ci (playwright-core, esbuild)"
  npm ci --no-audit --no-fund --loglevel=error
fi

if [ "${1:-}" = "--no-build" ]; then exit 0; fi

jobs=$(nproc 2>/dev/null || echo 2)
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$jobs"
echo "setup: native build ready in build/ (tools in build/bin, wrappers in native/)"
scripts/build_wasm.sh
