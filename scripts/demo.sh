#!/usr/bin/env bash
# The demo: installs what is missing, builds the native tools and the WebAssembly module, and
# serves the page on 127.0.0.1.
#   scripts/demo.sh                 http://127.0.0.1:8080/web/demo/
#   scripts/demo.sh --port 9000     another port (0 = any free port)
#   scripts/demo.sh --no-build      serve what is already built
# The server (scripts/serve.mjs) serves web/ and models/ of the repository, so the page in
# web/demo/ finds the library one folder up (web/trm.js, web/trm.wasm) and the shipped models in
# models/ (listed by models/index.json); nothing is copied. Stop it with Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."

port=8080
host=127.0.0.1
build=1
while [ $# -gt 0 ]; do
  case "$1" in
    --port) [ $# -ge 2 ] || { echo "demo: --port needs a number" >&2; exit 2; }; port=$2; shift 2 ;;
    --port=*) port=${1#--port=}; shift ;;
    --host) [ $# -ge 2 ] || { echo "demo: --host needs an address" >&2; exit 2; }; host=$2; shift 2 ;;
    --no-build) build=0; shift ;;
    -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "demo: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done
case "$port" in ''|*[!0-9]*) echo "demo: --port '$port' is not a number" >&2; exit 2 ;; esac

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
need=()
command -v node >/dev/null || need+=(nodejs)
command -v emcmake >/dev/null || need+=(emscripten)
if [ "$build" = 1 ] && [ ${#need[@]} -gt 0 ]; then
  echo "demo: installing ${need[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
command -v node >/dev/null || { echo "demo: node is missing (apt-get install nodejs)" >&2; exit 1; }

if [ "$build" = 1 ]; then
  scripts/setup.sh          # packages + native tools in build/ (trm-maze, trm-solve, trm-train, ...)
  scripts/build_wasm.sh     # web/trm.wasm
fi
[ -f web/trm.wasm ] || { echo "demo: web/trm.wasm is missing; run without --no-build" >&2; exit 1; }

# The page lists the models of models/index.json; say so if none of them is there.
node -e '
  const fs = require("fs");
  let list = [];
  try { list = JSON.parse(fs.readFileSync("models/index.json", "utf8")); } catch (e) {
    console.log("demo: models/index.json is unreadable (" + e.message + "): the page will start without a model");
    process.exit(0);
  }
  const present = list.filter((m) => m && m.file && fs.existsSync("models/" + m.file));
  for (const m of list) if (m && m.file && !fs.existsSync("models/" + m.file)) console.log("demo: models/" + m.file + " is listed but missing");
  if (!present.length) console.log("demo: no shipped model yet: drop a .safetensors file (e.g. from native/trm-train) on the page");
  else console.log("demo: models: " + present.map((m) => m.file).join(", "));
'

exec node scripts/serve.mjs --port "$port" --host "$host"
