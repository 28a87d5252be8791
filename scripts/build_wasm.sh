#!/usr/bin/env bash
# Builds the WebAssembly module trm.wasm (core/ + web/*.c, Emscripten, -O3 -msimd128,
# STANDALONE_WASM) into build-wasm/ and copies it next to web/trm.js, where the ES module, the
# demo page and tests/js/ load it from. The .wasm is a build output: never commit it.
#   scripts/build_wasm.sh                    build-wasm/ -> web/trm.wasm
#   TRM_WASM_BUILD_DIR=dir scripts/build_wasm.sh
# Needs Debian's emscripten package (scripts/setup.sh installs it) and node for the emulator.
set -euo pipefail
cd "$(dirname "$0")/.."

build=${TRM_WASM_BUILD_DIR:-build-wasm}
if ! command -v emcmake >/dev/null; then
  echo "build_wasm: emcmake not found; install Emscripten (apt-get install emscripten, or scripts/setup.sh)" >&2
  exit 1
fi
node_bin=$(command -v node || echo /usr/bin/node)
# emcmake's default emulator flag (--experimental-wasm-threads) breaks on Node 20: override it.
emcmake cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DCMAKE_CROSSCOMPILING_EMULATOR="$node_bin" >/dev/null
cmake --build "$build" --target trm_wasm -j"$(nproc 2>/dev/null || echo 2)"
cp "$build/web/trm.wasm" web/trm.wasm
bytes=$(stat -c %s web/trm.wasm)
echo "build_wasm: web/trm.wasm, $bytes bytes ($(( (bytes + 1023) / 1024 )) KiB)"
# Budget: 200 KiB until ARC-AGI (core arc.c + task_arc.c took it to 206 KiB, web/trm_web_arc.c's
# exports to 214 KiB); 224 KiB now.
if [ "$bytes" -ge 229376 ]; then
  echo "build_wasm: trm.wasm is over the 224 KiB budget" >&2
  exit 1
fi
