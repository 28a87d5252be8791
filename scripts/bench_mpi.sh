#!/bin/sh
# bench_mpi.sh: data-parallel scaling of trm-train on one machine: 2 processes x 1 thread
# (mpirun -np 2, native/dist.h) against 1 process x 2 threads (OpenMP), the same config and
# global batch. Rounds are interleaved (the machine may be shared; one core's speed drifts), and
# each run's rate is taken from its metrics.jsonl between the first and the last train line, so
# that start-up (held-out set, MPI start) is not counted. Reports per round and the median:
#   steps/s of each, ratio = (2 x 1) / (1 x 2)  (1.0: data parallelism as good as threads),
#   the all-reduce share of a 2-process step and the wait for the slower process (trm-train's
#   "data-parallel:" summary line, process 0's timing), and the load average.
#
#   scripts/bench_mpi.sh [build-dir]        default: build (a build with MPI: TRM_MPI)
#   CONFIG=configs/maze6-tiny.json STEPS=200 ROUNDS=3 BATCH=64 scripts/bench_mpi.sh build-mpi
#   MPIRUN_ARGS="--bind-to core"  (default --bind-to none: share the cores with other work)
set -e
root=$(CDPATH= cd -- "$(dirname -- "$0")/.." && pwd)
build=${1:-$root/build}
bin="$build/bin/trm-train"
[ -x "$bin" ] || { echo "bench_mpi.sh: $bin not built" >&2; exit 1; }
command -v mpirun >/dev/null || { echo "bench_mpi.sh: mpirun not found (apt-get install openmpi-bin libopenmpi-dev)" >&2; exit 1; }
config=${CONFIG:-$root/configs/maze6-tiny.json}
steps=${STEPS:-200}
rounds=${ROUNDS:-3}
log=$(( steps / 10 > 0 ? steps / 10 : 1 ))
batch=${BATCH:+\"batch_size\": $BATCH, }
set_json="{\"train\": {${batch}\"total_steps\": $steps, \"eval_interval\": 0, \"eval_count\": 8, \"checkpoint_interval\": 0, \"log_interval\": $log}}"
mpirun="mpirun --oversubscribe --allow-run-as-root ${MPIRUN_ARGS:---bind-to none} -x OMP_NUM_THREADS"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# steps per second between the first and the last train line of DIR/metrics.jsonl
rate() {
    grep '"type": "train"' "$1/metrics.jsonl" | sed 's/.*"step": \([0-9]*\),.*"wall_time": \([0-9.]*\).*/\1 \2/' |
        awk 'NR == 1 { s0 = $1; t0 = $2 } { s = $1; t = $2 } END { if (t > t0) printf "%.3f", (s - s0) / (t - t0); else print "nan" }'
}

echo "bench_mpi: $config, $steps steps, $rounds rounds, $(nproc) cores; $(mpirun --version 2>/dev/null | head -1)"
echo "round  1x2 steps/s  2x1 steps/s  ratio  allreduce%  wait ms  reduce ms  load"
: > "$tmp/ratios"
r=1
while [ "$r" -le "$rounds" ]; do
    rm -rf "$tmp/a" "$tmp/b"
    OMP_NUM_THREADS=2 "$bin" --config "$config" --out "$tmp/a" --threads 2 --set "$set_json" > "$tmp/a.log" 2>&1
    OMP_NUM_THREADS=1 $mpirun -np 2 "$bin" --config "$config" --out "$tmp/b" --threads 1 --set "$set_json" > "$tmp/b.log" 2>&1
    ra=$(rate "$tmp/a")
    rb=$(rate "$tmp/b")
    line=$(grep "data-parallel: 2 processes," "$tmp/b.log" | tail -1)
    share=$(echo "$line" | sed -n 's/.*= \([0-9.]*\)% of a step.*/\1/p')
    wait_ms=$(echo "$line" | sed -n 's/.*: \([0-9.]*\) ms waiting.*/\1/p')
    red_ms=$(echo "$line" | sed -n 's/.*, \([0-9.]*\) ms in the gradient.*/\1/p')
    ratio=$(awk -v a="$ra" -v b="$rb" 'BEGIN { printf "%.3f", b / a }')
    echo "$ratio $share" >> "$tmp/ratios"
    printf "%5d  %11s  %11s  %5s  %10s  %7s  %9s  %s\n" "$r" "$ra" "$rb" "$ratio" "$share" "$wait_ms" "$red_ms" \
        "$(cut -d' ' -f1-3 /proc/loadavg)"
    r=$((r + 1))
done
sort -n "$tmp/ratios" | awk '{ v[NR] = $1; s[NR] = $2 } END { m = int((NR + 1) / 2);
    printf "median ratio (2 processes x 1 thread) / (1 process x 2 threads): %s; all-reduce share %s%% (that round)\n", v[m], s[m] }'
