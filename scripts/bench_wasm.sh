#!/usr/bin/env bash
# WebAssembly benchmark: ms per refinement pass of trm.wasm in Node 20 (after V8 tier-up) vs
# native single-thread trm-solve (AVX-512, AVX2, scalar kernels) vs onnxruntime-web 1.30.0 (WASM
# backend, 1 thread, SIMD) running the same pass exported to ONNX from scripts/reference_trm.py.
# Configurations: the shipped demo model (or a 15x15 hidden-128 stand-in) and 30x30 hidden-256.
# All engines run in one go and WASM/onnxruntime passes alternate, so ratios are comparable on
# a shared, noisy machine; absolute numbers are not.
#   scripts/bench_wasm.sh [--quick] [--only NAME] [--wasm FILE]
# Needs: emscripten (scripts/build_wasm.sh), cmake + gcc for the native tools, Debian python3-torch
# (/usr/bin/python3) for the ONNX export, npm for onnxruntime-web (installed once into
# build-wasm/bench/, an ignored folder; set TRM_BENCH_DIR to put it elsewhere).
set -euo pipefail
cd "$(dirname "$0")/.."

bench=${TRM_BENCH_DIR:-build-wasm/bench}
native=${TRM_BUILD_DIR:-build}
scripts/build_wasm.sh >/dev/null
cmake -S . -B "$native" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$native" --target trm-solve -j"$(nproc 2>/dev/null || echo 2)" >/dev/null

if [ ! -d "$bench/node_modules/onnxruntime-web" ]; then
  mkdir -p "$bench"
  # A package.json of its own, so that npm installs here and never touches the repository's.
  [ -f "$bench/package.json" ] || echo '{"name": "trm-bench-scratch", "private": true}' > "$bench/package.json"
  echo "bench_wasm: installing onnxruntime-web@1.30.0 into $bench (once, ~140 MB)"
  (cd "$bench" && npm install --no-audit --no-fund --ignore-scripts --no-save onnxruntime-web@1.30.0 >/dev/null)
fi
exec node scripts/bench_wasm.mjs --ort "$bench" --native-bin "$native/bin" --work "$bench/work" "$@"
