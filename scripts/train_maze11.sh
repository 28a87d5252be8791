#!/usr/bin/env bash
# Reproduces models/maze-11x11.safetensors (the recipe and its measurements: models/README.md).
#   scripts/train_maze11.sh [OUT_DIR]      default runs/maze11; about 2 hours with 2 threads
# Three stages of one run (results are bit-identical for any thread count and any interruption):
#   1. configs/maze11.json to step 19,186: halting exploration 0.1, as in the paper;
#   2. resumed with halt_exploration_prob 1.0 to step 46,677, so that the late supervision steps
#      (a 16-step evaluation runs them all) keep being trained once most examples halt after 2-3;
#   3. resumed with a cosine decay of the lr to 5% from step 46,677 to 70,000.
# (The odd step numbers are where the runs that found the recipe were switched.) Rerunning
# continues an interrupted run from its checkpoint. The shipped file is OUT_DIR/model.safetensors
# (EMA weights at the last step).
set -euo pipefail
cd "$(dirname "$0")/.."

out=${1:-runs/maze11}
train=build/bin/trm-train
[ -x "$train" ] || { echo "train_maze11: $train is missing: run scripts/setup.sh (or cmake --build build)" >&2; exit 2; }
mkdir -p "$(dirname "$out")"

ckpt=$out/checkpoint.safetensors
switch1=19186 switch2=46677 total=70000
stage2='{"model": {"halt_exploration_prob": 1.0}}'
stage3="{\"train\": {\"lr_decay_start\": $switch2, \"lr_min_ratio\": 0.05}}"
# Which stage the run in $out is in, from its effective configuration (0: no run yet).
stage() {
  [ -e "$ckpt" ] || { echo 0; return; }
  if grep -Eq '"lr_decay_start":[[:space:]]*'"$switch2"'[,[:space:]]' "$out/config.json"; then echo 3
  elif grep -Eq '"halt_exploration_prob":[[:space:]]*1[,[:space:]]' "$out/config.json"; then echo 2
  else echo 1; fi
}
case $(stage) in
  0) "$train" --config configs/maze11.json --out "$out" --total-steps "$switch1" ;;
  1) "$train" --resume "$ckpt" --total-steps "$switch1" ;;
esac
[ "$(stage)" = 3 ] || "$train" --resume "$ckpt" --total-steps "$switch2" --set "$stage2"
"$train" --resume "$ckpt" --total-steps "$total" --set "$stage3"
