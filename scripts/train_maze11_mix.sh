#!/usr/bin/env bash
# Reproduces models/maze-11x11-mix.safetensors (OUT_DIR/stage3/best.safetensors; recipe and
# measurements: models/README.md).
#   scripts/train_maze11_mix.sh [OUT_DIR]              default runs/mix11; all three stages, about
#                                                      4 hours with 2 threads
#   scripts/train_maze11_mix.sh --from-mix [OUT_DIR]   stage 3 alone (1 h 55 min), from the
#                                                      stage-2 file as committed in c8eac29 (git
#                                                      show; what the recorded run started from)
# 1. Writes the training mixes into OUT_DIR/data: train.csv (600,000 11x11 mazes, six kinds,
#    trm-maze seeds 11-16), train2.csv (the same plus 140,000 of three kinds with short paths
#    and few walls, seeds 17-19), a held-out set of 500 (100 each of five kinds, seeds 101-106)
#    and stage 3's held-out set of 1,000 (125 of each of the eight kinds, seeds 111-118).
# 2. Stages 1-2 fine-tune the random-walls model models/maze-11x11.safetensors (its tensors, T 3 /
#    n 3 instead of 2 / 2): configs/maze11-mix.json on train.csv to step 5,124, then on
#    train2.csv to step 42,000 (lr 2e-4, cosine from 26,000; halting exploration 0.5; N_sup 16).
#    The switch step is where the run that found the recipe got its wider mix. Their result is
#    OUT_DIR/run/best.safetensors (step 18,000 in the recorded run).
# 3. Stage 3: a fresh run from it (or, --from-mix, from stage 2's file as the repository held it
#    before stage 3 replaced it: git show c8eac29:models/...), halting exploration 1.0,
#    lr 1e-4 cosine to 5e-6 over 24,000 steps, selected on the 1,000 (step 22,000 recorded).
# Rerunning continues an interrupted run from its checkpoint (bit for bit). Every file records
# the mix.
set -euo pipefail
cd "$(dirname "$0")/.."

from_mix=0
if [ "${1:-}" = "--from-mix" ]; then from_mix=1; shift; fi
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
test3_kinds=(   # stage 3's held-out set: 125 of each of the eight kinds
  "--algorithm lehnert --min-path 11 --unique|125|111"
  "--algorithm lehnert --min-path 16 --unique|125|112"
  "--algorithm lehnert --min-path 22 --unique|125|113"
  "--algorithm lehnert --min-path 11|125|114"
  "--algorithm dfs|125|115"
  "--algorithm dfs-any --min-path 11|125|116"
  "--algorithm sparse --min-path 2|125|117"
  "--algorithm lehnert --min-path 2|125|118"
)
# shellcheck source=scripts/maze_mix.sh
. scripts/maze_mix.sh
[ $from_mix = 1 ] || [ -s "$data/train.csv" ] || { echo "train_maze11_mix: writing $data/train.csv"; write_mix "$bin" 11 "$data/train.csv" "${train_kinds[@]}"; }
[ -s "$data/train2.csv" ] || { echo "train_maze11_mix: writing $data/train2.csv"; write_mix "$bin" 11 "$data/train2.csv" "${train_kinds[@]}" "${more_kinds[@]}"; }
[ -s "$data/test.csv" ] || write_mix "$bin" 11 "$data/test.csv" "${test_kinds[@]}"
[ -s "$data/test3.csv" ] || write_mix "$bin" 11 "$data/test3.csv" "${test3_kinds[@]}"

ckpt=$out/run/checkpoint.safetensors switch=5124
set_data="{\"data\": {\"train_csv\": \"$data/train.csv\", \"test_csv\": \"$data/test.csv\"}}"
set_wide="{\"data\": {\"train_csv\": \"$data/train2.csv\"}}"
if [ $from_mix = 1 ]; then
  mix_model=$out/stage2-c8eac29.safetensors
  mix11_stage2 "$mix_model"
else
  if [ ! -e "$ckpt" ]; then
    "$bin/trm-train" --config configs/maze11-mix.json --out "$out/run" --set "$set_data" --total-steps "$switch"
  elif ! grep -q 'train2.csv' "$out/run/config.json"; then
    "$bin/trm-train" --resume "$ckpt" --set "$set_data" --total-steps "$switch"
  fi
  "$bin/trm-train" --resume "$ckpt" --set "$set_wide" --total-steps 42000
  mix_model=$out/run/best.safetensors
fi

# Stage 3: a fresh run from the mix model (new optimizer state, another data order), halting
# exploration 1.0 so that the late supervision steps of every kind are trained, lr 1e-4 cosine
# to 5% over 24,000 steps, selected on 1,000 held-out mazes of all eight kinds.
stage3="{\"model\": {\"halt_exploration_prob\": 1.0},
  \"data\": {\"train_csv\": \"$data/train2.csv\", \"test_csv\": \"$data/test3.csv\"},
  \"train\": {\"init_model\": \"$mix_model\", \"seed\": 3, \"lr\": 1e-4, \"puzzle_emb_lr\": 1e-4,
  \"lr_warmup_steps\": 200, \"lr_decay_start\": 0, \"total_steps\": 24000}}"
if [ ! -e "$out/stage3/checkpoint.safetensors" ]; then
  "$bin/trm-train" --config configs/maze11-mix.json --out "$out/stage3" --set "$stage3"
else
  "$bin/trm-train" --resume "$out/stage3/checkpoint.safetensors" --set "$stage3"
fi
