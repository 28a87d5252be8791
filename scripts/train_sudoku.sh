#!/usr/bin/env bash
# Reproduces the sudoku model models/sudoku-9x9.safetensors (recipe and measurements:
# models/README.md): one run, about 1 h 40 min with 2 threads on an idle 2-core AVX512_BF16
# machine (bf16 where the CPU has it; float32 elsewhere, slower).
#   scripts/train_sudoku.sh [OUT_DIR]     default runs/sudoku
# 1. Writes the data into OUT_DIR/data with trm-sudoku: train.csv (300,000 minimal one-solution
#    puzzles, seed 100, every rating: 41% rate 0, 59% need search), test.csv (1,000 more, seed 200,
#    the held-out set the run evaluates on) and test-hard.csv (300 rated >= 8, seed 300).
# 2. Trains configs/sudoku-cpu.json (TRM-MLP: mlp_t, hidden 128, T 3, n 4, N_sup 16; batch 64,
#    lr 5e-4 (warmup 300) constant to step 6,000, then a cosine to 2.5e-5 at 9,000; the task's
#    shuffles as augmentation; evaluated every 1,000 steps on 500 of test.csv) into OUT_DIR/run.
#    The model is OUT_DIR/run/best.safetensors (EMA weights at the best evaluation).
# 3. Measures it on both held-out sets by rating band, from one view and with voting over the 8
#    shuffles (trm-eval --by-rating [--vote] --early-halt).
# Rerunning continues an interrupted run from its checkpoint (bit for bit). The recorded run was
# re-planned twice before its decay (from 40,000 and 11,500 steps in a cosine from step 300), so
# its lr between steps 300 and 1,818 was up to 4% below this one's constant 5e-4; the rest is the
# same schedule.
set -euo pipefail
cd "$(dirname "$0")/.."

out=${1:-runs/sudoku}
bin=build/bin
for t in trm-sudoku trm-train trm-eval; do
  [ -x "$bin/$t" ] || { echo "train_sudoku: $bin/$t is missing: run scripts/setup.sh (or cmake --build build)" >&2; exit 2; }
done
data=$out/data
mkdir -p "$data"
[ -s "$data/train.csv" ] || "$bin/trm-sudoku" --count 300000 --seed 100 --out "$data/train.csv"
[ -s "$data/test.csv" ] || "$bin/trm-sudoku" --count 1000 --seed 200 --out "$data/test.csv"
[ -s "$data/test-hard.csv" ] || "$bin/trm-sudoku" --count 300 --seed 300 --min-rating 8 --out "$data/test-hard.csv"

set_data="{\"data\": {\"train_csv\": \"$data/train.csv\", \"test_csv\": \"$data/test.csv\"}}"
if [ ! -e "$out/run/checkpoint.safetensors" ]; then
  "$bin/trm-train" --config configs/sudoku-cpu.json --out "$out/run" --set "$set_data"
else
  "$bin/trm-train" --resume "$out/run/checkpoint.safetensors" --set "$set_data"
fi

model=$out/run/best.safetensors
for set in test test-hard; do
  for vote in "" --vote; do
    echo "train_sudoku: $model on $data/$set.csv ${vote:-(one view)}"
    "$bin/trm-eval" --model "$model" --csv "$data/$set.csv" --early-halt --by-rating $vote
  done
done
