#!/usr/bin/env bash
# Measures 11x11 maze models on fresh held-out sets of every kind the page offers (the model
# card's tables), side by side.
#   scripts/eval_maze11.sh [--count N] [--steps S] [--by-length] MODEL.safetensors [MODEL ...]
# Writes the sets into runs/eval11/ (trm-maze seeds 2000-2007, none used in training), adds the
# hand-drawn mazes of tests/data/drawn11.csv (serpentines, a spiral, open rooms), and prints
# one markdown row per model and kind: exact, valid-optimal, and early-halt accuracy with its mean
# number of supervision steps. "multi" mazes have several shortest paths: valid-optimal is the
# score there (exact compares with one of them).
set -euo pipefail
cd "$(dirname "$0")/.."

count=1000 steps=16 bylen=""
while [ $# -gt 0 ]; do
  case $1 in
    --count) count=$2; shift 2 ;;
    --steps) steps=$2; shift 2 ;;
    --by-length) bylen=--by-length; shift ;;
    -*) echo "eval_maze11: unknown option $1" >&2; exit 2 ;;
    *) break ;;
  esac
done
[ $# -ge 1 ] || { echo "usage: scripts/eval_maze11.sh [--count N] [--steps S] [--by-length] MODEL..." >&2; exit 2; }
bin=build/bin
for t in trm-maze trm-eval; do
  [ -x "$bin/$t" ] || { echo "eval_maze11: $bin/$t is missing: run scripts/setup.sh" >&2; exit 2; }
done
dir=runs/eval11
mkdir -p "$dir"

kinds=(
  "easy|--algorithm lehnert --min-path 11 --unique|2000"
  "long|--algorithm lehnert --min-path 16 --unique|2001"
  "hard|--algorithm lehnert --min-path 22 --unique|2002"
  "multi|--algorithm lehnert --min-path 11|2003"
  "dfs|--algorithm dfs|2004"
  "dfs-any|--algorithm dfs-any --min-path 11|2005"
  "sparse|--algorithm sparse --min-path 2|2006"
  "short|--algorithm lehnert --min-path 2|2007"
)
num() { sed -n "s/.*\"$1\": *\([-0-9.e]*\).*/\1/p" <<< "$2" | head -1; }

echo "| model | kind | mazes | exact | valid-optimal | early halt: valid-optimal | mean steps |"
echo "|---|---|---|---|---|---|---|"
for model in "$@"; do
  for k in "${kinds[@]}"; do
    IFS='|' read -r name opts seed <<< "$k"
    csv=$dir/$name-$count.csv
    # shellcheck disable=SC2086
    [ -s "$csv" ] || "$bin/trm-maze" --size 11 $opts --count "$count" --seed "$seed" --out "$csv" --quiet
    full=$("$bin/trm-eval" --model "$model" --csv "$csv" --steps "$steps" --json)
    halt=$("$bin/trm-eval" --model "$model" --csv "$csv" --steps "$steps" --early-halt --json)
    printf '| %s | %s | %s | %.3f | %.3f | %.3f | %.2f |\n' "$(basename "$model")" "$name" "$count" \
      "$(num exact_accuracy "$full")" "$(num valid_optimal_accuracy "$full")" \
      "$(num valid_optimal_accuracy "$halt")" "$(num mean_steps "$halt")"
    if [ -n "$bylen" ]; then "$bin/trm-eval" --model "$model" --csv "$csv" --steps "$steps" --by-length | sed 's/^/    /'; fi
  done
  csv=tests/data/drawn11.csv
  full=$("$bin/trm-eval" --model "$model" --csv "$csv" --steps "$steps" --json)
  halt=$("$bin/trm-eval" --model "$model" --csv "$csv" --steps "$steps" --early-halt --json)
  printf '| %s | drawn | %s | %.3f | %.3f | %.3f | %.2f |\n' "$(basename "$model")" "$(num count "$full")" \
    "$(num exact_accuracy "$full")" "$(num valid_optimal_accuracy "$full")" \
    "$(num valid_optimal_accuracy "$halt")" "$(num mean_steps "$halt")"
done
