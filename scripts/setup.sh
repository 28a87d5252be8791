#!/usr/bin/env bash
# Installs what is missing on a Debian machine, then configures and builds the native tools.
#   scripts/setup.sh            packages + Release build in build/
#   scripts/setup.sh --no-build packages only
# Idempotent: packages already present are not touched; the build is incremental.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

# Debian packages: compiler and build, cJSON for the native tools, clang for the fuzz harnesses.
packages=(build-essential cmake libcjson-dev clang libclang-rt-14-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [ "${1:-}" = "--no-build" ]; then exit 0; fi

jobs=$(nproc 2>/dev/null || echo 2)
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$jobs"
echo "setup: native build ready in build/ (tools in build/bin, wrappers in native/)"
