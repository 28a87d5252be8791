#!/bin/sh
# bench_train.sh: training throughput (example-supervision-steps per second) of trm.c's trainer
# (trm-bench train: trm_trainer_step on random maze-like data) against the PyTorch reference
# doing the identical step (scripts/bench_train_ref.py = reference_trm.py bench plus CPU time),
# both with the same thread count; then inference ms per refinement pass with 1 and 2 threads,
# and peak RSS of each training run. Then the mixed-precision table: trm.c's bf16 path
# (--precision bf16) against its float32 step and against PyTorch under its own CPU bf16 autocast,
# and the bf16 inference pass.
#
#   scripts/bench_train.sh [build-dir]           default: build
#   CONFIGS="a b" STEPS=2 ROUNDS=3 THREADS=2 scripts/bench_train.sh
# Configs: (a) 15x15, hidden 128, 4 heads, T 3, n 4, batch 32; (b) 30x30, hidden 256, 8 heads,
# batch 8; (c) the official maze model (hidden 512, 8 heads, 30x30 + 16 prefix), batch 2. All
# have a 16-position puzzle prefix, expansion 4, 2 layers.
# The machine may be shared, and one core's speed drifts by 10-20% from minute to minute here:
# the three training runs of a config (trm.c with THREADS and with 1 thread, PyTorch with
# THREADS) go in ROUNDS interleaved rounds, and the table gives the best round of each (the
# least disturbed; ratios of bests) and the median. Every line carries the load average, and "cpu"
# columns give CPU seconds per step (all threads), which other processes do not inflate the way
# they do wall time.
set -e
root=$(CDPATH= cd -- "$(dirname -- "$0")/.." && pwd)
build=${1:-$root/build}
bin="$build/bin/trm-bench"
[ -x "$bin" ] || { echo "bench_train.sh: $bin not built (cmake -S $root -B $build && cmake --build $build)" >&2; exit 1; }
py=/usr/bin/python3
threads=${THREADS:-2}
steps=${STEPS:-2}
rounds=${ROUNDS:-3}
# OpenMP waiting, each side at its best as measured here: trm.c with whatever the caller set, else
# libgomp's default (spin a little, then sleep; how trm-train runs), 3-8% faster at 2 threads than
# passive or active; PyTorch with passive (REF_OMP_WAIT_POLICY), 30-50% faster than the default.
export OPENBLAS_CORETYPE=SkylakeX
ref_policy=${REF_OMP_WAIT_POLICY:-passive}
out=$(mktemp)
trap 'rm -f "$out"' EXIT
cfg() {
    case $1 in
        a) echo "--grid 15 15 --hidden 128 --heads 4 --batch 32" ;;
        b) echo "--grid 30 30 --hidden 256 --heads 8 --batch 8" ;;
        c) echo "--grid 30 30 --hidden 512 --heads 8 --batch 2" ;;
    esac
}
echo "# $(date -u '+%Y-%m-%d %H:%M:%S UTC'), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-unset} (PyTorch: $ref_policy)" >&2
for c in ${CONFIGS:-a b c}; do
    args="$(cfg "$c") --T 3 --n 4 --prefix 16"
    echo "config ($c): $args" >&2
    r=0
    while [ $r -lt "$rounds" ]; do
        for t in $threads 1; do
            "$bin" train $args --steps "$steps" --threads "$t" --json | sed "s/^/train $c /" >>"$out"
        done
        "$bin" train $args --steps "$steps" --threads "$threads" --precision bf16 --json | sed "s/^/train16 $c /" >>"$out"
        OMP_WAIT_POLICY=$ref_policy "$py" "$root/scripts/bench_train_ref.py" $args --steps "$steps" --threads "$threads" | sed "s/^/ref $c /" >>"$out"
        OMP_WAIT_POLICY=$ref_policy "$py" "$root/scripts/bench_train_ref.py" $args --steps "$steps" --threads "$threads" --autocast | sed "s/^/ref16 $c /" >>"$out"
        r=$((r + 1))
    done
    for t in 1 2; do
        "$bin" solve $args --passes 3 --threads "$t" --json | sed "s/^/solve $c /" >>"$out"
        "$bin" solve $args --passes 3 --threads "$t" --precision bf16 --json | sed "s/^/solve16 $c /" >>"$out"
    done
done
"$py" - "$out" "$threads" <<'PY'
import json, statistics, sys
rows = {}
for line in open(sys.argv[1]):
    kind, cfg, js = line.split(" ", 2)
    rows.setdefault(cfg, {}).setdefault(kind, []).append(json.loads(js))
T = int(sys.argv[2])
RATE = "example_supervision_steps_per_s"
def runs(r, kind, threads=None):
    return [x for x in r.get(kind, []) if threads is None or x["threads"] == threads]
def best(xs):
    return max(xs, key=lambda x: x[RATE]) if xs else {}
def med(xs):
    return statistics.median(x[RATE] for x in xs) if xs else 0
def ratio(a, b):
    return a / b if b else 0
print(f"\nTraining, example-supervision-steps/s (wall) and CPU s/step: best of {max(len(runs(r, 'ref')) for r in rows.values())} "
      f"interleaved rounds (ratios of bests), then medians")
print(f"{'cfg':3} {'trm.c '+str(T)+'T':>10} {'cpu s':>7} {'trm.c 1T':>9} {'cpu s':>7} {str(T)+'T/1T':>6} "
      f"{'torch '+str(T)+'T':>9} {'cpu s':>7} {'x wall':>7} {'x cpu':>6} {'RSS MB':>7} {'torch MB':>8} {'allocs':>6} {'load':>5}")
for cfg, r in rows.items():
    a, one, ref = best(runs(r, "train", T)), best(runs(r, "train", 1)), best(runs(r, "ref"))
    rate, rate1, rref = a.get(RATE, 0), one.get(RATE, 0), ref.get(RATE, 0)
    print(f"{cfg:3} {rate:10.3f} {a.get('cpu_s_per_step', 0):7.2f} {rate1:9.3f} {one.get('cpu_s_per_step', 0):7.2f} "
          f"{ratio(rate, rate1):6.2f} {rref:9.3f} {ref.get('cpu_s_per_step', 0):7.2f} {ratio(rate, rref):7.2f} "
          f"{ratio(ref.get('cpu_s_per_step', 0), a.get('cpu_s_per_step', 0)):6.2f} "
          f"{a.get('peak_rss_mb', 0):7.0f} {ref.get('peak_rss_mb', 0):8.0f} {max(x.get('allocs_in_steps', -1) for x in runs(r, 'train')):6d} "
          f"{max(x.get('load', 0) for x in runs(r, 'train') + runs(r, 'ref')):5.1f}")
    m, m1, mref = med(runs(r, "train", T)), med(runs(r, "train", 1)), med(runs(r, "ref"))
    print(f"{'':3} {m:10.3f} {'':7} {m1:9.3f} {'':7} {ratio(m, m1):6.2f} {mref:9.3f} {'':7} {ratio(m, mref):7.2f}   (medians)")
    print(f"{'':3} rounds: {T}T " + " ".join(f"{x[RATE]:.2f}" for x in runs(r, "train", T)) +
          " | 1T " + " ".join(f"{x[RATE]:.2f}" for x in runs(r, "train", 1)) +
          " | torch " + " ".join(f"{x[RATE]:.2f}" for x in runs(r, "ref")))
print(f"\nMixed precision, {T} threads, example-supervision-steps/s (best round): trm.c bf16 against its float32 step, "
      f"PyTorch float32 and PyTorch bf16 autocast; peak RSS of the trm.c runs")
print(f"{'cfg':3} {'f32':>8} {'bf16':>8} {'bf16/f32':>8} {'torch':>8} {'torch16':>8} {'x torch':>7} {'x torch16':>9} "
      f"{'torch16/torch':>13} {'RSS f32':>7} {'RSS bf16':>8}")
for cfg, r in rows.items():
    a, b = best(runs(r, "train", T)), best(runs(r, "train16", T))
    ref, ref16 = best(runs(r, "ref")), best(runs(r, "ref16"))
    fa, fb, fr, fr16 = (x.get(RATE, 0) for x in (a, b, ref, ref16))
    print(f"{cfg:3} {fa:8.3f} {fb:8.3f} {ratio(fb, fa):8.2f} {fr:8.3f} {fr16:8.3f} {ratio(fb, fr):7.2f} {ratio(fb, fr16):9.2f} "
          f"{ratio(fr16, fr):13.2f} {a.get('peak_rss_mb', 0):7.0f} {b.get('peak_rss_mb', 0):8.0f}")
    print(f"{'':3} rounds: bf16 " + " ".join(f"{x[RATE]:.2f}" for x in runs(r, "train16", T)) +
          " | torch16 " + " ".join(f"{x[RATE]:.2f}" for x in runs(r, "ref16")))
print("\nInference, ms per refinement pass (trm_solver_pass, best of 3)")
print(f"{'cfg':3} {'batch':>5} {'1 thread':>9} {'2 threads':>9} {'ratio':>6} {'bf16 1T':>8} {'bf16 2T':>8} "
      f"{'f32/bf16 1T':>11} {'2T':>5} {'load':>5}")
for cfg, r in rows.items():
    s = {x["threads"]: x for x in r.get("solve", [])}
    h = {x["threads"]: x for x in r.get("solve16", [])}
    if 1 in s and 2 in s and 1 in h and 2 in h:
        print(f"{cfg:3} {s[1]['batch']:5d} {s[1]['ms_per_pass']:9.1f} {s[2]['ms_per_pass']:9.1f} "
              f"{s[1]['ms_per_pass'] / s[2]['ms_per_pass']:6.2f} {h[1]['ms_per_pass']:8.1f} {h[2]['ms_per_pass']:8.1f} "
              f"{s[1]['ms_per_pass'] / h[1]['ms_per_pass']:11.2f} {s[2]['ms_per_pass'] / h[2]['ms_per_pass']:5.2f} "
              f"{s[2]['load']:5.1f}")
PY
