#!/usr/bin/env bash
# Reproduces models/maze-11x11-mix.safetensors (recipe and measurements: models/README.md).
#   scripts/train_maze11_mix.sh [OUT_DIR]     default runs/mix11; about 2 hours with 2 threads
# 1. Writes the training mix (600,000 11x11 mazes, six kinds, trm-maze seeds 11-16) and a held-out
#    set of 500 (100 each of five kinds, seeds 101-106) into OUT_DIR/data.
# 2. Fine-tunes the shipped random-walls model (models/maze-11x11.safetensors: its tensors, T 3 /
#    n 3 instead of 2 / 2) on that mix: configs/maze11-mix.json (lr 2e-4, cosine from 30,000 to
#    50,000 steps, halting exploration 0.5, N_sup 16).
# Rerunning continues an interrupted run from its checkpoint (bit for bit). The model is
# OUT_DIR/run/model.safetensors (EMA weights at the last step); its file records the mix.
set -euo pipefail
cd "$(dirname "$0")/.."

out=${1:-runs/mix11}
bin=build/bin
for t in trm-maze trm-train; do
  [ -x "$bin/$t" ] || { echo "train_maze11_mix: $bin/$t is missing: run scripts/setup.sh (or cmake --build build)" >&2; exit 2; }
done
data=$out/data
mkdir -p "$data"

# kind: trm-maze options | rows | seed (the share of each kind is rows / 600,000)
train_kinds=(
  "--algorithm lehnert --min-path 11 --unique|150000|11"   # random walls, one shortest path
  "--algorithm lehnert --min-path 16 --unique|90000|12"    # ... long paths
  "--algorithm lehnert --min-path 22 --unique|60000|13"    # ... hard: 2x the side
  "--algorithm lehnert --min-path 11|120000|14"            # random walls, several shortest paths
  "--algorithm dfs|90000|15"                               # corridors, S and G at the far ends
  "--algorithm dfs-any --min-path 11|90000|16"             # corridors, S and G anywhere
)
test_kinds=(
  "--algorithm lehnert --min-path 11 --unique|100|101"
  "--algorithm lehnert --min-path 22 --unique|100|103"
  "--algorithm lehnert --min-path 11|100|104"
  "--algorithm dfs|100|105"
  "--algorithm dfs-any --min-path 11|100|106"
)
# Write the kinds into one CSV (one header), atomically.
write_mix() {
  local dst=$1; shift
  local tmp=$dst.tmp.$$ part=$dst.part.$$ first=1
  : > "$tmp"
  for k in "$@"; do
    IFS='|' read -r opts rows seed <<< "$k"
    # shellcheck disable=SC2086
    "$bin/trm-maze" --size 11 $opts --count "$rows" --seed "$seed" --out "$part" --quiet
    if [ $first = 1 ]; then cat "$part" >> "$tmp"; first=0; else tail -n +2 "$part" >> "$tmp"; fi
  done
  rm -f "$part"
  mv "$tmp" "$dst"
}
[ -s "$data/train.csv" ] || { echo "train_maze11_mix: writing $data/train.csv"; write_mix "$data/train.csv" "${train_kinds[@]}"; }
[ -s "$data/test.csv" ] || write_mix "$data/test.csv" "${test_kinds[@]}"

set_data="{\"data\": {\"train_csv\": \"$data/train.csv\", \"test_csv\": \"$data/test.csv\"}}"
if [ -e "$out/run/checkpoint.safetensors" ]; then
  "$bin/trm-train" --resume "$out/run/checkpoint.safetensors"
else
  "$bin/trm-train" --config configs/maze11-mix.json --out "$out/run" --set "$set_data"
fi
