#!/usr/bin/env bash
# Reproduces models/maze-11x11-mix.safetensors (OUT_DIR/run/best.safetensors; recipe and measurements: models/README.md).
#   scripts/train_maze11_mix.sh [OUT_DIR]     default runs/mix11; about 2 hours with 2 threads
# 1. Writes the training mixes into OUT_DIR/data: train.csv (600,000 11x11 mazes, six kinds,
#    trm-maze seeds 11-16), train2.csv (the same plus 140,000 of three kinds with short paths
#    and few walls, seeds 17-19) and a held-out set of 500 (100 each of five kinds, seeds 101-106).
# 2. Fine-tunes the random-walls model models/maze-11x11.safetensors (its tensors, T 3 / n 3
#    instead of 2 / 2): configs/maze11-mix.json on train.csv to step 5,124, then on train2.csv to
#    step 42,000 (lr 2e-4, cosine from 26,000; halting exploration 0.5; N_sup 16). The switch
#    step is where the run that found the recipe got its wider mix.
# Rerunning continues an interrupted run from its checkpoint (bit for bit). The model is
# OUT_DIR/run/best.safetensors (EMA weights at the evaluation with the best held-out exact accuracy,
# step 18,000 in the recorded run); its file records the mix.
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
more_kinds=(
  "--algorithm sparse --min-path 2|60000|17"               # rooms, few walls, any length
  "--algorithm sparse --min-path 11|40000|18"              # ... long ones
  "--algorithm lehnert --min-path 2|40000|19"              # random walls, short paths
)
test_kinds=(
  "--algorithm lehnert --min-path 11 --unique|100|101"
  "--algorithm lehnert --min-path 22 --unique|100|103"
  "--algorithm lehnert --min-path 11|100|104"
  "--algorithm dfs|100|105"
  "--algorithm dfs-any --min-path 11|100|106"
)
# shellcheck source=scripts/maze_mix.sh
. scripts/maze_mix.sh
[ -s "$data/train.csv" ] || { echo "train_maze11_mix: writing $data/train.csv"; write_mix "$bin" 11 "$data/train.csv" "${train_kinds[@]}"; }
[ -s "$data/train2.csv" ] || { echo "train_maze11_mix: writing $data/train2.csv"; write_mix "$bin" 11 "$data/train2.csv" "${train_kinds[@]}" "${more_kinds[@]}"; }
[ -s "$data/test.csv" ] || write_mix "$bin" 11 "$data/test.csv" "${test_kinds[@]}"

ckpt=$out/run/checkpoint.safetensors switch=5124
set_data="{\"data\": {\"train_csv\": \"$data/train.csv\", \"test_csv\": \"$data/test.csv\"}}"
set_wide="{\"data\": {\"train_csv\": \"$data/train2.csv\"}}"
if [ ! -e "$ckpt" ]; then
  "$bin/trm-train" --config configs/maze11-mix.json --out "$out/run" --set "$set_data" --total-steps "$switch"
elif ! grep -q 'train2.csv' "$out/run/config.json"; then
  "$bin/trm-train" --resume "$ckpt" --set "$set_data" --total-steps "$switch"
fi
"$bin/trm-train" --resume "$ckpt" --set "$set_wide" --total-steps 42000
