#!/bin/sh
# bench_gemm.sh: GEMM GFLOP/s on TRM shapes for each kernel set, side by side with OpenBLAS
# (OPENBLAS_CORETYPE=SkylakeX, loaded by trm-bench with dlopen; never linked into the product)
# and the FMA peak probe. One thread (rates per CPU-second of the thread, so other load on a
# shared machine does not count), then 2 threads (wall clock). First the thread scaling probe:
# what two cores running at once keep of their single-core rate, on FMA work and on streams.
#
#   scripts/bench_gemm.sh [build-dir]        default: build
#   SETS=scalar,avx2,avx512 scripts/bench_gemm.sh   (scalar is slow: ~1 minute more)
# Needs libopenblas0 for the OpenBLAS column (apt-get install -y libopenblas-dev).
set -e
root=$(CDPATH= cd -- "$(dirname -- "$0")/.." && pwd)
build=${1:-$root/build}
bin="$build/bin/trm-bench"
[ -x "$bin" ] || { echo "bench_gemm.sh: $bin not built (cmake -S $root -B $build && cmake --build $build)" >&2; exit 1; }
sets=${SETS:-avx2,avx512}
reps=${REPS:-5}
echo "# $(date -u '+%Y-%m-%d %H:%M:%S UTC'), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
"$bin" peak
"$bin" scaling --threads 2
echo
OPENBLAS_CORETYPE=SkylakeX "$bin" gemm --threads 1 --reps "$reps" --sets "$sets" --blas
echo
OPENBLAS_CORETYPE=SkylakeX "$bin" gemm --threads 2 --reps "$reps" --sets "$sets" --blas
