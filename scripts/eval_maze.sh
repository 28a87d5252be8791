#!/usr/bin/env bash
# Measures maze models on fresh held-out sets of every kind the page offers (the model cards'
# tables), side by side.
#   scripts/eval_maze.sh [--size N] [--count K] [--steps S] [--by-length] [--vote] [--kinds K1,K2]
#                        MODEL.safetensors [MODEL ...]
# --size: the grid side (default 11; the models must be of that size). Writes the sets into
# runs/evalN/ (trm-maze seeds 2000-2007, none used in training; minimum path lengths scale
# with the side: easy >= N, long >= 1.5 N, hard >= 2 N moves), adds the hand-drawn mazes of
# tests/data/drawnN.csv where there are some (11: serpentines, a spiral, open rooms), and prints
# one markdown row per model and kind: exact, valid-optimal, and early-halt accuracy with its mean
# number of supervision steps. "multi" mazes have several shortest paths: valid-optimal is the
# score there (exact compares with one of them). --vote adds symmetry voting with early halting,
# as the page runs it (trm-eval --vote --early-halt: 8 views per maze, 8x the compute; mean steps
# per view). --kinds measures only the named kinds (e.g. hard,multi; drawn is one of them).
set -euo pipefail
cd "$(dirname "$0")/.."

size=11 count=1000 steps=16 bylen="" vote=0 only=""
while [ $# -gt 0 ]; do
  case $1 in
    --size) size=$2; shift 2 ;;
    --count) count=$2; shift 2 ;;
    --steps) steps=$2; shift 2 ;;
    --by-length) bylen=--by-length; shift ;;
    --vote) vote=1; shift ;;
    --kinds) only=",$2,"; shift 2 ;;
    -*) echo "eval_maze: unknown option $1" >&2; exit 2 ;;
    *) break ;;
  esac
done
[ $# -ge 1 ] || { echo "usage: scripts/eval_maze.sh [--size N] [--count K] [--steps S] [--by-length] [--vote] [--kinds K1,K2] MODEL..." >&2; exit 2; }
bin=build/bin
for t in trm-maze trm-eval; do
  [ -x "$bin/$t" ] || { echo "eval_maze: $bin/$t is missing: run scripts/setup.sh" >&2; exit 2; }
done
case $size in ''|*[!0-9]*) echo "eval_maze: --size takes a positive integer, not '$size'" >&2; exit 2 ;; esac
[ "$size" -ge 4 ] || { echo "eval_maze: --size $size is too small for these maze kinds (>= 4)" >&2; exit 2; }
dir=runs/eval$size
mkdir -p "$dir"
long=$(( 3 * size / 2 )) hard=$(( 2 * size ))

kinds=(
  "easy|--algorithm lehnert --min-path $size --unique|2000"
  "long|--algorithm lehnert --min-path $long --unique|2001"
  "hard|--algorithm lehnert --min-path $hard --unique|2002"
  "multi|--algorithm lehnert --min-path $size|2003"
  "dfs|--algorithm dfs|2004"
  "dfs-any|--algorithm dfs-any --min-path $size|2005"
  "sparse|--algorithm sparse --min-path 2|2006"
  "short|--algorithm lehnert --min-path 2|2007"
)
num() { sed -n "s/.*\"$1\": *\([-0-9.e]*\).*/\1/p" <<< "$2" | head -1; }

wanted() { [ -z "$only" ] || [[ $only == *",$1,"* ]]; }
# One table row: model, kind, csv.
row() {
  local model=$1 name=$2 csv=$3 full halt
  full=$("$bin/trm-eval" --model "$model" --csv "$csv" --steps "$steps" --json)
  halt=$("$bin/trm-eval" --model "$model" --csv "$csv" --steps "$steps" --early-halt --json)
  printf '| %s | %s | %s | %.3f | %.3f | %.3f | %.2f |' "$(basename "$model")" "$name" "$(num count "$full")" \
    "$(num exact_accuracy "$full")" "$(num valid_optimal_accuracy "$full")" \
    "$(num valid_optimal_accuracy "$halt")" "$(num mean_steps "$halt")"
  if [ $vote = 1 ]; then
    # batches of 8 mazes (64 views): a batch stops when all its views halted
    halt=$("$bin/trm-eval" --model "$model" --csv "$csv" --steps "$steps" --early-halt --vote --batch 8 --json)
    printf ' %.3f | %.2f |' "$(num valid_optimal_accuracy "$halt")" "$(num mean_steps "$halt")"
  fi
  printf '\n'
}

if [ $vote = 1 ]; then
  echo "| model | kind | mazes | exact | valid-optimal | early halt: valid-optimal | mean steps | vote, early halt: valid-optimal | mean steps per view |"
  echo "|---|---|---|---|---|---|---|---|---|"
else
  echo "| model | kind | mazes | exact | valid-optimal | early halt: valid-optimal | mean steps |"
  echo "|---|---|---|---|---|---|---|"
fi
for model in "$@"; do
  for k in "${kinds[@]}"; do
    IFS='|' read -r name opts seed <<< "$k"
    wanted "$name" || continue
    csv=$dir/$name-$count.csv
    # shellcheck disable=SC2086
    [ -s "$csv" ] || "$bin/trm-maze" --size "$size" $opts --count "$count" --seed "$seed" --out "$csv" --quiet
    row "$model" "$name" "$csv"
    if [ -n "$bylen" ]; then "$bin/trm-eval" --model "$model" --csv "$csv" --steps "$steps" --by-length | sed 's/^/    /'; fi
  done
  csv=tests/data/drawn$size.csv
  if [ -s "$csv" ] && wanted drawn; then row "$model" drawn "$csv"; fi
done
