#!/usr/bin/env bash
# Builds the libFuzzer harnesses (tests/fuzz/*.c: the safetensors reader, the HRM CSV reader, the
# ARC-AGI task reader, the training-config reader and the values a resumed checkpoint may hold) with clang,
# AddressSanitizer and UBSan, and runs each for a bounded time. Any crash, leak or sanitizer report fails the script.
#   scripts/fuzz.sh          10 s per harness (what CI runs)
#   scripts/fuzz.sh 300      five minutes each
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-10}
out=${TRM_FUZZ_DIR:-build-fuzz}
mkdir -p "$out"
command -v clang >/dev/null || { echo "fuzz: clang is missing (scripts/setup.sh installs it)" >&2; exit 1; }

sources=(core/*.c native/fileio.c native/json.c native/safetensors.c native/csv.c native/train_config.c native/data.c
         native/arc_tasks.c)
for harness in tests/fuzz/fuzz_*.c; do
  name=$(basename "$harness" .c)
  clang -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
    -Icore/include -Inative "$harness" "${sources[@]}" -lcjson -lm -o "$out/$name"
  mkdir -p "$out/$name.corpus"
  echo "== $name: ${seconds} s"
  "$out/$name" "$out/$name.corpus" -max_total_time="$seconds" -max_len=4096 -print_final_stats=1 \
    2>"$out/$name.log" || { tail -n 40 "$out/$name.log" >&2; echo "fuzz: $name failed" >&2; exit 1; }
  grep -E "stat::number_of_executed_units|Done" "$out/$name.log" | tail -n 2
done
echo "fuzz: all harnesses ran ${seconds} s without findings"
