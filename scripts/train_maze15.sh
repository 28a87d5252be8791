#!/usr/bin/env bash
# Reproduces the 15x15 maze model (recipe and measurements: models/README.md) in three stages.
#   scripts/train_maze15.sh [OUT_DIR]                  default runs/mix15; all three stages
#   scripts/train_maze15.sh --from-stage2 [OUT_DIR]    stage 3 only, from the committed
#                                                      models/maze-15x15-stage2.safetensors
# 1. Writes the training mix into OUT_DIR/data/train.csv (300,000 15x15 mazes of eight kinds,
#    trm-maze seeds 31-38) and a held-out set of 500 (100 each of five kinds, seeds 131-135).
# 2. Fine-tunes the 11x11 mix model's stage 2 (models/maze-11x11-mix.safetensors as c8eac29 held
#    it, taken with git show into OUT_DIR; the recorded run started from it) on it: its tensors do not
#    depend on the grid (1-D RoPE positions, one puzzle-id token), so the larger maze starts from
#    a model that already has its tokens and halting head (the routing is relearnt: with 1-D
#    positions a vertical neighbour is 15 positions away, not 11). configs/maze15-mix.json:
#    T 2, n 2, N_sup 8, lr 5e-4 constant to 20,000 then cosine to 30,000, halting exploration 1.0.
# 3. Stage 2: a fresh run from stage 1's best.safetensors (init_model; new optimizer state), lr 5e-4
#    (warmup 100) constant to 4,000, cosine to 9,000, evaluated every 1,500.
# 4. Stage 3: a fresh run from stage 2's best (or the committed file, --from-stage2), another data
#    order (seed 3) with a random dihedral transform per training maze (augment; mazes with several
#    shortest paths relabelled by the tie rule), lr 5e-4 constant to 10,000, cosine to 16,000,
#    evaluated every 2,000.
# Rerunning continues an interrupted run from its checkpoint (bit for bit). The models:
# OUT_DIR/stage2/best.safetensors (= models/maze-15x15-stage2, EMA weights at the best held-out
# evaluation, its last) and OUT_DIR/stage3/model.safetensors (= models/maze-15x15-stage3, the EMA
# weights at the end: they halt better than the best 16-step evaluation's); each records the mix.
# The recorded stage 3 was stopped and resumed three times with shorter schedules (30,000, then
# 24,000, 20,000 steps in all), each time before its decay began, so this one reproduces it.
set -euo pipefail
cd "$(dirname "$0")/.."

from_stage2=0
if [ "${1:-}" = "--from-stage2" ]; then from_stage2=1; shift; fi
out=${1:-runs/mix15}
bin=build/bin
for t in trm-maze trm-train; do
  [ -x "$bin/$t" ] || { echo "train_maze15: $bin/$t is missing: run scripts/setup.sh (or cmake --build build)" >&2; exit 2; }
done
data=$out/data
mkdir -p "$data"

# kind: trm-maze options | rows | seed (the share of each kind is rows / 300,000)
train_kinds=(
  "--algorithm lehnert --min-path 15 --unique|60000|31"    # random walls, one shortest path
  "--algorithm lehnert --min-path 22 --unique|40000|32"    # ... long paths
  "--algorithm lehnert --min-path 30 --unique|40000|33"    # ... hard: 2x the side
  "--algorithm lehnert --min-path 15|50000|34"             # random walls, several shortest paths
  "--algorithm dfs|30000|35"                               # corridors, S and G at the far ends
  "--algorithm dfs-any --min-path 15|40000|36"             # corridors, S and G anywhere
  "--algorithm sparse --min-path 2|25000|37"               # rooms, few walls, any length
  "--algorithm lehnert --min-path 2|15000|38"              # random walls, short paths
)
test_kinds=(
  "--algorithm lehnert --min-path 15 --unique|100|131"
  "--algorithm lehnert --min-path 30 --unique|100|132"
  "--algorithm lehnert --min-path 15|100|133"
  "--algorithm dfs|100|134"
  "--algorithm dfs-any --min-path 15|100|135"
)
# shellcheck source=scripts/maze_mix.sh
. scripts/maze_mix.sh
[ -s "$data/train.csv" ] || { echo "train_maze15: writing $data/train.csv"; write_mix "$bin" 15 "$data/train.csv" "${train_kinds[@]}"; }
[ -s "$data/test.csv" ] || write_mix "$bin" 15 "$data/test.csv" "${test_kinds[@]}"

set_data="{\"data\": {\"train_csv\": \"$data/train.csv\", \"test_csv\": \"$data/test.csv\"}}"
run_stage() {  # run_stage DIR SETTINGS: start DIR's run, or resume it from its checkpoint
  local dir=$1 settings=$2
  if [ ! -e "$dir/checkpoint.safetensors" ]; then
    "$bin/trm-train" --config configs/maze15-mix.json --out "$dir" --set "$set_data" --set "$settings"
  else
    "$bin/trm-train" --resume "$dir/checkpoint.safetensors" --set "$set_data" --set "$settings"
  fi
}

stage2_model=models/maze-15x15-stage2.safetensors
if [ $from_stage2 = 0 ]; then
  mix11=$out/mix11-stage2-c8eac29.safetensors
  mix11_stage2 "$mix11"
  run_stage "$out/run" "{\"train\": {\"init_model\": \"$mix11\"}}"
  # Stage 2 starts from stage 1's best (its last evaluation, step 30,000, in the recorded run).
  run_stage "$out/stage2" "{\"train\": {\"init_model\": \"$out/run/best.safetensors\", \"lr_warmup_steps\": 100, \"lr_decay_start\": 4000, \"total_steps\": 9000, \"eval_interval\": 1500}}"
  stage2_model=$out/stage2/best.safetensors
fi
run_stage "$out/stage3" "{\"train\": {\"init_model\": \"$stage2_model\", \"seed\": 3, \"lr_decay_start\": 10000, \"total_steps\": 16000}, \"data\": {\"augment\": true}}"
